// One test registry for a whole suite: vitest's globalSetup starts it (tests/integration/global-setup.ts)
// and provides a SharedRegistryInfo; each test file, in its own worker process, connects to it. What a
// file needs beyond the registry's own API (adding users, reading the front's request log) goes through
// control routes on the front, under a secret path prefix. Files share users by name: redefining a user
// differently is refused, so two files that disagree fail loudly instead of flaking. Fault injection
// (dropped connections, expired tokens) stays per file, on a registry of its own (startTestRegistry).
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { ControlHandler, LoggedRequest } from "./front.ts";
import { readText, type RegistryUser, type TokenService } from "./token-service.ts";

/** What globalSetup passes to test files (JSON: it crosses processes). */
export interface SharedRegistryInfo {
  /** `http://127.0.0.1:<port>`: the front. */
  origin: string;
  /** `127.0.0.1:<port>`. */
  host: string;
  /** `<origin>/_control/<secret>`: the control routes. */
  control: string;
}

export interface SharedRegistry {
  origin: string;
  host: string;
  /** Adds a user to the token service; the same user again is fine, a different definition is refused. */
  addUser(user: RegistryUser): Promise<void>;
  /** How many requests the front has logged so far (all files). */
  logLength(): Promise<number>;
  /** Logged requests of a repository (from index `from` of the whole log) matching method and a path pattern. */
  requests(
    repository: string,
    method?: string,
    pathPattern?: RegExp,
    from?: number,
  ): Promise<LoggedRequest[]>;
}

/** A fresh secret control prefix for a front. */
export function controlPrefix(): string {
  return `/_control/${randomBytes(16).toString("hex")}`;
}

/** The control routes: POST /users (a RegistryUser), GET /requests?repository=&method=&from=. */
export function controlRoutes(
  tokens: TokenService | undefined,
  log: readonly LoggedRequest[],
): ControlHandler {
  return async (req, res, path) => {
    const url = new URL(path || "/", "http://control");
    if (req.method === "POST" && url.pathname === "/users") {
      if (tokens === undefined) return answer(res, 409, { error: "this test registry runs without auth" });
      const user = JSON.parse(await readText(req)) as RegistryUser;
      const existing = tokens.users.get(user.username);
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(user)) {
        return answer(res, 409, {
          error: `user ${user.username} is already defined differently (${JSON.stringify(existing)}): give this file's user another name`,
        });
      }
      tokens.addUser(user);
      return answer(res, 200, {});
    }
    if (req.method === "GET" && url.pathname === "/requests") {
      req.resume();
      const from = Number(url.searchParams.get("from") ?? 0);
      const repository = url.searchParams.get("repository");
      const method = url.searchParams.get("method");
      const prefix = repository === null ? undefined : `/v2/${repository}/`;
      const matching = log
        .slice(from)
        .filter(
          (r) =>
            (prefix === undefined || r.path.startsWith(prefix)) && (method === null || r.method === method),
        );
      return answer(res, 200, { length: log.length, requests: matching });
    }
    req.resume();
    answer(res, 404, { error: `no control route ${req.method ?? ""} ${url.pathname}` });
  };
}

export function connectTestRegistry(info: SharedRegistryInfo): SharedRegistry {
  const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${info.control}${path}`, init);
    const body = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(`test registry control ${path}: ${body.error ?? response.status}`);
    return body;
  };
  const query = async (params: Record<string, string>) =>
    call<{ length: number; requests: LoggedRequest[] }>(
      `/requests?${new URLSearchParams(params).toString()}`,
    );
  return {
    origin: info.origin,
    host: info.host,
    addUser: async (user) => {
      await call("/users", { method: "POST", body: JSON.stringify(user) });
    },
    logLength: async () => (await query({ from: String(Number.MAX_SAFE_INTEGER) })).length,
    requests: async (repository, method, pathPattern, from = 0) => {
      const { requests } = await query({
        repository,
        from: String(from),
        ...(method === undefined ? {} : { method }),
      });
      return requests.filter((r) => pathPattern === undefined || pathPattern.test(r.path));
    },
  };
}

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
