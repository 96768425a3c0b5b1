// What stands in front of docker-registry so that it behaves like ghcr.io where the two differ, and
// nothing more: the token service on the same origin (`/token`), relative upload Locations, 416 for a
// PATCH body over 4 MiB, and connections dropped on request (a fault the test arms). Every request is
// logged so that tests can count blob PUTs. The Host header passes through, so the registry's absolute
// Locations point here (and are cut to paths).
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TokenService } from "./token-service.ts";

export const GHCR_MAX_PATCH_BYTES = 4 << 20;

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  /** Request body bytes the proxy received from the client. */
  bytes: number;
  /** The connection was dropped by a fault. */
  dropped: boolean;
}

export interface DropFault {
  method: string;
  /** Drop the connection once this many body bytes of the matching request have arrived. */
  afterBytes: number;
  /** Forward those bytes to the registry before dropping (default: none reach it, as a buffering edge). */
  forwardPartial?: boolean;
  /** How many matching requests to drop (default 1). */
  times?: number;
}

/** Answers the test-control requests under a secret path prefix (not logged, never forwarded). */
export type ControlHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

export class Front {
  readonly log: LoggedRequest[] = [];
  #control: { prefix: string; handle: ControlHandler } | undefined;
  readonly #server: http.Server;
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #tokens: TokenService | undefined;
  #upstream: URL | undefined;
  #faults: DropFault[] = [];
  origin = "";

  constructor(tokens: TokenService | undefined) {
    this.#tokens = tokens;
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.origin;
  }

  setUpstream(url: string): void {
    this.#upstream = new URL(url);
  }

  /** Serve the test-control routes (see SharedRegistryInfo) under `prefix`. */
  setControl(prefix: string, handle: ControlHandler): void {
    this.#control = { prefix, handle };
  }

  /** Arm a fault: drop the next matching request(s) mid-body. */
  drop(fault: DropFault): void {
    this.#faults.push({ times: 1, ...fault });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#agent.destroy();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://front").pathname;
    const control = this.#control;
    if (control !== undefined && path.startsWith(control.prefix)) {
      // The rest of the URL, query included.
      await control.handle(req, res, (req.url ?? "/").slice(control.prefix.length));
      return;
    }
    const entry: LoggedRequest = { method: req.method ?? "", path, status: 0, bytes: 0, dropped: false };
    this.log.push(entry);
    req.on("data", (chunk: Buffer) => (entry.bytes += chunk.length));
    if (path === "/token" && this.#tokens !== undefined) {
      res.on("finish", () => (entry.status = res.statusCode));
      await this.#tokens.handle(req, res);
      return;
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (req.method === "PATCH" && declared > GHCR_MAX_PATCH_BYTES) {
      // Read the body, then refuse it: the connection stays usable, as behind ghcr.io's edge.
      entry.status = 416;
      req.resume();
      req.once("end", () => {
        res.writeHead(416, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "RANGE_INVALID", message: "chunk too large" }] }));
      });
      return;
    }
    const fault = this.#faults.find((f) => f.method === req.method && (f.times ?? 1) > 0);
    if (fault !== undefined) fault.times = (fault.times ?? 1) - 1;
    this.#faults = this.#faults.filter((f) => (f.times ?? 1) > 0);
    if (fault !== undefined && !fault.forwardPartial) {
      this.#dropAfter(req, entry, fault.afterBytes);
      return;
    }
    this.#forward(req, res, entry, fault);
  }

  #dropAfter(req: IncomingMessage, entry: LoggedRequest, afterBytes: number): void {
    let seen = 0;
    const check = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen >= afterBytes) {
        req.off("data", check);
        entry.dropped = true;
        req.socket.destroy();
      }
    };
    req.on("data", check);
  }

  #forward(
    req: IncomingMessage,
    res: ServerResponse,
    entry: LoggedRequest,
    fault: DropFault | undefined,
  ): void {
    const upstream = this.#upstream;
    if (upstream === undefined) throw new Error("front: no upstream registry set");
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.#agent,
      },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        // ghcr.io answers upload Locations as paths (`/v2/…/blobs/uploads/<id>`); docker-registry as URLs.
        const location = answer.headers.location;
        if (location?.startsWith(this.origin)) answer.headers.location = location.slice(this.origin.length);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.on("aborted", () => out.destroy());
    if (fault === undefined) {
      req.pipe(out);
      return;
    }
    // Forward exactly afterBytes, then cut both sides.
    let sent = 0;
    req.on("data", (chunk: Buffer) => {
      if (entry.dropped) return;
      const room = fault.afterBytes - sent;
      out.write(room >= chunk.length ? chunk : chunk.subarray(0, room));
      sent += Math.min(room, chunk.length);
      if (sent >= fault.afterBytes) {
        entry.dropped = true;
        // Let the partial bytes reach the registry before the upstream connection goes.
        setImmediate(() => {
          out.destroy();
          req.socket.destroy();
        });
      }
    });
    req.on("end", () => {
      if (!entry.dropped) out.end();
    });
  }
}
