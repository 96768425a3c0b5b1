// One HTTP exchange with a registry over node:http(s), with keep-alive sockets. Bodies are either small
// buffers or a byte range of a file read as a stream, so a 4 GiB blob never sits in memory and a failed
// request can be sent again from the file.
import { createReadStream } from "node:fs";
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
    const file = createReadStream(body.path, {
      start: body.start,
      end: body.end - 1,
      highWaterMark: READ_CHUNK,
    });
    file.on("error", (error) => req.destroy(error));
    req.on("close", () => file.destroy());
    file.pipe(req);
  });
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
