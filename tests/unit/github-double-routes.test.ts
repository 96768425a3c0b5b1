// Every route the GitHub double serves, called once through Octokit with valid input: the double must
// answer without a single OpenAPI violation (its responses match GitHub's schemas), and every route in
// routes.ts must have been exercised.
import { getOctokit } from "@actions/github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MemoryArtifactSource,
  fakeSha,
  routeKey,
  startGitHubDouble,
  unzip,
  type GitHubDouble,
} from "../../testing/services/github/index.ts";

const REPO = "octo/models";
const owner = "octo";
const repo = "models";

describe("GitHub double: every route against the OpenAPI description", () => {
  let double: GitHubDouble;
  let octokit: ReturnType<typeof getOctokit>;
  let admin: ReturnType<typeof getOctokit>;
  const artifacts = new MemoryArtifactSource();
  const headSha = fakeSha("feature");

  beforeAll(async () => {
    double = await startGitHubDouble({ artifactSource: artifacts, repos: [REPO] });
    double.addToken("ghs_actions");
    double.addToken("ghp_admin", { login: "octo", type: "User" });
    // No throttling plugin here: this test makes many writes and is about shapes, not pacing.
    octokit = getOctokit("ghs_actions", { baseUrl: double.url });
    admin = getOctokit("ghp_admin", { baseUrl: double.url });
    double.state.seedPull(REPO, { number: 7, head: { ref: "feature", sha: headSha } });
    double.state.seedPull(REPO, {
      number: 8,
      head: { ref: "patch-1", sha: fakeSha("fork"), repo: "stranger/models" },
    });
    double.state.seedWorkflowRun(REPO, {
      id: 42,
      headSha,
      headBranch: "feature",
      event: "pull_request",
      pullRequests: [7],
    });
  });

  afterAll(async () => {
    await double.close();
  });

  it("serves each route with schema-valid responses", async () => {
    const base = { owner, repo };
    expect((await octokit.rest.repos.get(base)).data.full_name).toBe(REPO);
    await octokit.rest.repos.createDispatchEvent({
      ...base,
      event_type: "retrain",
      client_payload: { model: "m" },
    });
    expect(double.state.dispatches(REPO)).toHaveLength(1);

    // Issues and comments.
    const issue = (await octokit.rest.issues.create({ ...base, title: "Drift alert", labels: ["drift"] }))
      .data;
    expect((await octokit.rest.issues.get({ ...base, issue_number: issue.number })).data.title).toBe(
      "Drift alert",
    );
    await octokit.rest.issues.update({ ...base, issue_number: issue.number, state: "closed" });
    const issues = (await octokit.rest.issues.listForRepo({ ...base, state: "all" })).data;
    expect(issues.map((i) => i.number).sort()).toEqual([7, 8, issue.number].sort());
    const comment = (await octokit.rest.issues.createComment({ ...base, issue_number: 7, body: "metrics" }))
      .data;
    expect(comment.user?.login).toBe("github-actions[bot]");
    expect(comment.user?.type).toBe("Bot");
    await octokit.rest.issues.updateComment({ ...base, comment_id: comment.id, body: "metrics v2" });
    expect((await octokit.rest.issues.getComment({ ...base, comment_id: comment.id })).data.body).toBe(
      "metrics v2",
    );
    expect((await octokit.rest.issues.listComments({ ...base, issue_number: 7 })).data).toHaveLength(1);
    await octokit.rest.issues.deleteComment({ ...base, comment_id: comment.id });
    expect(double.state.comments(REPO, 7)).toHaveLength(0);

    // Pull requests.
    const pull = (await octokit.rest.pulls.get({ ...base, pull_number: 8 })).data;
    expect(pull.head.repo?.fork).toBe(true);
    expect(pull.head.repo?.full_name).toBe("stranger/models");
    expect((await octokit.rest.pulls.list({ ...base })).data).toHaveLength(2);
    const associated = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...base,
      commit_sha: headSha,
    });
    expect(associated.data.map((p) => p.number)).toEqual([7]);

    // Check runs.
    const check = (
      await octokit.rest.checks.create({
        ...base,
        name: "evaluate-gate",
        head_sha: headSha,
        status: "in_progress",
      })
    ).data;
    expect(check.app?.slug).toBe("github-actions");
    await octokit.rest.checks.update({
      ...base,
      check_run_id: check.id,
      conclusion: "success",
      output: { title: "Gate passed", summary: "accuracy 0.93 ≥ 0.90" },
    });
    expect((await octokit.rest.checks.get({ ...base, check_run_id: check.id })).data.status).toBe(
      "completed",
    );
    const forRef = (await octokit.rest.checks.listForRef({ ...base, ref: "feature" })).data;
    expect(forRef.check_runs.map((c) => c.name)).toEqual(["evaluate-gate"]);

    // Workflow runs and artifacts.
    const runs = (
      await octokit.rest.actions.listWorkflowRunsForRepo({ ...base, branch: "feature", status: "success" })
    ).data;
    expect(runs.workflow_runs.map((r) => r.id)).toEqual([42]);
    expect(runs.workflow_runs[0]?.pull_requests?.map((p) => p.number)).toEqual([7]);
    expect((await octokit.rest.actions.getWorkflowRun({ ...base, run_id: 42 })).data.head_sha).toBe(headSha);
    const stored = artifacts.add({ name: "model", workflowRunId: 42, files: { "model.json": "{}" } });
    artifacts.add({ name: "metrics", workflowRunId: 42, files: { "metrics.json": "{}" } });
    expect(
      (await octokit.rest.actions.listWorkflowRunArtifacts({ ...base, run_id: 42, name: "model" })).data
        .total_count,
    ).toBe(1);
    expect((await octokit.rest.actions.listArtifactsForRepo({ ...base })).data.total_count).toBe(2);
    expect((await octokit.rest.actions.getArtifact({ ...base, artifact_id: stored.id })).data.name).toBe(
      "model",
    );
    const download = await octokit.rest.actions.downloadArtifact({
      ...base,
      artifact_id: stored.id,
      archive_format: "zip",
    });
    expect(Object.keys(unzip(Buffer.from(download.data as ArrayBuffer)))).toEqual(["model.json"]);
    await octokit.rest.actions.deleteArtifact({ ...base, artifact_id: stored.id });
    expect(artifacts.get(stored.id)).toBeUndefined();

    // Releases.
    const release = (
      await octokit.rest.repos.createRelease({ ...base, tag_name: "model-v1", name: "Model v1" })
    ).data;
    expect((await octokit.rest.repos.getReleaseByTag({ ...base, tag: "model-v1" })).data.id).toBe(release.id);
    expect((await octokit.rest.repos.getRelease({ ...base, release_id: release.id })).data.tag_name).toBe(
      "model-v1",
    );
    expect((await octokit.rest.repos.listReleases({ ...base })).data).toHaveLength(1);
    const asset = (
      await octokit.rest.repos.uploadReleaseAsset({
        ...base,
        url: release.upload_url,
        release_id: release.id,
        name: "model.onnx",
        data: "weights" as unknown as string,
        headers: { "content-type": "application/octet-stream" },
      })
    ).data;
    expect(
      (await octokit.rest.repos.listReleaseAssets({ ...base, release_id: release.id })).data,
    ).toHaveLength(1);
    expect((await octokit.rest.repos.getReleaseAsset({ ...base, asset_id: asset.id })).data.size).toBe(7);
    const draft = (await octokit.rest.repos.createRelease({ ...base, tag_name: "model-v9", draft: true }))
      .data;
    const published = await octokit.rest.repos.updateRelease({
      ...base,
      release_id: draft.id,
      draft: false,
      make_latest: "false",
    });
    expect(published.data.draft).toBe(false);
    await octokit.rest.repos.deleteReleaseAsset({ ...base, asset_id: asset.id });
    await octokit.rest.repos.deleteRelease({ ...base, release_id: draft.id });
    await octokit.rest.git.deleteRef({ ...base, ref: "tags/model-v9" });
    // The immutable-releases setting needs administration: a user token.
    await admin.rest.repos.enableImmutableReleases({ ...base });
    expect((await admin.rest.repos.checkImmutableReleases({ ...base })).data.enabled).toBe(true);
    await admin.rest.repos.disableImmutableReleases({ ...base });

    // Git refs and tags.
    const tag = (
      await octokit.rest.git.createTag({
        ...base,
        tag: "model-v2",
        message: "Model v2",
        object: headSha,
        type: "commit",
      })
    ).data;
    expect((await octokit.rest.git.getTag({ ...base, tag_sha: tag.sha })).data.tag).toBe("model-v2");
    await octokit.rest.git.createRef({ ...base, ref: "refs/tags/model-v2", sha: tag.sha });
    expect((await octokit.rest.git.getRef({ ...base, ref: "tags/model-v2" })).data.object.type).toBe("tag");
    await octokit.rest.git.updateRef({ ...base, ref: "heads/feature", sha: headSha, force: true });
    const matching = (await octokit.rest.git.listMatchingRefs({ ...base, ref: "tags/model-" })).data;
    expect(matching.map((r) => r.ref)).toEqual(["refs/tags/model-v1", "refs/tags/model-v2"]);

    // Deployments and environments (creating environments needs administration: a user token).
    await admin.rest.repos.createOrUpdateEnvironment({ ...base, environment_name: "staging", wait_timer: 0 });
    expect(
      (await octokit.rest.repos.getEnvironment({ ...base, environment_name: "staging" })).data.name,
    ).toBe("staging");
    const deployment = (
      await octokit.rest.repos.createDeployment({
        ...base,
        ref: "feature",
        environment: "staging",
        auto_merge: false,
      })
    ).data;
    if (!("id" in deployment)) throw new Error("expected a deployment");
    expect((await octokit.rest.repos.getDeployment({ ...base, deployment_id: deployment.id })).data.sha).toBe(
      headSha,
    );
    expect((await octokit.rest.repos.listDeployments({ ...base, environment: "staging" })).data).toHaveLength(
      1,
    );
    await octokit.rest.repos.createDeploymentStatus({
      ...base,
      deployment_id: deployment.id,
      state: "success",
      environment_url: "https://staging.example.com",
    });
    const statuses = (
      await octokit.rest.repos.listDeploymentStatuses({ ...base, deployment_id: deployment.id })
    ).data;
    expect(statuses.map((s) => s.state)).toEqual(["success"]);

    // File contents at a commit: a file (base64), a directory listing, and 404 for a file the commit lacks.
    const baseSha = fakeSha("base");
    double.state.seedFiles(REPO, baseSha, {
      ".github/gate-rules.txt": "accuracy >= 0.9\n",
      ".github/workflows/ci.yml": "on: push\n",
    });
    const file = (
      await octokit.rest.repos.getContent({ ...base, path: ".github/gate-rules.txt", ref: baseSha })
    ).data;
    if (Array.isArray(file) || file.type !== "file") throw new Error("expected a file");
    expect(Buffer.from(file.content, "base64").toString("utf8")).toBe("accuracy >= 0.9\n");
    const listing = (await octokit.rest.repos.getContent({ ...base, path: ".github", ref: baseSha })).data;
    expect(Array.isArray(listing) ? listing.map((entry) => `${entry.type} ${entry.path}`) : []).toEqual([
      "file .github/gate-rules.txt",
      "dir .github/workflows",
    ]);
    await expect(
      octokit.rest.repos.getContent({ ...base, path: "gate-rules.txt", ref: baseSha }),
    ).rejects.toMatchObject({ status: 404 });

    // A fork's run, listed in the base repository: its head repository and its artifacts' are the fork's.
    double.state.seedWorkflowRun(REPO, {
      id: 43,
      headSha: fakeSha("fork"),
      headBranch: "main",
      event: "pull_request",
      headRepo: "stranger/models",
    });
    artifacts.add({ name: "mlops-run-m", workflowRunId: 43, files: { "mlops-run.json": "{}" } });
    const forkRun = (await octokit.rest.actions.getWorkflowRun({ ...base, run_id: 43 })).data;
    expect(forkRun.head_repository.full_name).toBe("stranger/models");
    expect(forkRun.head_repository.fork).toBe(true);
    expect(forkRun.head_repository_id).toBe(forkRun.head_repository.id);
    expect(forkRun.head_repository_id).not.toBe(forkRun.repository.id);
    const forkArtifact = (await octokit.rest.actions.listWorkflowRunArtifacts({ ...base, run_id: 43 })).data
      .artifacts[0];
    expect(forkArtifact?.workflow_run).toMatchObject({
      id: 43,
      repository_id: forkRun.repository.id,
      head_repository_id: forkRun.head_repository.id,
      head_branch: "main",
    });

    double.assertNoViolations();
    const called = new Set(double.requests.map((r) => r.route));
    expect(double.routes().filter((route) => !called.has(route))).toEqual([]);
    expect(double.routes()).toHaveLength(new Set(double.routes().map((r) => r)).size);
    expect(double.routes()).toContain(routeKey({ method: "GET", path: "/repos/{owner}/{repo}" }));
  });
});
