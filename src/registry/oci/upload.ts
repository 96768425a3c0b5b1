// Blob upload as the distribution spec describes it and real registries behave:
// POST /blobs/uploads/ (or ?mount=&from=) → Location; then either one PUT of the whole blob (docker-registry
// does not support the single-POST form), or PATCH chunks with Content-Range, each answered with the next
// Location and the Range the registry holds, then an empty PUT with the digest. Locations are followed
// exactly as given (relative or absolute, opaque query such as docker-registry's _state). A chunk lost to
// a dropped connection, or refused with 416, resumes from the offset the registry reports (GET on the
// upload URL); an upload the registry forgot (docker-registry cancels one whose state and data disagree)
// starts again.
import { ConfigurationError } from "../../formats/errors.ts";
import type { BlobSource, Progress, RegistryRequest } from "./client.ts";
import { errorCode, RegistryError, unexpected } from "./errors.ts";
import { header, type HttpResponse, type RequestBody } from "./http.ts";
import type { RegistryLocation } from "./location.ts";

export interface UploadContext {
  readonly repository: string;
  readonly location: RegistryLocation;
  readonly chunkBytes: number | undefined;
  readonly onProgress: ((progress: Progress) => void) | undefined;
  request(request: RegistryRequest): Promise<HttpResponse>;
  path(rest: string): string;
}

/** Failed attempts in a row (no byte accepted in between) before giving up. */
const MAX_FAILURES = 5;
const OCTET_STREAM = { "content-type": "application/octet-stream" };

/** Upload (or mount) one blob the registry does not have. Returns true when it was mounted. */
export async function uploadBlob(ctx: UploadContext, blob: BlobSource, mountFrom?: string): Promise<boolean> {
  let failures = 0;
  for (;;) {
    const started = await startUpload(ctx, blob.digest, mountFrom);
    if (started === "mounted") return true;
    try {
      if (ctx.chunkBytes === undefined || blob.data !== undefined) await putWhole(ctx, blob, started);
      else await putChunks(ctx, blob, started, ctx.chunkBytes);
      return false;
    } catch (error) {
      if (!(error instanceof UploadLost) || ++failures >= MAX_FAILURES) throw unwrap(error, ctx, blob);
    }
  }
}

/** The registry no longer has the upload session (or a monolithic PUT broke): start a new one. */
class UploadLost extends Error {
  override readonly name = "UploadLost";
}

function unwrap(error: unknown, ctx: UploadContext, blob: BlobSource): unknown {
  if (!(error instanceof UploadLost)) return error;
  return new RegistryError(
    `Upload of ${blob.digest} to ${ctx.location.host}/${ctx.repository} failed ${MAX_FAILURES} times in a row: ${error.message}`,
    0,
    undefined,
  );
}

async function startUpload(
  ctx: UploadContext,
  digest: string,
  mountFrom: string | undefined,
): Promise<URL | "mounted"> {
  const query =
    mountFrom === undefined
      ? ""
      : `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}`;
  const response = await ctx.request({
    method: "POST",
    url: ctx.path(`blobs/uploads/${query}`),
    intent: "push",
    scopes: mountFrom === undefined ? [] : [`repository:${mountFrom}:pull`],
    retry: true,
  });
  if (response.status === 201 && mountFrom !== undefined) {
    await response.discard();
    return "mounted";
  }
  if (response.status !== 202) throw await unexpected(response, `POST blob upload to ${ctx.repository}`);
  await response.discard();
  return nextLocation(response);
}

function nextLocation(response: HttpResponse): URL {
  const location = header(response.headers, "location");
  if (!location)
    throw new RegistryError(
      `${response.url.pathname}: ${response.status} without a Location`,
      response.status,
      undefined,
    );
  return new URL(location, response.url);
}

/** `…?_state=x` + digest, appended without re-encoding what the registry wrote. */
function withDigest(location: URL, digest: string): URL {
  const text = location.href;
  return new URL(`${text}${location.search === "" ? "?" : "&"}digest=${encodeURIComponent(digest)}`);
}

function bodyOf(blob: BlobSource, start: number, end: number): RequestBody {
  if (blob.data !== undefined) return blob.data.subarray(start, end);
  return { path: blob.path ?? "", start, end };
}

async function putWhole(ctx: UploadContext, blob: BlobSource, location: URL): Promise<void> {
  let response: HttpResponse;
  try {
    response = await ctx.request({
      method: "PUT",
      url: withDigest(location, blob.digest),
      intent: "push",
      headers: OCTET_STREAM,
      body: bodyOf(blob, 0, blob.size),
    });
  } catch (error) {
    throw new UploadLost(`PUT of ${blob.size} bytes: ${(error as Error).message}`);
  }
  await finished(ctx, blob, response);
  ctx.onProgress?.({ digest: blob.digest, sent: blob.size, size: blob.size });
}

