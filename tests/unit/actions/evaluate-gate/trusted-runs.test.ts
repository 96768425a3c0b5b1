// RunTrust against the GitHub double: which runs may give a baseline, and at what cost in requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunTrust } from "../../../../src/actions/evaluate-gate/trusted-runs.ts";
import { createOctokit, type GitHubClient } from "../../../../src/lib/octokit.ts";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../../../testing/services/github/index.ts";

const REPO = "octo/models";
const repository = { owner: "octo", repo: "models" };

describe("RunTrust", () => {
  let double: GitHubDouble;
  let client: GitHubClient;
  let ownId: number;
  let forkId: number;

  beforeAll(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_reader");
    process.env.GITHUB_API_URL = double.url;
    client = createOctokit("ghs_reader", { retries: 0 });
    const seed = (id: number, event: string, headRepo?: string) =>
      double.state.seedWorkflowRun(REPO, {
        id,
        headSha: fakeSha(String(id)),
        headBranch: "main",
        event,
        ...(headRepo ? { headRepo } : {}),
      });
    seed(1, "push");
    seed(2, "pull_request");
    seed(3, "pull_request", "stranger/models");
    seed(4, "schedule");
    seed(5, "workflow_dispatch");
    seed(6, "issue_comment");
    for (let id = 100; id < 112; id++) seed(id, "pull_request", `fork${id}/models`);
    ownId = double.state.repo(REPO).id;
    forkId = double.state.repo("stranger/models").id;
  });

  afterAll(async () => {
    delete process.env.GITHUB_API_URL;
    await double.close();
  });

  function reads(from: number, operationId: string): number {
    return double.requests.slice(from).filter((r) => r.operationId === operationId).length;
  }

  it("trusts this repository's push, schedule and workflow_dispatch runs only, reading each run once", async () => {
    const trust = new RunTrust({ repository, repositoryId: ownId, github: () => Promise.resolve(client) });
    const before = double.requests.length;
    const verdicts = [];
    for (const id of [1, 2, 4, 5, 6, 1, 2]) verdicts.push(await trust.judge(id, ownId));
    expect(verdicts.map((v) => v.trusted)).toEqual([true, false, true, true, false, true, false]);
    expect(await trust.judge(3, forkId)).toEqual({
      trusted: false,
      reason: "from fork stranger/models",
      fork: "stranger/models",
    });
    expect(trust.passedOver()).toEqual([
      { runId: 2, reason: "event pull_request" },
      { runId: 6, reason: "event issue_comment" },
      { runId: 3, reason: "from fork stranger/models" },
    ]);
    expect(reads(before, "actions/get-workflow-run")).toBe(6);
    double.assertNoViolations();
  });

  it("tells a fork's run without the artifact's head repository id, reading the repository id once", async () => {
    const trust = new RunTrust({
      repository,
      repositoryId: undefined,
      github: () => Promise.resolve(client),
    });
    const before = double.requests.length;
    expect(await trust.judge(3)).toEqual({
      trusted: false,
      reason: "from fork stranger/models",
      fork: "stranger/models",
    });
    expect(await trust.judge(1)).toEqual({ trusted: true });
    expect(reads(before, "repos/get")).toBe(1);
  });

  it("names at most ten forks: a flood of fork runs costs bounded requests", async () => {
    const trust = new RunTrust({ repository, repositoryId: ownId, github: () => Promise.resolve(client) });
    const before = double.requests.length;
    for (let id = 100; id < 112; id++) await trust.judge(id, double.state.repo(`fork${id}/models`).id);
    const reasons = trust.passedOver().map((run) => run.reason);
    expect(reasons.slice(0, 10)).toEqual(
      Array.from({ length: 10 }, (_, index) => `from fork fork${100 + index}/models`),
    );
    expect(reasons[10]).toMatch(/^from a fork \(repository id \d+\)$/);
    expect(reads(before, "actions/get-workflow-run")).toBe(10);
  });

  it("a run named explicitly may have any event, but not a fork's code", async () => {
    const trust = new RunTrust({ repository, repositoryId: ownId, github: () => Promise.resolve(client) });
    expect(await trust.judgeNamed(2)).toEqual({ trusted: true });
    expect(await trust.judgeNamed(3)).toEqual({
      trusted: false,
      reason: "from fork stranger/models",
      fork: "stranger/models",
    });
    expect(trust.passedOver()).toEqual([{ runId: 3, reason: "from fork stranger/models" }]);
  });
});
