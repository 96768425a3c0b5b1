// The one Octokit factory: REST client for GITHUB_API_URL (github.com, GHES or the test double),
// with retries of 5xx/network failures and waits for primary and secondary rate limits.
//
// Built from @octokit/core and the plugins @actions/github's getOctokit uses (REST methods, paginate),
// not from getOctokit itself: importing @actions/github loads its own copy of undici (about 400 KB of
// code, for proxies) and reads and parses the event payload twice, which cost evaluate-gate more CPU
// than its requests. Requests go through Node's own fetch; behind a proxy (https_proxy and friends,
// honouring no_proxy) the client loads @actions/github's proxy-aware fetch on first use.
import * as core from "@actions/core";
import { getProxyUrl } from "@actions/http-client/lib/proxy";
import { Octokit } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import { restEndpointMethods } from "@octokit/plugin-rest-endpoint-methods";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { InputError } from "../formats/errors.ts";
import { firstLine, httpStatus, tokenRejected } from "../formats/github-errors.ts";

type OctokitPlugin = (octokit: Octokit) => void;

/**
 * A connection dropped mid-body reaches callers of @octokit/request as status 200 with data "" (it reads
 * the body with text() and swallows the failure). This plugin, applied before the retry plugin, turns
 * such a response into a 502 error that the retry plugin then retries.
 */
const truncatedBodyGuard: OctokitPlugin = (octokit) => {
  octokit.hook.wrap("request", async (request, options) => {
    const response = await request(options);
    const type = response.headers["content-type"] ?? "";
    if (response.data === "" && response.status !== 204 && type.includes("json")) {
      throw Object.assign(
        new Error(
          `GitHub's response to ${options.method ?? "?"} ${options.url ?? "?"} was cut short (connection dropped mid-body).`,
        ),
        { status: 502, request: options, response },
      );
    }
    return response;
  });
};

/**
 * A 401 is the token itself (unknown, revoked or expired), never a hiccup: it becomes an error naming the
 * `github-token` input instead of a stack. Applied innermost, so the retry plugin never sees it.
 */
const rejectedTokenGuard: OctokitPlugin = (octokit) => {
  octokit.hook.wrap("request", async (request, options) => {
    try {
      return await request(options);
    } catch (error) {
      if (httpStatus(error) !== 401) throw error;
      const url = (error as { request?: { url?: string } }).request?.url ?? options.url ?? "?";
      const message = firstLine(error);
      throw tokenRejected(`call ${options.method ?? "?"} ${url}`, `401${message ? `: ${message}` : ""}`);
    }
  });
};

/** What callers use: REST methods and pagination, as @actions/github's getOctokit gives them. */
const RestClient = Octokit.plugin(restEndpointMethods, paginateRest);
export type GitHubClient = InstanceType<typeof RestClient>;

// The guards come before the retry plugin: retries see the truncated-body errors, never a 401.
const Client = RestClient.plugin(rejectedTokenGuard, truncatedBodyGuard, retry, throttling);

export interface OctokitOptions {
  /** How many times a failing request is retried, and a rate-limited one waited out. */
  retries?: number;
}

/** Node's fetch, or, when a proxy applies to `baseUrl`, @actions/github's proxy-aware one (loaded lazily). */
function fetchFor(baseUrl: string): typeof fetch | undefined {
  if (getProxyUrl(new URL(baseUrl)) === undefined) return undefined;
  let proxied: Promise<typeof fetch> | undefined;
  return async (input, init) => {
    proxied ??= import("@actions/github/lib/utils").then(
      ({ defaults }) => (defaults.request as { fetch: typeof fetch }).fetch,
    );
    return (await proxied)(input, init);
  };
}

/**
 * The User-Agent suffix @actions/github adds on runners that set ACTIONS_ORCHESTRATION_ID (its
 * getUserAgentWithOrchestrationId), so that GitHub can tie our requests to the job as before.
 */
function orchestrationUserAgent(): string | undefined {
  const id = process.env.ACTIONS_ORCHESTRATION_ID?.trim();
  return id ? `actions_orchestration_id/${id.replace(/[^a-z0-9_.-]/gi, "_")}` : undefined;
}

export function createOctokit(token: string, options: OctokitOptions = {}): GitHubClient {
  if (token.trim() === "") {
    throw new InputError(
      "github-token",
      token,
      "is empty, and this step needs the GitHub API",
      "Leave it out (the default is `${{ github.token }}`) or pass a token, e.g. `github-token: ${{ secrets.MY_TOKEN }}`; check that the secret exists in this repository.",
    );
  }
  const retries = options.retries ?? 3;
  const baseUrl = process.env.GITHUB_API_URL ?? "https://api.github.com";
  const proxyFetch = fetchFor(baseUrl);
  const userAgent = orchestrationUserAgent();
  return new Client({
    auth: `token ${token}`,
    baseUrl,
    ...(userAgent ? { userAgent } : {}),
    ...(proxyFetch ? { request: { fetch: proxyFetch } } : {}),
    retry: { retries, doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
    throttle: {
      onRateLimit: (
        retryAfter: number,
        request: { method: string; url: string },
        _octokit: unknown,
        count: number,
      ) => {
        core.warning(`GitHub rate limit on ${request.method} ${request.url}; retrying in ${retryAfter}s.`);
        return count <= retries;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        request: { method: string; url: string },
        _octokit: unknown,
        count: number,
      ) => {
        core.warning(
          `GitHub secondary rate limit on ${request.method} ${request.url}; retrying in ${retryAfter}s.`,
        );
        return count <= retries;
      },
    },
    log: {
      debug: (message: string) => core.debug(message),
      info: (message: string) => core.debug(message),
      warn: (message: string) => core.debug(message),
      error: (message: string) => core.debug(message),
    },
  });
}
