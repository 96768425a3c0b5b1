// GitHub behaviours the double reproduces because code written against our assumptions would miss them:
// fork PRs are invisible to the commit→PR lookup, personal tokens cannot create check runs, GITHUB_TOKEN
// cannot create environments, deployments refuse commits with failing checks, bodies have a size limit.
import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../testing/services/github/index.ts";

const REPO = "octo/models";
const base = { owner: "octo", repo: "models" };

async function status(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data: { message: string } } };
    return { status: e.status, message: e.response?.data.message ?? "" };
  }
  throw new Error("expected the request to fail");
}

describe("GitHub double: GitHub's rules", () => {
  let double: GitHubDouble;
  let bot: ReturnType<typeof getOctokit>;
  let user: ReturnType<typeof getOctokit>;
  const forkSha = fakeSha("fork head");
  const ownSha = fakeSha("own head");

  beforeEach(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_bot");
    double.addToken("ghp_user", { login: "octo", type: "User" });
    bot = getOctokit("ghs_bot", { baseUrl: double.url });
    user = getOctokit("ghp_user", { baseUrl: double.url });
    double.state.seedPull(REPO, { number: 1, head: { ref: "own", sha: ownSha } });
    double.state.seedPull(REPO, {
      number: 2,
      head: { ref: "main", sha: forkSha },
      user: "stranger",
      fork: true,
    });
  });

  afterEach(async () => {
    double.assertNoViolations();
    await double.close();
  });

  it("finds same-repository PRs by head commit but not fork PRs; pulls.list by head finds the fork", async () => {
    const own = await bot.rest.repos.listPullRequestsAssociatedWithCommit({ ...base, commit_sha: ownSha });
    expect(own.data.map((p) => p.number)).toEqual([1]);
    const fork = await bot.rest.repos.listPullRequestsAssociatedWithCommit({ ...base, commit_sha: forkSha });
    expect(fork.data).toEqual([]);
    const byHead = await bot.rest.pulls.list({ ...base, head: "stranger:main" });
    expect(byHead.data.map((p) => [p.number, p.head.repo?.full_name, p.head.repo?.fork])).toEqual([
      [2, "stranger/models", true],
    ]);
  });

  it("lets only apps create check runs, and only the creating app update them", async () => {
    expect(await status(user.rest.checks.create({ ...base, name: "gate", head_sha: ownSha }))).toEqual({
      status: 403,
      message: "You must authenticate via a GitHub App.",
    });
    expect(
      await status(bot.rest.checks.create({ ...base, name: "gate", head_sha: ownSha, status: "completed" })),
    ).toEqual({
      status: 422,
      message: "Invalid request.\n\n:conclusion wasn't supplied.",
    });
    const run = (
      await bot.rest.checks.create({ ...base, name: "gate", head_sha: ownSha, status: "in_progress" })
    ).data;
    double.addToken("ghs_other_app", { login: "other-app[bot]" });
    const other = getOctokit("ghs_other_app", { baseUrl: double.url });
    expect(
      (await status(other.rest.checks.update({ ...base, check_run_id: run.id, conclusion: "success" })))
        .status,
    ).toBe(403);
    expect(
      (await status(user.rest.checks.update({ ...base, check_run_id: run.id, conclusion: "success" })))
        .status,
    ).toBe(403);
    await bot.rest.checks.update({ ...base, check_run_id: run.id, conclusion: "success" });
    expect(double.state.checkRuns(REPO).map((r) => [r.status, r.conclusion])).toEqual([
      ["completed", "success"],
    ]);
  });

  it("refuses environment creation to GITHUB_TOKEN (no administration scope) but not to an admin", async () => {
    expect(
      (await status(bot.rest.repos.createOrUpdateEnvironment({ ...base, environment_name: "prod" }))).status,
    ).toBe(403);
    await user.rest.repos.createOrUpdateEnvironment({ ...base, environment_name: "prod", wait_timer: 5 });
    const env = await bot.rest.repos.getEnvironment({ ...base, environment_name: "prod" });
    expect(env.data.protection_rules?.map((r) => r.type)).toEqual(["wait_timer"]);
  });

  it("answers 409 to a deployment whose commit has a failing check, unless required_contexts is given", async () => {
    await bot.rest.checks.create({ ...base, name: "tests", head_sha: ownSha, conclusion: "failure" });
    const refused = await status(
      bot.rest.repos.createDeployment({ ...base, ref: "own", environment: "staging" }),
    );
    expect(refused).toEqual({ status: 409, message: "Conflict: Commit status checks failed for own." });
    const created = await bot.rest.repos.createDeployment({
      ...base,
      ref: "own",
      environment: "staging",
      required_contexts: [],
    });
    expect(created.status).toBe(201);
    expect(await status(bot.rest.repos.createDeployment({ ...base, ref: "nope" }))).toEqual({
      status: 422,
      message: "No ref found for: nope",
    });
  });

  it("limits comment bodies to 65,536 characters", async () => {
    const tooLong = await status(
      bot.rest.issues.createComment({ ...base, issue_number: 1, body: "x".repeat(65_537) }),
    );
    expect(tooLong).toEqual({ status: 422, message: "Validation Failed" });
    await bot.rest.issues.createComment({ ...base, issue_number: 1, body: "x".repeat(65_536) });
    expect(double.state.comments(REPO, 1)).toHaveLength(1);
  });

  it("resolves refs whether Octokit encodes the slash or not, and refuses unknown objects", async () => {
    const encoded = await bot.rest.git.getRef({ ...base, ref: "heads/own" });
    expect(double.requests.at(-1)?.url).toBe("/repos/octo/models/git/ref/heads%2Fown");
    const raw = await fetch(`${double.url}/repos/octo/models/git/ref/heads/own`, {
      headers: { authorization: "token ghs_bot" },
    });
    expect(((await raw.json()) as { object: { sha: string } }).object.sha).toBe(encoded.data.object.sha);
    expect(
      await status(bot.rest.git.createRef({ ...base, ref: "refs/heads/x", sha: fakeSha("unknown") })),
    ).toEqual({
      status: 422,
      message: "Validation Failed",
    });
  });
});
