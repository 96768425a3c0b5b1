// The GitHub REST double: one node:http server, in-memory state, every request and response checked
// against GitHub's OpenAPI description. Pipeline per request: route → hold → fault → token → schema →
// repository → permission → handler → response schema.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { ArtifactSource } from "../artifact-source.ts";
import { actionHandlers } from "./api/actions.ts";
import { checkHandlers } from "./api/checks.ts";
import { deploymentHandlers } from "./api/deployments.ts";
import { gitHandlers } from "./api/git.ts";
import { issueHandlers } from "./api/issues.ts";
import { pullHandlers } from "./api/pulls.ts";
import { releaseHandlers } from "./api/releases.ts";
import { repoHandlers } from "./api/repos.ts";
import { allows, identityFor, tokenFromHeader, type TokenIdentity, type TokenOptions } from "./auth.ts";
import { Faults, Holds, type FaultSpec, type Hold } from "./faults.ts";
import { HttpError, invalidRequest, type Handlers, type Reply, type RequestContext } from "./http.ts";
import { MemoryArtifactSource } from "./memory-artifact-source.ts";
import type { RenderContext } from "./representations.ts";
import { matchRoute, UPLOADS_PREFIX } from "./router.ts";
import { ROUTES, routeKey, type RouteSpec } from "./routes.ts";
import { GitHubState, type SeedRepo } from "./state.ts";
import { checkRequest, checkResponse, documentationUrl } from "./validation.ts";

const HANDLERS: Handlers = {
  ...repoHandlers,
  ...issueHandlers,
  ...pullHandlers,
  ...checkHandlers,
  ...actionHandlers,
  ...releaseHandlers,
  ...gitHandlers,
  ...deploymentHandlers,
};

for (const route of ROUTES) {
  if (!HANDLERS[route.operationId])
    throw new Error(`routes.ts lists ${route.operationId} but no api/ module handles it`);
}

const REST_DOCS = "https://docs.github.com/rest";
const SECONDARY_RATE_LIMIT_DOCS =
  "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
const PRIMARY_RATE_LIMIT_DOCS =
  "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit";

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** "METHOD /path/template" when the path matched a route. */
  route?: string;
  operationId?: string;
  /** Login of the token used, if it was known. */
  login?: string;
  status: number;
  /** Parsed JSON body, if any. */
  body?: unknown;
}

export interface Violation {
  kind: "unknown-route" | "request" | "response" | "server-error";
  method: string;
  url: string;
  route?: string;
  problems: string[];
}

export interface GitHubDoubleOptions {
  /** Serves the artifact routes; a MemoryArtifactSource when omitted. */
  artifactSource?: ArtifactSource;
  /** Repositories to seed ("owner/name" or a SeedRepo). */
  repos?: (string | SeedRepo)[];
  /** Tokens to register (see addToken). */
  tokens?: Record<string, TokenOptions>;
}

export interface GitHubDouble {
  /** Put this in GITHUB_API_URL. */
  readonly url: string;
  /** Root of html_url and browser_download_url links (GITHUB_SERVER_URL stays https://github.com). */
  readonly webUrl: string;
  readonly state: GitHubState;
  readonly artifacts: ArtifactSource;
  readonly faults: Faults;
  /** Every request received, in order of arrival. */
  readonly requests: RecordedRequest[];
  /** Requests GitHub would reject, unknown routes, and responses that break the OpenAPI description. */
  readonly violations: Violation[];
  addToken(token: string, options?: TokenOptions): TokenIdentity;
  /** Pauses the next request to `route` ("METHOD /path/template") until `release()`. */
  hold(route: string): Hold;
  /** "METHOD /path/template" of every route served. */
  routes(): string[];
  assertNoViolations(): void;
  close(): Promise<void>;
}

class Double implements GitHubDouble {
  url = "";
  webUrl = "";
  uploadsRoot = "";
  readonly state = new GitHubState();
  readonly faults = new Faults();
  readonly requests: RecordedRequest[] = [];
  readonly violations: Violation[] = [];
  private readonly holds = new Holds();
  private readonly tokens = new Map<string, TokenIdentity>();
  private readonly server: Server;
  readonly artifacts: ArtifactSource;

