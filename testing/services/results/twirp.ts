// Twirp over JSON, server side, just enough for the toolkit's generated clients: POST
// /twirp/<package.Service>/<Method> with a JSON body, answered with JSON or a Twirp error
// ({"code","msg"} with the status the Twirp spec assigns to the code).
import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidTokenError, parseRuntimeToken, type RuntimeTokenClaims } from "./runtime-token.ts";

const STATUS_OF_CODE = {
  invalid_argument: 400,
  malformed: 400,
  unauthenticated: 401,
  permission_denied: 403,
  bad_route: 404,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
} as const;

export type TwirpCode = keyof typeof STATUS_OF_CODE;

export class TwirpError extends Error {
  override readonly name = "TwirpError";
  readonly code: TwirpCode;
  constructor(code: TwirpCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The decoded JSON request; fields use proto names (snake_case) as the clients send them. */
export type TwirpRequest = Record<string, unknown>;

export type TwirpMethod = (request: TwirpRequest, caller: RuntimeTokenClaims) => Promise<object>;

/** Methods by "package.Service/Method". */
export type TwirpRoutes = Record<string, TwirpMethod>;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function callerOf(request: IncomingMessage): RuntimeTokenClaims {
  const header = request.headers.authorization ?? "";
  const match = /^Bearer (\S+)$/.exec(header);
  if (match?.[1] === undefined) throw new TwirpError("unauthenticated", "missing bearer token");
  try {
    return parseRuntimeToken(match[1]);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new TwirpError("unauthenticated", error.message);
    throw error;
  }
}

/** One answered request: "package.Service/Method" (or the raw path when unrouted) and the outcome. */
export interface TwirpCall {
  route: string;
  status: number;
  /** The Twirp error code, when the call failed. */
  code?: TwirpCode;
}

/** A request handler serving `routes`; `onCall` sees every answered request (for tests that assert traffic). */
export function twirpHandler(
  routes: TwirpRoutes,
  onCall: (call: TwirpCall) => void,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const route = /^\/twirp\/([\w.]+\/\w+)$/.exec(request.url ?? "")?.[1];
    const method = route === undefined ? undefined : routes[route];
    const handle = async (): Promise<object> => {
      if (route === undefined || method === undefined || request.method !== "POST") {
        throw new TwirpError("bad_route", `no route for ${request.method ?? "?"} ${request.url ?? "?"}`);
      }
      const caller = callerOf(request);
      const contentType = request.headers["content-type"] ?? "";
      if (!contentType.startsWith("application/json")) {
        throw new TwirpError("bad_route", `only application/json is served, got ${contentType}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(request));
      } catch {
        throw new TwirpError("malformed", "request body is not JSON");
      }
      if (typeof body !== "object" || body === null)
        throw new TwirpError("malformed", "body is not an object");
      return method(body as TwirpRequest, caller);
    };
    const routeName = route ?? request.url ?? "?";
    handle().then(
      (result) => {
        onCall({ route: routeName, status: 200 });
        send(response, 200, result);
      },
      (error: unknown) => {
        if (error instanceof TwirpError) {
          const status = STATUS_OF_CODE[error.code];
          onCall({ route: routeName, status, code: error.code });
          send(response, status, { code: error.code, msg: error.message });
        } else {
          // A bug here, not a client mistake. Note: the clients retry 5xx with 3 s+ back-off.
          const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
          onCall({ route: routeName, status: 500, code: "internal" });
          send(response, 500, { code: "internal", msg: message });
        }
      },
    );
  };
}

export function stringField(request: TwirpRequest, field: string): string {
  const value = request[field];
  if (typeof value !== "string" || value === "") {
    throw new TwirpError("invalid_argument", `${field} is required`);
  }
  return value;
}

/** Proto JSON: int64 travels as a string, wrappers (StringValue, Int64Value) as their bare value. */
export function optionalString(request: TwirpRequest, field: string): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new TwirpError("invalid_argument", `${field} must be a string`);
  return value;
}

export function int64Field(request: TwirpRequest, field: string): number {
  const value = request[field];
  if (value === undefined) return 0;
  const number = typeof value === "string" || typeof value === "number" ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) throw new TwirpError("invalid_argument", `${field} is not an integer`);
  return number;
}
