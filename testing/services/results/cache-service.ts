// github.actions.results.api.v1.CacheService (cache service v2) as @actions/cache v4+ uses it.
// Entries are keyed by (scope, key, version); the scope comes from the caller's token (`ac` claim):
// writes go to the run's own ref, reads search the run's ref and then the default branch, as on GitHub.
import type { BlobStorage } from "./blob-storage.ts";
import { CACHE_READ, CACHE_WRITE, type RuntimeTokenClaims } from "./runtime-token.ts";
import { int64Field, stringField, TwirpError, type TwirpRequest, type TwirpRoutes } from "./twirp.ts";

export const CACHE_CONTAINER = "actions-cache";
const SERVICE = "github.actions.results.api.v1.CacheService";
const SIGNED_URL_SECONDS = 60 * 60;

export interface CacheEntry {
  id: number;
  key: string;
  /** Hash of paths + compression the client computes; a restore only matches the same version. */
  version: string;
  /** The git ref whose scope holds the entry. */
  scope: string;
  sizeBytes: number;
  createdAt: string;
  finalized: boolean;
}

interface CacheRecord extends CacheEntry {
  blobName: string;
}

export class CacheStore {
  readonly #blobs: BlobStorage;
  readonly #records: CacheRecord[] = [];
  #nextId = 1;

  constructor(blobs: BlobStorage) {
    this.#blobs = blobs;
  }

  /** Every entry, finalized or not, oldest first. */
  entries(): CacheEntry[] {
    return this.#records.map(({ blobName: _blobName, ...entry }) => ({ ...entry }));
  }

  routes(): TwirpRoutes {
    return {
      [`${SERVICE}/CreateCacheEntry`]: (request, caller) => Promise.resolve(this.#create(request, caller)),
      [`${SERVICE}/FinalizeCacheEntryUpload`]: (request, caller) => this.#finalize(request, caller),
      [`${SERVICE}/GetCacheEntryDownloadURL`]: (request, caller) =>
        Promise.resolve(this.#lookup(request, caller)),
    };
  }

  #writableScope(caller: RuntimeTokenClaims): string | undefined {
    return caller.cacheScopes.find((scope) => (scope.permission & CACHE_WRITE) !== 0)?.scope;
  }

  #create(request: TwirpRequest, caller: RuntimeTokenClaims): object {
    const key = stringField(request, "key");
    const version = stringField(request, "version");
    const scope = this.#writableScope(caller);
    // GitHub answers a read-only token with 200 and ok=false; the client turns the prefix into its own error.
    if (scope === undefined)
      return { ok: false, message: "cache write denied: token has no writable scopes" };
    const existing = this.#records.find((r) => r.scope === scope && r.key === key && r.version === version);
    if (existing !== undefined) {
      throw new TwirpError(
        "already_exists",
        "cache entry with the same key, version, and scope already exists",
      );
    }
    const id = this.#nextId++;
    const record: CacheRecord = {
      id,
      key,
      version,
      scope,
      sizeBytes: 0,
      createdAt: new Date().toISOString(),
      finalized: false,
      blobName: `entries/${id}`,
    };
    this.#records.push(record);
    const signedUploadUrl = this.#blobs.signedBlobUrl(CACHE_CONTAINER, record.blobName, {
      permissions: "racw",
      expiresInSeconds: SIGNED_URL_SECONDS,
    });
    return { ok: true, signed_upload_url: signedUploadUrl };
  }

  async #finalize(request: TwirpRequest, caller: RuntimeTokenClaims): Promise<object> {
    const key = stringField(request, "key");
    const version = stringField(request, "version");
    const scope = this.#writableScope(caller);
    const record = this.#records.find(
      (r) => r.scope === scope && r.key === key && r.version === version && !r.finalized,
    );
    if (record === undefined) throw new TwirpError("not_found", `no cache entry ${key} is being uploaded`);
    const sizeBytes = int64Field(request, "size_bytes");
    const blobSize = await this.#blobs.blobSize(CACHE_CONTAINER, record.blobName);
    if (blobSize === undefined)
      throw new TwirpError("failed_precondition", `nothing was uploaded for ${key}`);
    if (blobSize !== sizeBytes) {
      throw new TwirpError(
        "invalid_argument",
        `size_bytes ${sizeBytes} does not match the uploaded ${blobSize}`,
      );
    }
    record.sizeBytes = sizeBytes;
    record.finalized = true;
    return { ok: true, entry_id: String(record.id) };
  }

  /** Per readable scope: the exact key, then the newest entry prefixed by the key, then by each restore key. */
  #lookup(request: TwirpRequest, caller: RuntimeTokenClaims): object {
    const key = stringField(request, "key");
    const version = stringField(request, "version");
    const restoreKeys = request["restore_keys"] ?? [];
    if (!Array.isArray(restoreKeys) || !restoreKeys.every((k) => typeof k === "string")) {
      throw new TwirpError("invalid_argument", "restore_keys must be a list of strings");
    }
    const readable = caller.cacheScopes.filter((scope) => (scope.permission & CACHE_READ) !== 0);
    if (readable.length === 0) {
      throw new TwirpError("permission_denied", "cache read denied: token has no readable scopes");
    }
    for (const { scope } of readable) {
      const candidates = this.#records
        .filter((r) => r.finalized && r.scope === scope && r.version === version)
        .sort((a, b) => b.id - a.id);
      const match =
        candidates.find((r) => r.key === key) ??
        [key, ...restoreKeys]
          .map((prefix) => candidates.find((r) => r.key.startsWith(prefix)))
          .find((found) => found !== undefined);
      if (match !== undefined) {
        const signedDownloadUrl = this.#blobs.signedBlobUrl(CACHE_CONTAINER, match.blobName, {
          permissions: "r",
          expiresInSeconds: SIGNED_URL_SECONDS,
        });
        return { ok: true, signed_download_url: signedDownloadUrl, matched_key: match.key };
      }
    }
    return { ok: false };
  }
}