  constructor(options: GitHubDoubleOptions) {
    this.artifacts = options.artifactSource ?? new MemoryArtifactSource();
    for (const repo of options.repos ?? [])
      this.state.seedRepo(typeof repo === "string" ? { fullName: repo } : repo);
    for (const [token, identity] of Object.entries(options.tokens ?? {})) this.addToken(token, identity);
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        this.violations.push({
          kind: "server-error",
          method: req.method ?? "",
          url: req.url ?? "",
          problems: [String(error)],
        });
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "Server Error" }));
      });
    });
    this.server.keepAliveTimeout = 1000;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.webUrl = `${this.url}/_web`;
    this.uploadsRoot = `${this.url}${UPLOADS_PREFIX}`;
    if (this.artifacts instanceof MemoryArtifactSource) this.artifacts.blobRoot = `${this.url}/_blobs`;
  }

  addToken(token: string, options?: TokenOptions): TokenIdentity {
    const identity = identityFor(options);
    this.state.user(identity.login, identity.type);
    this.tokens.set(token, identity);
    return identity;
  }

  hold(route: string): Hold {
    return this.holds.hold(route);
  }

  routes(): string[] {
    return ROUTES.map(routeKey);
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.map(
      (v) =>
        `- ${v.kind}: ${v.method} ${v.url}${v.route ? ` (${v.route})` : ""}\n    ${v.problems.join("\n    ")}`,
    );
    throw new Error(`The GitHub double saw ${this.violations.length} violation(s):\n${lines.join("\n")}`);
  }

  async close(): Promise<void> {
    this.holds.releaseAll();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", this.url);
    if (await this.serveDownloads(method, url, res)) return;

    const record: RecordedRequest = { method, url: `${url.pathname}${url.search}`, status: 0 };
    this.requests.push(record);
    const send = (reply: Reply, route?: RouteSpec, reset = false): void => {
      record.status = reply.status;
      if (route) {
        const problems = checkResponse(route, reply.status, reply.body);
        if (problems.length > 0) this.violate("response", record, problems);
      }
      respond(res, reply, reset);
    };

    const match = matchRoute(method, url.pathname);
    if (!match) {
      this.violate("unknown-route", record, [
        match === null
          ? `${method} is not served on ${url.pathname}`
          : `no route matches ${method} ${url.pathname}`,
      ]);
      send({ status: 404, body: { message: "Not Found", documentation_url: REST_DOCS, status: "404" } });
      return;
    }
    const { route } = match;
    const key = routeKey(route);
    record.route = key;
    record.operationId = route.operationId;
    const docs = documentationUrl(route);

    let body: unknown = undefined;
    const hasJsonBody = rawBody.length > 0 && !route.uploads;
    if (hasJsonBody) {
      try {
        body = JSON.parse(rawBody.toString("utf8"));
        record.body = body;
      } catch {
        this.violate("request", record, ["body is not JSON"]);
        send(
          { status: 400, body: { message: "Problems parsing JSON", documentation_url: docs, status: "400" } },
          route,
        );
        return;
      }
    }

    await this.holds.pass(key, { method, url: record.url, body: rawBody.toString("utf8") });
    const fault = this.faults.take(key);
    if (fault?.kind === "slow") await sleep(fault.delayMs);
    else if (fault?.kind === "drop") {
      req.socket.destroy();
      return;
    } else if (fault && fault.kind !== "reset" && fault.kind !== "failed-upload") {
      send(faultReply(fault, docs));
      return;
    }
    const reset = fault?.kind === "reset";

    try {
      send(
        await this.dispatch(route, match.params, url, req, rawBody, body, hasJsonBody, record, docs, {
          failUpload: fault?.kind === "failed-upload",
        }),
        route,
        reset,
      );
    } catch (error) {
      if (error instanceof HttpError) {
        send({ status: error.status, body: error.body }, route, reset);
        return;
      }
      this.violate("server-error", record, [
        error instanceof Error ? (error.stack ?? error.message) : String(error),
      ]);
      send({ status: 500, body: { message: "Server Error", documentation_url: docs, status: "500" } }, route);
    }
  }

  private async dispatch(
    route: RouteSpec,
    rawParams: Record<string, string>,
    url: URL,
    req: IncomingMessage,
    rawBody: Buffer,
    body: unknown,
    hasBody: boolean,
    record: RecordedRequest,
    docs: string,
    injected: { failUpload: boolean },
  ): Promise<Reply> {
    const token = tokenFromHeader(req.headers.authorization);
    const identity = token === undefined ? undefined : this.tokens.get(token);
    if (token !== undefined && !identity) {
      throw new HttpError(401, { message: "Bad credentials", documentation_url: REST_DOCS, status: "401" });
    }
    if (identity) record.login = identity.login;

    const check = checkRequest(route, rawParams, url.searchParams, body, hasBody);
    if (!check.ok) {
      this.violate("request", record, check.problems);
      if (check.status === 404)
        throw new HttpError(404, { message: "Not Found", documentation_url: docs, status: "404" });
      throw invalidRequest(docs, check.problems);
    }

    const repo = this.state.findRepo(`${String(check.params.owner)}/${String(check.params.repo)}`);
    const handler = HANDLERS[route.operationId];
    if (!repo || !handler || (repo.private && !identity)) {
      throw new HttpError(404, { message: "Not Found", documentation_url: docs, status: "404" });
    }
    const [scope, level] = handler.permission;
    if (!identity && level === "write") {
      throw new HttpError(401, {
        message: "Requires authentication",
        documentation_url: docs,
        status: "401",
      });
    }
    // Comments on pull requests are issue comments; GitHub accepts `pull-requests` in place of `issues`
    // for them (the double does not tell PR comments from issue comments here: both are accepted).
    const viaPullRequests =
      scope === "issues" &&
      route.path.includes("/comments") &&
      identity !== undefined &&
      allows(identity, "pull_requests", level);
    if (identity && !allows(identity, scope, level) && !viaPullRequests) {
      const by = identity.type === "Bot" ? "integration" : "personal access token";
      throw new HttpError(403, {
        message: `Resource not accessible by ${by}`,
        documentation_url: docs,
        status: "403",
      });
    }
    const render: RenderContext = { api: this.url, web: this.webUrl, state: this.state };
    const ctx: RequestContext = {
      route,
      params: check.params,
      query: check.query,
      body,
      rawBody,
      headers: req.headers,
      identity,
      repo,
      render,
      uploadsRoot: this.uploadsRoot,
      artifacts: this.artifacts,
      url,
      docs,
      failUpload: injected.failUpload,
    };
    return handler.handle(ctx);
  }

  /** Bytes GitHub serves from other hosts: artifact zips (blob storage) and release asset downloads. */
  private async serveDownloads(method: string, url: URL, res: ServerResponse): Promise<boolean> {
    if (method !== "GET") return false;
    const blob = /^\/_blobs\/(\d+)\.zip$/.exec(url.pathname);
    if (blob?.[1] && this.artifacts instanceof MemoryArtifactSource) {
      const bytes = this.artifacts.zipBytes(Number(blob[1]));
      if (bytes)
        res.writeHead(200, { "content-type": "application/zip", "content-length": bytes.length }).end(bytes);
      else
        res
          .writeHead(404, { "content-type": "application/xml" })
          .end("<Error><Code>BlobNotFound</Code></Error>");
      return true;
    }
    const signed = /^\/_assets\/(\d+)$/.exec(url.pathname);
    if (signed?.[1]) {
      // Where GET /releases/assets/{id} with Accept: application/octet-stream redirects (GitHub: a signed
      // URL on another host), drafts included.
      const id = Number(signed[1]);
      const found = [...this.state.repos.values()]
        .flatMap((repo) => repo.releases.flatMap((r) => r.assets))
        .find((a) => a.id === id && a.state === "uploaded");
      if (found)
        res
          .writeHead(200, { "content-type": "application/octet-stream", "content-length": found.data.length })
          .end(found.data);
      else res.writeHead(404).end("Not Found");
      return true;
    }
    const asset = /^\/_web\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (asset) {
      const [, owner, name, tag, file] = asset.map((part) => decodeURIComponent(part));
      const release = this.state
        .findRepo(`${owner ?? ""}/${name ?? ""}`)
        ?.releases.find((r) => r.tagName === tag);
      const found = release?.assets.find((a) => a.name === file);
      if (found)
        res
          .writeHead(200, { "content-type": found.contentType, "content-length": found.data.length })
          .end(found.data);
      else res.writeHead(404).end("Not Found");
      return true;
    }
    await Promise.resolve();
    return false;
  }

  private violate(kind: Violation["kind"], record: RecordedRequest, problems: string[]): void {
    this.violations.push({
      kind,
      method: record.method,
      url: record.url,
      ...(record.route ? { route: record.route } : {}),
      problems,
    });
  }
}

