// A small OCI distribution client: blobs (HEAD first, upload monolithic or in resumable chunks, pull with
// every byte verified), manifests by tag or digest, tags. One instance per repository.
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ConfigurationError } from "../../formats/errors.ts";
import { Authenticator, brief, CredentialError, parseChallenge } from "./auth.ts";
import type { Credentials } from "./credentials.ts";
import { accessDenied, RegistryError, unexpected, type Intent } from "./errors.ts";
import { header, send, type HttpResponse, type RequestBody } from "./http.ts";
import type { RegistryLocation } from "./location.ts";
import { uploadBlob, type UploadContext } from "./upload.ts";

/** A blob to push: a file on disk (streamed) or bytes in memory (configs, small docs). */
export interface BlobSource {
  /** `sha256:<hex>`, known beforehand (the run record's per-file digest): no hashing pass here. */
  digest: string;
  size: number;
  path?: string;
  data?: Buffer;
}

export interface PushBlobResult {
  digest: string;
  size: number;
  /** false: the registry had it already (HEAD) or mounted it from another repository. */
  uploaded: boolean;
  mounted: boolean;
}

export interface ManifestResult {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface Progress {
  digest: string;
  sent: number;
  size: number;
}

export interface OciClientOptions {
  location: RegistryLocation;
  /** Full repository path below the host, e.g. `owner/repo/churn-model` (see repositoryFor). */
  repository: string;
  credentials?: Credentials | undefined;
  /** Upload blobs in PATCH requests of this many MiB (≤ 4 for ghcr.io); default: one PUT per blob. */
  chunkSizeMiB?: number | undefined;
  onProgress?: (progress: Progress) => void;
}

export interface OciClient {
  readonly repository: string;
  readonly location: RegistryLocation;
  hasBlob(digest: string): Promise<boolean>;
  /** HEAD, then (unless present) mount from `mountFrom` or upload. */
  pushBlob(blob: BlobSource, options?: { mountFrom?: string }): Promise<PushBlobResult>;
  /** Download to `file` (written whole or not at all), verifying size and sha256 while streaming. */
  pullBlob(blob: { digest: string; size?: number }, file: string): Promise<void>;
  /** PUT by tag or digest; returns the manifest's digest. */
  putManifest(reference: string, body: Buffer | string, mediaType: string): Promise<string>;
  /** undefined when the tag or digest does not exist. */
  getManifest(reference: string): Promise<ManifestResult | undefined>;
  headManifest(reference: string): Promise<ManifestHead | undefined>;
  listTags(): Promise<string[]>;
}

export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MAX_MANIFEST_BYTES = 4 << 20;
const NETWORK_RETRIES = 3;

export interface RegistryRequest {
  method: string;
  /** A path below the origin (`/v2/…`) or an absolute URL (an upload Location, a redirect). */
  url: string | URL;
  intent: Intent;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Extra scopes (cross-repository mount needs pull on the source repository). */
  scopes?: string[];
  /** Retry on a dropped connection: only for requests that are safe to repeat. */
  retry?: boolean;
}

export function createOciClient(options: OciClientOptions): OciClient {
  return new RegistryClient(options);
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function checkDigest(digest: string): void {
  if (!DIGEST.test(digest)) throw new Error(`Not a sha256 digest: ${JSON.stringify(digest)}`);
}

function checkReference(reference: string): void {
  if (!DIGEST.test(reference) && !TAG.test(reference)) {
    throw new ConfigurationError(
      `${JSON.stringify(reference)} is neither an OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) nor a sha256 digest.`,
    );
  }
}

class RegistryClient implements OciClient, UploadContext {
  readonly repository: string;
  readonly location: RegistryLocation;
  readonly chunkBytes: number | undefined;
  readonly onProgress: ((progress: Progress) => void) | undefined;
  readonly #auth: Authenticator;
  readonly #credentials: Credentials | undefined;

  constructor(options: OciClientOptions) {
    this.repository = options.repository;
    this.location = options.location;
    this.#credentials = options.credentials;
    this.#auth = new Authenticator(options.location.host, options.credentials);
    const mib = options.chunkSizeMiB;
    if (mib !== undefined && !(Number.isFinite(mib) && mib > 0)) {
      throw new ConfigurationError(`chunk-size must be a positive number of MiB (got ${mib}).`);
    }
    this.chunkBytes = mib === undefined ? undefined : Math.floor(mib * (1 << 20));
    this.onProgress = options.onProgress;
  }

  get tokenRequests(): number {
    return this.#auth.tokenRequests;
  }

  path(rest: string): string {
    return `/v2/${this.repository}/${rest}`;
  }

  /** One request with authentication (challenge → token → retry; refresh on a later 401). */
  async request(request: RegistryRequest): Promise<HttpResponse> {
    const scopes = [
      `repository:${this.repository}:${request.intent === "push" ? "pull,push" : "pull"}`,
      ...(request.scopes ?? []),
    ];
    const url = typeof request.url === "string" ? new URL(request.url, this.location.origin) : request.url;
    let answers = 0;
    for (;;) {
      const authorization = this.#auth.authorization(scopes);
      const headers = {
        "user-agent": "mlops-actions",
        ...request.headers,
        ...(authorization ? { authorization } : {}),
      };
      const response = await this.#sendRetrying(
        { method: request.method, url, headers, body: request.body },
        request.retry ?? false,
      );
      if (response.status !== 401 || !mayAnswer(response, answers))
        return this.#refusal(response, request.intent, answers > 0);
      await response.discard();
      answers++;
      if (!(await this.#auth.answer(response, scopes))) return this.#refusal(response, request.intent, true);
    }
  }

  async #sendRetrying(request: Parameters<typeof send>[0], retry: boolean): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(request);
      } catch (error) {
        if (!retry || attempt >= NETWORK_RETRIES) throw error;
      }
    }
  }

