// The GitHub double through the real Octokit factory: schema checks, pagination, permissions, hold points,
// artifact downloads and release asset uploads behave the way api.github.com does.
//
// The factory's throttling plugin paces writes per process (1 s between writes, 3 s between
// notification-triggering writes such as new comments, shared by every client), so writes that are not
// about the factory go through `plain`, an Octokit without the retry and throttling plugins.
import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TokenRejectedError } from "../../src/formats/github-errors.ts";
import { createOctokit, type GitHubClient } from "../../src/lib/octokit.ts";
import {
  MemoryArtifactSource,
  fakeSha,
  readOnlyPermissions,
  startGitHubDouble,
  unzip,
  type GitHubDouble,
} from "../../testing/services/github/index.ts";
import { checkResponse } from "../../testing/services/github/validation.ts";
import { ROUTES } from "../../testing/services/github/routes.ts";

const REPO = "octo/models";
const base = { owner: "octo", repo: "models" };

interface OctokitError {
  status: number;
  response?: {
    data: { message: string; status?: string; documentation_url?: string };
    headers: Record<string, string>;
  };
}

async function failure(promise: Promise<unknown>): Promise<OctokitError> {
  try {
    await promise;
  } catch (error) {
    return error as OctokitError;
  }
  throw new Error("expected the request to fail");
}

