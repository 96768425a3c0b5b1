// github.actions.results.api.v1.ArtifactService as @actions/artifact v2+ (upload-artifact v4+) uses it,
// plus the ArtifactSource view the GitHub REST double reads. Bytes live in Azurite; the blob of a
// zipped artifact IS the zip the REST API serves.
import type { ArtifactSource, StoredArtifact } from "../artifact-source.ts";
import type { BlobStorage } from "./blob-storage.ts";
import type { RuntimeTokenClaims } from "./runtime-token.ts";
import {
  int64Field,
  optionalString,
  stringField,
  TwirpError,
  type TwirpRequest,
  type TwirpRoutes,
} from "./twirp.ts";

export const ARTIFACT_CONTAINER = "actions-results";
const SERVICE = "github.actions.results.api.v1.ArtifactService";
const SIGNED_URL_SECONDS = 60 * 60;
const DAY_MS = 24 * 60 * 60 * 1000;

interface ArtifactRecord {
  id: number;
  name: string;
  workflowRunId: number;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  size: number;
  digest: string | undefined;
  createdAt: Date;
  expiresAt: Date;
  finalized: boolean;
  blobName: string;
  /** What a download names the file when the artifact is not a zip (uploaded with skipArchive). */
  fileName: string;
}

function publicView(record: ArtifactRecord): StoredArtifact {
  const view: StoredArtifact = {
    id: record.id,
    name: record.name,
    workflowRunId: record.workflowRunId,
    size: record.size,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    finalized: record.finalized,
  };
  if (record.digest !== undefined) view.digest = record.digest;
  return view;
}

/** Proto JSON Timestamp: RFC 3339, seconds precision is enough here. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface ArtifactServiceOptions {
  /** Retention when CreateArtifact carries no expires_at (GitHub's default is 90 days). */
  retentionDays: number;
  /** First artifact id handed out; distinct from run ids so a mix-up shows. */
  firstId?: number;
}

export class ArtifactStore implements ArtifactSource {
  readonly #blobs: BlobStorage;
  readonly #options: ArtifactServiceOptions;
  readonly #records = new Map<number, ArtifactRecord>();
  readonly #pendingDeletes = new Set<Promise<void>>();
  #nextId: number;

  constructor(blobs: BlobStorage, options: ArtifactServiceOptions) {
    this.#blobs = blobs;
    this.#options = options;
    this.#nextId = options.firstId ?? 7_000_001;
  }

  // ---- ArtifactSource ----

  list(filter?: { workflowRunId?: number; name?: string }): StoredArtifact[] {
    return [...this.#records.values()]
      .filter((record) => record.finalized)
      .filter(
        (record) => filter?.workflowRunId === undefined || record.workflowRunId === filter.workflowRunId,
      )
      .filter((record) => filter?.name === undefined || record.name === filter.name)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
      .map(publicView);
  }

  get(id: number): StoredArtifact | undefined {
    const record = this.#records.get(id);
    return record === undefined ? undefined : publicView(record);
  }

  delete(id: number): boolean {
    const record = this.#records.get(id);
    if (record === undefined) return false;
    this.#records.delete(id);
    const deletion = this.#blobs.deleteBlob(ARTIFACT_CONTAINER, record.blobName);
    this.#pendingDeletes.add(deletion);
    void deletion.finally(() => this.#pendingDeletes.delete(deletion));
    return true;
  }

  expire(id: number): void {
    const record = this.#records.get(id);
    if (record === undefined) throw new Error(`No artifact with id ${id} to expire`);
    record.expiresAt = new Date();
  }

  downloadUrl(id: number): Promise<string> {
    const record = this.#records.get(id);
    if (record === undefined || !record.finalized) {
      return Promise.reject(new Error(`No finalized artifact with id ${id}`));
    }
    if (this.#isExpired(record)) {
      return Promise.reject(new Error(`Artifact ${id} expired at ${record.expiresAt.toISOString()}`));
    }
    return Promise.resolve(this.#signedDownloadUrl(record));
  }

  /** Waits for blob deletions started by delete(). */
  async settle(): Promise<void> {
    await Promise.all(this.#pendingDeletes);
  }

  // ---- Twirp ----

  routes(): TwirpRoutes {
    return {
      [`${SERVICE}/CreateArtifact`]: (request, caller) => Promise.resolve(this.#create(request, caller)),
      [`${SERVICE}/FinalizeArtifact`]: (request, caller) => this.#finalize(request, caller),
      [`${SERVICE}/ListArtifacts`]: (request, caller) => Promise.resolve(this.#listForRun(request, caller)),
      [`${SERVICE}/GetSignedArtifactURL`]: (request, caller) =>
        Promise.resolve(this.#signedUrl(request, caller)),
      [`${SERVICE}/DeleteArtifact`]: (request, caller) =>
        Promise.resolve(this.#deleteByName(request, caller)),
    };
  }

  #isExpired(record: ArtifactRecord): boolean {
    return record.expiresAt.getTime() <= Date.now();
  }

  #signedDownloadUrl(record: ArtifactRecord): string {
    return this.#blobs.signedBlobUrl(ARTIFACT_CONTAINER, record.blobName, {
      permissions: "r",
      expiresInSeconds: SIGNED_URL_SECONDS,
      contentDisposition: `attachment; filename="${record.fileName}"; filename*=UTF-8''${encodeURIComponent(record.fileName)}`,
    });
  }

  /** The run the request names must be the caller's own: a token only reaches its run's artifacts. */
  #runOf(request: TwirpRequest, caller: RuntimeTokenClaims): string {
    const runBackendId = stringField(request, "workflow_run_backend_id");
    if (runBackendId !== caller.workflowRunBackendId) {
      throw new TwirpError(
        "permission_denied",
        `token is for workflow run ${caller.workflowRunBackendId}, not ${runBackendId}`,
      );
    }
    return runBackendId;
  }

  #findByName(runBackendId: string, name: string): ArtifactRecord | undefined {
    return [...this.#records.values()].find(
      (record) => record.workflowRunBackendId === runBackendId && record.name === name,
    );
  }

  #create(request: TwirpRequest, caller: RuntimeTokenClaims): object {
    const runBackendId = this.#runOf(request, caller);
    const jobBackendId = stringField(request, "workflow_job_run_backend_id");
    const name = stringField(request, "name");
    const version = int64Field(request, "version");
    if (version < 4) {
      throw new TwirpError("invalid_argument", `artifact version ${version} is not served (need 4 or later)`);
    }
    // Same message and status (409) as GitHub, which upload-artifact users see verbatim.
    if (this.#findByName(runBackendId, name) !== undefined) {
      throw new TwirpError("already_exists", "an artifact with this name already exists on the workflow run");
    }
    const now = new Date();
    const requestedExpiry = optionalString(request, "expires_at");
    const expiresAt =
      requestedExpiry === undefined
        ? new Date(now.getTime() + this.#options.retentionDays * DAY_MS)
        : new Date(requestedExpiry);
    if (Number.isNaN(expiresAt.getTime())) {
      throw new TwirpError("invalid_argument", `expires_at ${requestedExpiry ?? ""} is not a timestamp`);
    }
    const mimeType = optionalString(request, "mime_type") ?? "application/zip";
    const id = this.#nextId++;
    const isZip = mimeType === "application/zip";
    const record: ArtifactRecord = {
      id,
      name,
      workflowRunId: caller.workflowRunId,
      workflowRunBackendId: runBackendId,
      workflowJobRunBackendId: jobBackendId,
      size: 0,
      digest: undefined,
      createdAt: now,
      expiresAt,
      finalized: false,
      blobName: `${runBackendId}/${jobBackendId}/artifacts/${id}${isZip ? ".zip" : ""}`,
      fileName: isZip ? `${name}.zip` : name,
    };
    this.#records.set(id, record);
    const signedUploadUrl = this.#blobs.signedBlobUrl(ARTIFACT_CONTAINER, record.blobName, {
      permissions: "racw",
      expiresInSeconds: SIGNED_URL_SECONDS,
    });
    return { ok: true, signed_upload_url: signedUploadUrl };
  }