  /** 401 after authenticating, or 403: the credential or its scope is refused. */
  async #refusal(response: HttpResponse, intent: Intent, answered: boolean): Promise<HttpResponse> {
    if (response.status !== 403 && !(response.status === 401 && answered)) return response;
    const text = await response.text(64 * 1024);
    const basic = /^\s*basic/i.test(header(response.headers, "www-authenticate") ?? "");
    if (response.status === 401 && basic) {
      throw new CredentialError(
        this.#credentials === undefined
          ? `Registry ${this.location.host} wants credentials (HTTP 401). Pass registry-username and registry-password, or log in with docker/login-action.`
          : `Registry ${this.location.host} refused the credentials from ${this.#credentials.source} (user ${JSON.stringify(this.#credentials.username)}; HTTP 401: ${brief(text)}).`,
      );
    }
    if (this.#credentials === undefined) {
      throw new CredentialError(
        `Registry ${this.location.host} refused anonymous ${intent} access to ${this.repository} (HTTP ${response.status}: ${brief(text)}). ` +
          `Pass registry-username and registry-password, log in with docker/login-action, or for ghcr.io give github-token ` +
          `(the job needs 'permissions: packages: ${intent === "push" ? "write" : "read"}').`,
      );
    }
    throw accessDenied(this.location.host, this.repository, intent, response.status, brief(text));
  }

  hasBlob(digest: string): Promise<boolean> {
    return this.#headBlob(digest, "pull");
  }

  /** Before a push, HEAD asks for the push scope already: one token serves the whole upload. */
  async #headBlob(digest: string, intent: Intent): Promise<boolean> {
    checkDigest(digest);
    const response = await this.request({
      method: "HEAD",
      url: this.path(`blobs/${digest}`),
      intent,
      retry: true,
    });
    await response.discard();
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await unexpected(response, `HEAD blob ${digest} in ${this.repository}`);
  }

  async pushBlob(blob: BlobSource, options: { mountFrom?: string } = {}): Promise<PushBlobResult> {
    checkDigest(blob.digest);
    if ((blob.path === undefined) === (blob.data === undefined))
      throw new Error("pushBlob needs exactly one of path and data");
    if (blob.data !== undefined && blob.data.length !== blob.size)
      throw new Error(`pushBlob: ${blob.data.length} bytes given, size says ${blob.size}`);
    const result = { digest: blob.digest, size: blob.size };
    if (await this.#headBlob(blob.digest, "push")) return { ...result, uploaded: false, mounted: false };
    const mounted = await uploadBlob(this, blob, options.mountFrom);
    return { ...result, uploaded: !mounted, mounted };
  }

  async pullBlob(blob: { digest: string; size?: number }, file: string): Promise<void> {
    checkDigest(blob.digest);
    let response = await this.request({
      method: "GET",
      url: this.path(`blobs/${blob.digest}`),
      intent: "pull",
      retry: true,
    });
    response = await this.#followRedirects(response);
    if (response.status !== 200)
      throw await unexpected(response, `GET blob ${blob.digest} from ${this.repository}`);
    const temp = `${file}.partial-${randomBytes(4).toString("hex")}`;
    const hash = createHash("sha256");
    let size = 0;
    const verify = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(response.stream, verify, createWriteStream(temp));
      const actual = `sha256:${hash.digest("hex")}`;
      if (actual !== blob.digest || (blob.size !== undefined && size !== blob.size)) {
        throw new RegistryError(
          `Blob ${blob.digest} from ${this.location.host}/${this.repository} arrived as ${size} bytes with digest ${actual}${blob.size === undefined ? "" : ` (expected ${blob.size} bytes)`}: refusing it.`,
          200,
          "DIGEST_INVALID",
        );
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Blob downloads may redirect to storage (ghcr.io → pkg-containers…); credentials stay with the registry. */
  async #followRedirects(first: HttpResponse): Promise<HttpResponse> {
    let response = first;
    for (let hop = 0; hop < 5 && [301, 302, 303, 307, 308].includes(response.status); hop++) {
      const target = new URL(header(response.headers, "location") ?? "", response.url);
      await response.discard();
      response =
        target.origin === this.location.origin
          ? await this.request({ method: "GET", url: target, intent: "pull", retry: true })
          : await send({ method: "GET", url: target, headers: { "user-agent": "mlops-actions" } });
    }
    return response;
  }

  async putManifest(reference: string, body: Buffer | string, mediaType: string): Promise<string> {
    checkReference(reference);
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
    const digest = sha256Digest(bytes);
    if (DIGEST.test(reference) && reference !== digest)
      throw new Error(`putManifest: body digest ${digest} is not ${reference}`);
    const response = await this.request({
      method: "PUT",
      url: this.path(`manifests/${reference}`),
      intent: "push",
      headers: { "content-type": mediaType },
      body: bytes,
      retry: true,
    });
    if (response.status !== 201)
      throw await unexpected(response, `PUT manifest ${this.repository}:${reference}`);
    await response.discard();
    const echoed = header(response.headers, "docker-content-digest");
    if (echoed !== undefined && echoed !== digest) {
      throw new RegistryError(
        `Registry stored manifest ${this.repository}:${reference} as ${echoed}, not ${digest}`,
        201,
        undefined,
      );
    }
    return digest;
  }

  async getManifest(reference: string): Promise<ManifestResult | undefined> {
    checkReference(reference);
    const response = await this.request({
      method: "GET",
      url: this.path(`manifests/${reference}`),
      intent: "pull",
      headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") },
      retry: true,
    });
    if (response.status === 404) {
      await response.discard();
      return undefined;
    }
    if (response.status !== 200)
      throw await unexpected(response, `GET manifest ${this.repository}:${reference}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_MANIFEST_BYTES) {
        response.stream.destroy();
        throw new RegistryError(
          `Manifest ${this.repository}:${reference} is larger than ${MAX_MANIFEST_BYTES} bytes`,
          200,
          undefined,
        );
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    const digest = sha256Digest(body);
    if (DIGEST.test(reference) && digest !== reference) {
      throw new RegistryError(
        `Manifest ${this.repository}@${reference} arrived with digest ${digest}: refusing it.`,
        200,
        "DIGEST_INVALID",
      );
    }
    const mediaType = header(response.headers, "content-type")?.split(";")[0]?.trim() ?? mediaTypeOf(body);
    return { digest, mediaType, body };
  }

  async headManifest(reference: string): Promise<ManifestHead | undefined> {
    checkReference(reference);
    const response = await this.request({
      method: "HEAD",
      url: this.path(`manifests/${reference}`),
      intent: "pull",
      headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") },
      retry: true,
    });
    await response.discard();
    if (response.status === 404) return undefined;
    if (response.status !== 200)
      throw await unexpected(response, `HEAD manifest ${this.repository}:${reference}`);
    const digest = header(response.headers, "docker-content-digest");
    if (digest === undefined) {
      // Some registries omit the digest on HEAD: read the manifest instead.
      const manifest = await this.getManifest(reference);
      return (
        manifest && { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.body.length }
      );
    }
    return {
      digest,
      mediaType: header(response.headers, "content-type")?.split(";")[0]?.trim() ?? "",
      size: Number(header(response.headers, "content-length") ?? 0),
    };
  }

  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    let next: string | URL | undefined = this.path("tags/list?n=1000");
    while (next !== undefined) {
      const response: HttpResponse = await this.request({
        method: "GET",
        url: next,
        intent: "pull",
        retry: true,
      });
      if (response.status === 404) {
        await response.discard();
        return tags;
      }
      if (response.status !== 200) throw await unexpected(response, `GET tags of ${this.repository}`);
      const body = JSON.parse(await response.text(16 << 20)) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header(response.headers, "link") ?? "");
      next = link?.[1] === undefined ? undefined : new URL(link[1], response.url);
    }
    return tags;
  }
}

/**
 * The first 401 is a challenge to answer; another is answered again only when the registry says the token
 * itself is bad (RFC 6750 `error="invalid_token"`: expired or revoked), never for `insufficient_scope`.
 */
function mayAnswer(response: HttpResponse, answers: number): boolean {
  if (answers === 0) return true;
  const challenge = parseChallenge(header(response.headers, "www-authenticate"));
  return answers < 3 && challenge?.params.error === "invalid_token";
}

function mediaTypeOf(body: Buffer): string {
  try {
    return (JSON.parse(body.toString("utf8")) as { mediaType?: string }).mediaType ?? "";
  } catch {
    return "";
  }
}