describe("GitHub double", () => {
  let double: GitHubDouble;
  let artifacts: MemoryArtifactSource;
  let octokit: GitHubClient;
  let plain: GitHubClient;
  const savedApiUrl = process.env.GITHUB_API_URL;

  beforeEach(async () => {
    artifacts = new MemoryArtifactSource();
    double = await startGitHubDouble({ artifactSource: artifacts, repos: [REPO] });
    double.addToken("ghs_actions");
    process.env.GITHUB_API_URL = double.url;
    octokit = createOctokit("ghs_actions", { retries: 0 });
    plain = getOctokit("ghs_actions", { baseUrl: double.url });
    double.state.seedPull(REPO, { number: 3, head: { ref: "feature", sha: fakeSha("feature") } });
  });

  afterEach(async () => {
    await double.close();
    if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL;
    else process.env.GITHUB_API_URL = savedApiUrl;
  });

  it("rejects a schema-invalid request with GitHub's 422 and records a violation", async () => {
    const error = await failure(
      octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        ...base,
        comment_id: 1,
        body: 42 as unknown as string,
      }),
    );
    expect(error.status).toBe(422);
    expect(error.response?.data).toEqual({
      message: "Invalid request.\n\nFor 'properties/body', 42 is not a string.",
      documentation_url: "https://docs.github.com/rest/issues/comments#update-an-issue-comment",
      status: "422",
    });
    expect(double.violations).toHaveLength(1);
    expect(double.violations[0]).toMatchObject({
      kind: "request",
      route: "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
    });
    expect(() => double.assertNoViolations()).toThrow(/1 violation.*\n.*issues\/comments\/1/);
  });

  it("answers a missing required field, a bad enum and a non-numeric path parameter like GitHub", async () => {
    const missing = await failure(
      plain.request("POST /repos/{owner}/{repo}/check-runs", { ...base, name: "gate" } as never),
    );
    expect(missing.status).toBe(422);
    expect(missing.response?.data.message).toBe('Invalid request.\n\n"head_sha" wasn\'t supplied.');
    const badEnum = await failure(
      octokit.request("GET /repos/{owner}/{repo}/actions/runs", {
        ...base,
        status: "finished" as "completed",
      }),
    );
    expect(badEnum.status).toBe(422);
    const badPath = await failure(
      octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        ...base,
        pull_number: "x" as unknown as number,
      }),
    );
    expect(badPath.status).toBe(404);
    expect(double.violations.map((v) => v.kind)).toEqual(["request", "request", "request"]);
  });

  it("records unknown routes and refuses unknown tokens", async () => {
    const unknown = await failure(octokit.request("GET /repos/{owner}/{repo}/topics", base));
    expect(unknown.status).toBe(404);
    expect(double.violations).toMatchObject([{ kind: "unknown-route", url: "/repos/octo/models/topics" }]);
    const stranger = createOctokit("ghp_unknown", { retries: 0 });
    // The factory turns GitHub's 401 into an error naming the github-token input.
    const bad = await failure(stranger.rest.repos.get(base));
    expect(bad).toBeInstanceOf(TokenRejectedError);
    expect((bad as unknown as Error).message).toMatch(
      /rejected the token in 'github-token' \(401: Bad credentials\)/,
    );
    expect(double.requests.at(-1)?.status).toBe(401);
    // A missing repository is GitHub's 404, not a violation.
    expect((await failure(octokit.rest.repos.get({ owner: "octo", repo: "nope" }))).status).toBe(404);
    expect(double.violations).toHaveLength(1);
  });

  it("paginates with Link headers so octokit.paginate returns every page", async () => {
    for (let i = 1; i <= 75; i++) double.state.seedComment(REPO, 3, `comment ${i}`);
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...base,
      issue_number: 3,
      per_page: 20,
    });
    expect(comments.map((c) => c.body)).toEqual(Array.from({ length: 75 }, (_, i) => `comment ${i + 1}`));
    const pages = double.requests.filter(
      (r) => r.route === "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    );
    expect(pages.map((r) => new URL(r.url, double.url).searchParams.get("page"))).toEqual([
      null,
      "2",
      "3",
      "4",
    ]);
    const last = await octokit.rest.issues.listComments({ ...base, issue_number: 3, per_page: 20, page: 4 });
    expect(last.data).toHaveLength(15);
    expect(last.headers.link).toContain('rel="prev"');
    expect(last.headers.link).not.toContain('rel="next"');
    double.assertNoViolations();
  });

  it("gives a fork PR's read-only token GitHub's 403 on writes, and lets it read", async () => {
    double.addToken("ghs_fork", { permissions: readOnlyPermissions() });
    const fork = createOctokit("ghs_fork", { retries: 0 });
    const error = await failure(fork.rest.issues.createComment({ ...base, issue_number: 3, body: "hi" }));
    expect(error.status).toBe(403);
    expect(error.response?.data).toEqual({
      message: "Resource not accessible by integration",
      documentation_url: "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
      status: "403",
    });
    expect((await fork.rest.pulls.get({ ...base, pull_number: 3 })).data.number).toBe(3);
    expect(double.state.comments(REPO)).toEqual([]);
    double.assertNoViolations();
  });

  it("records the comment author from the token", async () => {
    double.addToken("ghp_user", { login: "octocat", type: "User" });
    await getOctokit("ghp_user", { baseUrl: double.url }).rest.issues.createComment({
      ...base,
      issue_number: 3,
      body: "by a user",
    });
    await plain.rest.issues.createComment({ ...base, issue_number: 3, body: "by the bot" });
    const authors = double.state.comments(REPO, 3).map((c) => [c.user, double.state.user(c.user).type]);
    expect(authors).toEqual([
      ["octocat", "User"],
      ["github-actions[bot]", "Bot"],
    ]);
  });

  it("holds a request until released, so a test can order two racing updates", async () => {
    const comment = double.state.seedComment(REPO, 3, "original");
    const hold = double.hold("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}");
    const first = plain.rest.issues.updateComment({ ...base, comment_id: comment.id, body: "first" });
    const held = await hold.reached;
    expect(held.body).toContain("first");
    await plain.rest.issues.updateComment({ ...base, comment_id: comment.id, body: "second" });
    expect(double.state.comments(REPO, 3)[0]?.body).toBe("second");
    hold.release();
    await first;
    // The held (earlier) request landed last and won.
    expect(double.state.comments(REPO, 3)[0]?.body).toBe("first");
    expect(() => double.hold("PATCH /repos/{owner}/{repo}/nonsense")).toThrow(/not a route/);
  });

  it("downloads an artifact zip through GitHub's 302 redirect, and answers 410 once it expired", async () => {
    double.state.seedWorkflowRun(REPO, { id: 77, headSha: fakeSha("feature") });
    const stored = artifacts.add({
      name: "model",
      workflowRunId: 77,
      files: { "model.json": '{"w":[1,2]}' },
    });
    const raw = await fetch(`${double.url}/repos/octo/models/actions/artifacts/${stored.id}/zip`, {
      headers: { authorization: "token ghs_actions" },
      redirect: "manual",
    });
    expect(raw.status).toBe(302);
    expect(raw.headers.get("location")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_blobs\//);
    const download = await octokit.rest.actions.downloadArtifact({
      ...base,
      artifact_id: stored.id,
      archive_format: "zip",
    });
    expect(unzip(Buffer.from(download.data as ArrayBuffer))["model.json"]?.toString()).toBe('{"w":[1,2]}');
    const listed = await octokit.rest.actions.listWorkflowRunArtifacts({
      ...base,
      run_id: 77,
      name: "model",
    });
    expect(listed.data.artifacts.map((a) => [a.id, a.expired, a.workflow_run?.head_sha])).toEqual([
      [stored.id, false, fakeSha("feature")],
    ]);
    artifacts.expire(stored.id);
    const gone = await failure(
      octokit.rest.actions.downloadArtifact({ ...base, artifact_id: stored.id, archive_format: "zip" }),
    );
    expect(gone.status).toBe(410);
    expect((await octokit.rest.actions.getArtifact({ ...base, artifact_id: stored.id })).data.expired).toBe(
      true,
    );
    double.assertNoViolations();
  });

  it("uploads a release asset through upload_url and serves it at browser_download_url", async () => {
    const release = (await plain.rest.repos.createRelease({ ...base, tag_name: "model-v1" })).data;
    expect(release.upload_url).toBe(
      `${double.url}/uploads/repos/octo/models/releases/${release.id}/assets{?name,label}`,
    );
    const bytes = Buffer.from("onnx weights \u0000\u0001\u0002");
    const asset = (
      await octokit.rest.repos.uploadReleaseAsset({
        ...base,
        url: release.upload_url,
        release_id: release.id,
        name: "model.onnx",
        label: "Model",
        data: bytes as unknown as string,
        headers: { "content-type": "application/octet-stream" },
      })
    ).data;
    expect(asset).toMatchObject({
      name: "model.onnx",
      label: "Model",
      size: bytes.length,
      state: "uploaded",
    });
    expect(asset.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const served = await fetch(asset.browser_download_url);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
    const duplicate = await failure(
      plain.rest.repos.uploadReleaseAsset({
        ...base,
        url: release.upload_url,
        release_id: release.id,
        name: "model.onnx",
        data: "again",
        headers: { "content-type": "application/octet-stream" },
      }),
    );
    expect(duplicate.status).toBe(422);
    expect((await octokit.rest.git.getRef({ ...base, ref: "tags/model-v1" })).data.object.sha).toBe(
      double.state.refs(REPO).get("refs/heads/main"),
    );
    double.assertNoViolations();
  });

  it("checks response bodies against GitHub's schemas", () => {
    const route = ROUTES.find((r) => r.operationId === "issues/get-comment");
    if (!route) throw new Error("route missing");
    expect(checkResponse(route, 200, { id: 1, body: "x" })).toContain(`"node_id" wasn't supplied.`);
    expect(checkResponse(route, 201, {})).toEqual(["status 201 is not documented for issues/get-comment"]);
    expect(checkResponse(route, 404, { message: "Not Found" })).toEqual([]);
  });
});