  async #finalize(request: TwirpRequest, caller: RuntimeTokenClaims): Promise<object> {
    const runBackendId = this.#runOf(request, caller);
    const name = stringField(request, "name");
    const record = this.#findByName(runBackendId, name);
    if (record === undefined)
      throw new TwirpError("not_found", `no artifact named ${name} was created in this run`);
    if (record.finalized)
      throw new TwirpError("failed_precondition", `artifact ${name} is already finalized`);
    const size = int64Field(request, "size");
    const blobSize = await this.#blobs.blobSize(ARTIFACT_CONTAINER, record.blobName);
    if (blobSize === undefined) {
      throw new TwirpError("failed_precondition", `nothing was uploaded for artifact ${name}`);
    }
    if (blobSize !== size) {
      throw new TwirpError("invalid_argument", `size ${size} does not match the uploaded ${blobSize} bytes`);
    }
    record.size = size;
    record.digest = optionalString(request, "hash");
    record.finalized = true;
    return { ok: true, artifact_id: String(record.id) };
  }

  #listForRun(request: TwirpRequest, caller: RuntimeTokenClaims): object {
    const runBackendId = this.#runOf(request, caller);
    const nameFilter = optionalString(request, "name_filter");
    const idFilter = request["id_filter"] === undefined ? undefined : int64Field(request, "id_filter");
    const artifacts = [...this.#records.values()]
      .filter((record) => record.workflowRunBackendId === runBackendId && record.finalized)
      .filter((record) => !this.#isExpired(record))
      .filter((record) => nameFilter === undefined || record.name === nameFilter)
      .filter((record) => idFilter === undefined || record.id === idFilter)
      .map((record) => {
        const artifact: Record<string, string> = {
          workflow_run_backend_id: record.workflowRunBackendId,
          workflow_job_run_backend_id: record.workflowJobRunBackendId,
          database_id: String(record.id),
          name: record.name,
          size: String(record.size),
          created_at: timestamp(record.createdAt),
        };
        if (record.digest !== undefined) artifact["digest"] = record.digest;
        return artifact;
      });
    return { artifacts };
  }

  #liveByName(request: TwirpRequest, caller: RuntimeTokenClaims): ArtifactRecord {
    const runBackendId = this.#runOf(request, caller);
    const name = stringField(request, "name");
    const record = this.#findByName(runBackendId, name);
    if (record === undefined || !record.finalized || this.#isExpired(record)) {
      throw new TwirpError("not_found", `artifact ${name} not found in this run`);
    }
    return record;
  }

  #signedUrl(request: TwirpRequest, caller: RuntimeTokenClaims): object {
    return { signed_url: this.#signedDownloadUrl(this.#liveByName(request, caller)) };
  }

  #deleteByName(request: TwirpRequest, caller: RuntimeTokenClaims): object {
    const record = this.#liveByName(request, caller);
    this.delete(record.id);
    return { ok: true, artifact_id: String(record.id) };
  }
}
