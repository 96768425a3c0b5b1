// The Octokit factory (src/lib/octokit.ts) against the GitHub double's injected faults: it must retry
// server errors and dropped connections, and wait out primary and secondary rate limits, the way it
// would against api.github.com. Each case counts the requests the double received.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOctokit, type GitHubClient } from "../../src/lib/octokit.ts";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../testing/services/github/index.ts";

const REPO = "octo/models";
const base = { owner: "octo", repo: "models" };
const GET_PULL = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
const CREATE_COMMENT = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";

describe("Octokit factory against GitHub double faults", () => {
  let double: GitHubDouble;
  let octokit: GitHubClient;
  const savedApiUrl = process.env.GITHUB_API_URL;

  beforeEach(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_actions");
    double.state.seedPull(REPO, { number: 5, head: { ref: "feature", sha: fakeSha("feature") } });
    process.env.GITHUB_API_URL = double.url;
    octokit = createOctokit("ghs_actions");
  });

  afterEach(async () => {
    double.assertNoViolations();
    expect(double.faults.unused()).toEqual([]);
    await double.close();
    if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL;
    else process.env.GITHUB_API_URL = savedApiUrl;
  });

  const calls = (route: string): number[] =>
    double.requests.filter((r) => r.route === route).map((r) => r.status);

  it("retries a 502 and returns the answer", async () => {
    double.faults.add({ route: GET_PULL, kind: "status", status: 502 });
    const pull = await octokit.rest.pulls.get({ ...base, pull_number: 5 });
    expect(pull.data.number).toBe(5);
    expect(calls(GET_PULL)).toEqual([502, 200]);
  });

  it("gives up after its retries when the 500s do not stop", async () => {
    double.faults.add({ route: GET_PULL, kind: "status", status: 500, times: 2 });
    const client = createOctokit("ghs_actions", { retries: 1 });
    await expect(client.rest.pulls.get({ ...base, pull_number: 5 })).rejects.toMatchObject({ status: 500 });
    expect(calls(GET_PULL)).toEqual([500, 500]);
  });

  it("waits out a secondary rate limit (retry-after) and then writes once", async () => {
    double.faults.add({ route: CREATE_COMMENT, kind: "secondary-rate-limit", retryAfterSeconds: 1 });
    const started = Date.now();
    await octokit.rest.issues.createComment({ ...base, issue_number: 5, body: "metrics" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(calls(CREATE_COMMENT)).toEqual([403, 201]);
    expect(double.state.comments(REPO, 5).map((c) => c.body)).toEqual(["metrics"]);
  });

  it("waits out a primary rate limit (429, x-ratelimit-remaining: 0) until the reset", async () => {
    double.faults.add({ route: GET_PULL, kind: "rate-limit", status: 429, resetInSeconds: 0 });
    const started = Date.now();
    await octokit.rest.pulls.get({ ...base, pull_number: 5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(calls(GET_PULL)).toEqual([429, 200]);
  });

  // @octokit/request reads a JSON body with `response.text()` and, when that throws (connection dropped
  // mid-body), returns "" as `data` with status 200. The factory's guard turns that into a retried 502.
  it("retries a connection dropped mid-body instead of returning an empty 200", async () => {
    double.faults.add({ route: GET_PULL, kind: "reset" });
    const pull = await octokit.rest.pulls.get({ ...base, pull_number: 5 });
    expect(pull.status).toBe(200);
    expect(pull.data.number).toBe(5);
    expect(calls(GET_PULL)).toEqual([200, 200]);
  });

  it("retries a connection closed before any answer (ECONNRESET), which changed nothing", async () => {
    double.faults.add({ route: CREATE_COMMENT, kind: "drop" });
    await octokit.rest.issues.createComment({ ...base, issue_number: 5, body: "once" });
    expect(calls(CREATE_COMMENT)).toEqual([0, 201]);
    expect(double.state.comments(REPO, 5).map((c) => c.body)).toEqual(["once"]);
  });

  it("delays a slow route", async () => {
    double.faults.add({ route: GET_PULL, kind: "slow", delayMs: 300 });
    const started = Date.now();
    await octokit.rest.pulls.get({ ...base, pull_number: 5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(calls(GET_PULL)).toEqual([200]);
  });
});
