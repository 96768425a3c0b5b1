// What route handlers see and return, GitHub's error bodies, and Link-header pagination.
import type { IncomingHttpHeaders } from "node:http";
import type { ArtifactSource } from "../artifact-source.ts";
import type { PermissionScope, TokenIdentity } from "./auth.ts";
import type { RenderContext } from "./representations.ts";
import type { RouteSpec } from "./routes.ts";
import type { RepoRecord } from "./state.ts";

export interface RequestContext {
  route: RouteSpec;
  /** Path parameters, coerced to the types the OpenAPI description gives them. */
  params: Record<string, unknown>;
  /** Documented query parameters, coerced likewise. */
  query: Record<string, unknown>;
  /** The parsed JSON body (undefined when there is none), or the raw bytes for uploads (`rawBody`). */
  body: unknown;
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  /** The token's identity; undefined for anonymous requests (reads of public repositories). */
  identity: TokenIdentity | undefined;
  repo: RepoRecord;
  render: RenderContext;
  /** Root of the upload host (`${url}/uploads`), the origin of `upload_url`. */
  uploadsRoot: string;
  artifacts: ArtifactSource;
  /** The full request URL, for pagination links. */
  url: URL;
  /** The operation's documentation URL, for error bodies. */
  docs: string;
  /** An injected `failed-upload` fault hit this request (release asset uploads). */
  failUpload?: boolean;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Handler {
  /** The GITHUB_TOKEN permission the operation needs. */
  permission: [PermissionScope, "read" | "write"];
  handle(ctx: RequestContext): Reply | Promise<Reply>;
}

export type Handlers = Record<string, Handler>;

/** Thrown by handlers to answer with one of GitHub's error bodies. */
export class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(String(body.message));
    this.status = status;
    this.body = body;
  }
}

export function notFound(docs: string): HttpError {
  return new HttpError(404, { message: "Not Found", documentation_url: docs, status: "404" });
}

/** GitHub's 422 for requests that pass the schema but break a rule ("Validation Failed" with errors). */
export function validationFailed(docs: string, ...errors: Record<string, unknown>[]): HttpError {
  return new HttpError(422, { message: "Validation Failed", errors, documentation_url: docs, status: "422" });
}

/** GitHub's 422 for requests the schema rejects. */
export function invalidRequest(docs: string, problems: string[]): HttpError {
  return new HttpError(422, {
    message: `Invalid request.\n\n${problems.join("\n")}`,
    documentation_url: docs,
    status: "422",
  });
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

/** One page of `items` per `per_page`/`page`, with GitHub's Link header (first/prev/next/last). */
export function paginate<T>(
  ctx: RequestContext,
  items: readonly T[],
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(ctx.query.per_page ?? 30) || 30, 1), 100);
  const pageNumber = Math.max(Number(ctx.query.page ?? 1) || 1, 1);
  const lastPage = Math.max(Math.ceil(items.length / perPage), 1);
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const linkTo = (n: number): string => {
    const url = new URL(ctx.url);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(n));
    return url.toString();
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(`<${linkTo(pageNumber - 1)}>; rel="prev"`);
  if (pageNumber < lastPage)
    links.push(`<${linkTo(pageNumber + 1)}>; rel="next"`, `<${linkTo(lastPage)}>; rel="last"`);
  if (pageNumber > 1) links.push(`<${linkTo(1)}>; rel="first"`);
  return { page, headers: links.length > 0 ? { link: links.join(", ") } : {} };
}

/** A body field as a string, or undefined. */
export function str(body: unknown, key: string): string | undefined {
  const value =
    body !== null && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" ? value : undefined;
}

export function field(body: unknown, key: string): unknown {
  return body !== null && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;
}

/** The acting login; writes always have one (the server answers 401 to anonymous writes). */
export function actor(ctx: RequestContext): string {
  return ctx.identity?.login ?? "ghost";
}