async function finished(ctx: UploadContext, blob: BlobSource, response: HttpResponse): Promise<void> {
  if (response.status === 201) {
    await response.discard();
    return;
  }
  const error = await unexpected(response, `PUT blob ${blob.digest} to ${ctx.repository}`);
  if (error.code === "DIGEST_INVALID" || error.code === "SIZE_INVALID") {
    throw new ConfigurationError(
      `The registry computed another digest or size for ${blob.path ?? "an in-memory blob"} than the recorded ${blob.digest} (${blob.size} bytes): ` +
        `the file changed after it was recorded. Train again (or restore the file); nothing was tagged.`,
    );
  }
  throw error;
}

interface UploadState {
  location: URL;
  offset: number;
}

async function putChunks(
  ctx: UploadContext,
  blob: BlobSource,
  first: URL,
  chunkBytes: number,
): Promise<void> {
  let state: UploadState = { location: first, offset: 0 };
  let failures = 0;
  while (state.offset < blob.size) {
    const end = Math.min(state.offset + chunkBytes, blob.size);
    let response: HttpResponse;
    try {
      response = await ctx.request({
        method: "PATCH",
        url: state.location,
        intent: "push",
        headers: { ...OCTET_STREAM, "content-range": `${state.offset}-${end - 1}` },
        body: bodyOf(blob, state.offset, end),
      });
    } catch (error) {
      if (++failures >= MAX_FAILURES)
        throw new UploadLost(`PATCH at ${state.offset}: ${(error as Error).message}`);
      state = await uploadStatus(ctx, state.location);
      continue;
    }
    if (response.status === 416) {
      await response.discard();
      const reported = await uploadStatus(ctx, state.location);
      if (reported.offset === state.offset) throw chunkTooLarge(ctx, end - state.offset);
      if (++failures >= MAX_FAILURES)
        throw new UploadLost(`416 at ${state.offset}, registry holds ${reported.offset}`);
      state = reported;
      continue;
    }
    if (response.status !== 202)
      throw await unexpected(response, `PATCH blob upload ${blob.digest} at ${state.offset}`);
    await response.discard();
    failures = 0;
    state = { location: nextLocation(response), offset: rangeEnd(response) ?? end };
    ctx.onProgress?.({ digest: blob.digest, sent: state.offset, size: blob.size });
  }
  const response = await ctx.request({
    method: "PUT",
    url: withDigest(state.location, blob.digest),
    intent: "push",
    headers: OCTET_STREAM,
    retry: true,
  });
  await finished(ctx, blob, response);
}

/** GET on the upload URL: where the registry says the upload stands. */
async function uploadStatus(ctx: UploadContext, location: URL): Promise<UploadState> {
  const response = await ctx.request({ method: "GET", url: location, intent: "push", retry: true });
  if (response.status === 204 || response.status === 202) {
    await response.discard();
    return {
      location: header(response.headers, "location") ? nextLocation(response) : location,
      offset: rangeEnd(response) ?? 0,
    };
  }
  const text = await response.text(64 * 1024);
  if (response.status === 404 || errorCode(text)?.startsWith("BLOB_UPLOAD") === true) {
    throw new UploadLost(
      `the registry no longer knows the upload (${response.status} ${errorCode(text) ?? ""})`,
    );
  }
  throw new RegistryError(
    `GET upload status ${location.pathname}: ${response.status} ${text.slice(0, 300)}`,
    response.status,
    errorCode(text),
  );
}

/** `Range: 0-1048575` → 1048576 (the next offset). `0-0` on an empty upload means nothing held. */
function rangeEnd(response: HttpResponse): number | undefined {
  const match = /(\d+)-(\d+)/.exec(header(response.headers, "range") ?? "");
  if (!match) return undefined;
  const last = Number(match[2]);
  return last === 0 && Number(match[1]) === 0 ? 0 : last + 1;
}

function chunkTooLarge(ctx: UploadContext, bytes: number): ConfigurationError {
  const mib = (bytes / (1 << 20)).toFixed(bytes % (1 << 20) === 0 ? 0 : 1);
  return new ConfigurationError(
    `Registry ${ctx.location.host} refused a ${mib} MiB chunk (HTTP 416) at the offset it holds: it limits the size of one PATCH. ` +
      `Lower the input chunk-size (ghcr.io accepts at most 4), or leave it empty to upload each blob in one request.`,
  );
}
