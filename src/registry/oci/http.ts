// One HTTP exchange with a registry over node:http(s), with keep-alive sockets. Bodies are either small
// buffers or a byte range of a file read as a stream, so a 4 GiB blob never sits in memory and a failed
// request can be sent again from the file.
import { open } from "node:fs/promises";
import type { ClientRequest } from "node:http";
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";

/** Bytes [start, end) of a file. */
export interface FileRange {
  path: string;
  start: number;
  end: number;
}

export type RequestBody = Buffer | FileRange;

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: RequestBody;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  url: URL;
  /** The body as a stream: read it, or call text()/discard(). */
  stream: IncomingMessage;
  text(limit?: number): Promise<string>;
  discard(): Promise<void>;
}

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 8 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 8 }),
};
const READ_CHUNK = 1 << 20;
const RESPONSE_TIMEOUT_MS = 300_000;

export function bodyLength(body: RequestBody | undefined): number {
  if (body === undefined) return 0;
  return Buffer.isBuffer(body) ? body.length : body.end - body.start;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function send(request: HttpRequest): Promise<HttpResponse> {
  const { url, body } = request;
  const transport = url.protocol === "http:" ? http : https;
  const agent = agents[url.protocol === "http:" ? "http:" : "https:"];
  const headers: Record<string, string> = { ...request.headers, "content-length": String(bodyLength(body)) };
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = transport.request(url, { method: request.method, headers, agent }, (res) => {
      resolve(wrap(res, url));
    });
    req.setTimeout(RESPONSE_TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${RESPONSE_TIMEOUT_MS / 1000} s`)),
    );
    req.on("error", reject);
    if (body === undefined || Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    if (body.end <= body.start) {
      req.end();
      return;
    }
    streamFile(body, req).catch((error: unknown) => req.destroy(error as Error));
  });
}

/**
 * Bytes of a file into a request through two reused buffers (one being read while the other is written),
 * so memory stays flat however large the blob: a read stream allocates a buffer per chunk, which the
 * garbage collector frees late (≈ 120 MiB of RSS for a 512 MiB read).
 */
async function streamFile(range: FileRange, req: ClientRequest): Promise<void> {
  const file = await open(range.path, "r");
  try {
    const buffers = [Buffer.allocUnsafe(READ_CHUNK), Buffer.allocUnsafe(READ_CHUNK)];
    let position = range.start;
    let writing: Promise<void> = Promise.resolve();
    for (let turn = 0; position < range.end && !req.destroyed; turn++) {
      const buffer = buffers[turn % 2] ?? Buffer.alloc(0);
      const { bytesRead } = await file.read(
        buffer,
        0,
        Math.min(buffer.length, range.end - position),
        position,
      );
      if (bytesRead === 0)
        throw new Error(
          `${range.path} ended at ${position} bytes, before ${range.end}: it changed while uploading`,
        );
      position += bytesRead;
      await writing; // the other buffer is free again once its write completed
      writing = new Promise<void>((resolve, reject) =>
        req.write(buffer.subarray(0, bytesRead), (error) => (error ? reject(error) : resolve())),
      );
      // A dropped connection fails the write while the next read runs: handled where it is awaited.
      writing.catch(() => undefined);
    }
    await writing;
    req.end();
  } finally {
    await file.close();
  }
}

function wrap(res: IncomingMessage, url: URL): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    url,
    stream: res,
    async text(limit = 1 << 20) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res as AsyncIterable<Buffer>) {
        if (size < limit) chunks.push(chunk);
        size += chunk.length;
      }
      return Buffer.concat(chunks).toString("utf8").slice(0, limit);
    },
    async discard() {
      if (res.readableEnded || res.destroyed) return;
      res.resume();
      await new Promise<void>((resolve) => {
        res.once("end", resolve);
        res.once("close", resolve);
        res.once("error", () => resolve());
      });
    },
  };
}