function faultReply(
  fault: Exclude<FaultSpec, { kind: "slow" | "reset" | "drop" | "failed-upload" }>,
  docs: string,
): Reply {
  switch (fault.kind) {
    case "status":
      return {
        status: fault.status,
        body: {
          message: fault.status >= 500 ? "Server Error" : "Fault",
          documentation_url: docs,
          status: String(fault.status),
        },
      };
    case "secondary-rate-limit":
      return {
        status: 403,
        headers: { "retry-after": String(fault.retryAfterSeconds ?? 1) },
        body: {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
            "If you reach out to GitHub Support for help, please include the request ID 0C00:1A2B:3C4D5E:6F7A8B:00000000.",
          documentation_url: SECONDARY_RATE_LIMIT_DOCS,
          status: "403",
        },
      };
    case "rate-limit": {
      const status = fault.status ?? 403;
      const reset = Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 1);
      return {
        status,
        headers: {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-used": "5000",
          "x-ratelimit-reset": String(reset),
        },
        body: {
          message: "API rate limit exceeded for installation ID 12345678.",
          documentation_url: PRIMARY_RATE_LIMIT_DOCS,
          status: String(status),
        },
      };
    }
  }
}

function respond(res: ServerResponse, reply: Reply, reset: boolean): void {
  const payload = reply.body === undefined ? undefined : Buffer.from(JSON.stringify(reply.body));
  const headers: Record<string, string | number> = {
    "x-github-api-version-selected": "2022-11-28",
    "x-github-media-type": "github.v3; format=json",
    "x-github-request-id": "0C00:1A2B:3C4D5E:6F7A8B:00000000",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
    ...(payload
      ? { "content-type": "application/json; charset=utf-8", "content-length": payload.length }
      : {}),
    ...reply.headers,
  };
  res.writeHead(reply.status, headers);
  if (reset && payload) {
    // Half the body, then the connection drops: the client sees a truncated response.
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.destroy());
    return;
  }
  if (reset) {
    res.destroy();
    return;
  }
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startGitHubDouble(options: GitHubDoubleOptions = {}): Promise<GitHubDouble> {
  const double = new Double(options);
  await double.listen();
  return double;
}
