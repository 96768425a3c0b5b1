// The one Octokit factory: REST client for GITHUB_API_URL (github.com, GHES or the test double),
// with retries of 5xx/network failures and waits for primary and secondary rate limits.
import * as core from "@actions/core";
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface OctokitOptions {
  /** How many times a failing request is retried, and a rate-limited one waited out. */
  retries?: number;
}

export function createOctokit(token: string, options: OctokitOptions = {}): GitHubClient {
  const retries = options.retries ?? 3;
  const baseUrl = process.env.GITHUB_API_URL ?? "https://api.github.com";
  return getOctokit(
    token,
    {
      baseUrl,
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
    },
    retry,
    throttling,
  );
}
