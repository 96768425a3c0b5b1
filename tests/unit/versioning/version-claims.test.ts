// Version claims against the GitHub double (validated against GitHub's OpenAPI description): the real
// Octokit client of the actions, git refs and tag objects as GitHub serves them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../src/formats/errors.ts";
import { createOctokit } from "../../../src/lib/octokit.ts";
import {
  claimMessage,
  parseClaimMessage,
  VersionClaims,
  type ClaimRequest,
} from "../../../src/versioning/version-claims.ts";
import {
  fakeSha,
  readOnlyPermissions,
  startGitHubDouble,
  type GitHubDouble,
} from "../../../testing/services/github/index.ts";

const REPO = "acme/churn";
const CREATE_REF = "POST /repos/{owner}/{repo}/git/refs";
const commit = fakeSha("published commit");
const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe("VersionClaims", () => {
  let double: GitHubDouble;
  let saved: string | undefined;

  beforeEach(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_write");
    double.addToken("ghs_read", { permissions: readOnlyPermissions() });
    double.state.seedCommits(REPO, commit);
    saved = process.env.GITHUB_API_URL;
    process.env.GITHUB_API_URL = double.url;
  });

  afterEach(async () => {
    if (saved === undefined) delete process.env.GITHUB_API_URL;
    else process.env.GITHUB_API_URL = saved;
    double.assertNoViolations();
    await double.close();
  });

  const claims = (token = "ghs_write") => new VersionClaims(createOctokit(token, { retries: 0 }));
  const request = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
    owner: "acme",
    repo: "churn",
    model: "churn",
    modelDigest: digest("a"),
    runId: "7",
    runAttempt: 1,
    commitSha: commit,
    ...overrides,
  });
  const claimRefs = () =>
    [...double.state.refs(REPO).keys()].filter((r) => r.startsWith("refs/tags/mlops/")).sort();

  it("hands out v1, v2 … per model, and the existing version for a model digest it has seen", async () => {
    const first = await claims().claim(request());
    expect([first.version, first.state, first.ref]).toEqual(["v1", "new", "refs/tags/mlops/churn/v1"]);
    expect((await claims().claim(request({ modelDigest: digest("b"), runId: "8" }))).version).toBe("v2");
    // Another model has its own sequence.
    expect((await claims().claim(request({ model: "fraud", modelDigest: digest("c") }))).version).toBe("v1");
    const again = await claims().claim(request({ runId: "9" }));
    expect([again.version, again.state, again.claim.runId]).toEqual(["v1", "existing", "7"]);
    expect(claimRefs()).toEqual([
      "refs/tags/mlops/churn/v1",
      "refs/tags/mlops/churn/v2",
      "refs/tags/mlops/fraud/v1",
    ]);
  });

  it("records run id and attempt in the tag object, so a re-run completes its own claim", async () => {
    await claims().claim(request());
    const sha = double.state.refs(REPO).get("refs/tags/mlops/churn/v1") ?? "";
    const tag = await createOctokit("ghs_write").rest.git.getTag({
      owner: "acme",
      repo: "churn",
      tag_sha: sha,
    });
    expect(tag.data.object.sha).toBe(commit);
    expect(parseClaimMessage(tag.data.message)).toEqual({
      model: "churn",
      version: "v1",
      modelDigest: digest("a"),
      repository: REPO,
      runId: "7",
      runAttempt: 1,
    });
    const rerun = await claims().claim(request({ runAttempt: 2 }));
    expect([rerun.version, rerun.state]).toEqual(["v1", "existing"]);
    expect(claimRefs()).toEqual(["refs/tags/mlops/churn/v1"]);
  });

  it("gives two concurrent publishes held together at the ref claim different versions", async () => {
    const [first, second] = [double.hold(CREATE_REF), double.hold(CREATE_REF)];
    const a = claims().claim(request({ modelDigest: digest("a"), runId: "1" }));
    const b = claims().claim(request({ modelDigest: digest("b"), runId: "2" }));
    const held = await Promise.all([first.reached, second.reached]);
    // Both asked for v1 before either got an answer.
    expect(held.map((r) => (JSON.parse(r.body) as { ref: string }).ref)).toEqual([
      "refs/tags/mlops/churn/v1",
      "refs/tags/mlops/churn/v1",
    ]);
    first.release();
    second.release();
    const results = await Promise.all([a, b]);
    expect(results.map((r) => r.version).sort()).toEqual(["v1", "v2"]);
    expect(results.every((r) => r.state === "new")).toBe(true);
    expect(claimRefs()).toEqual(["refs/tags/mlops/churn/v1", "refs/tags/mlops/churn/v2"]);
  });

  it("lets the loser of a race for the same model digest adopt the winner's version", async () => {
    const [first, second] = [double.hold(CREATE_REF), double.hold(CREATE_REF)];
    const a = claims().claim(request({ runId: "1" }));
    const b = claims().claim(request({ runId: "2" }));
    await Promise.all([first.reached, second.reached]);
    first.release();
    second.release();
    const results = await Promise.all([a, b]);
    expect(results.map((r) => [r.version, r.state]).sort()).toEqual([
      ["v1", "existing"],
      ["v1", "new"],
    ]);
    expect(claimRefs()).toEqual(["refs/tags/mlops/churn/v1"]);
  });

  it("skips numbers taken by tags that are not claims", async () => {
    double.state.seedBranch(REPO, "main", commit);
    await createOctokit("ghs_write").rest.git.createRef({
      owner: "acme",
      repo: "churn",
      ref: "refs/tags/mlops/churn/v1",
      sha: commit,
    });
    expect((await claims().claim(request())).version).toBe("v2");
  });

  it("claims an explicit version once; another model digest for it is an error naming 'version'", async () => {
    expect((await claims().claim(request({ version: "1.2.0" }))).state).toBe("new");
    expect((await claims().claim(request({ version: "1.2.0", runAttempt: 2 }))).state).toBe("existing");
    const taken = claims().claim(request({ version: "1.2.0", modelDigest: digest("b"), runId: "8" }));
    await expect(taken).rejects.toThrow(ConfigurationError);
    await expect(taken).rejects.toThrow(
      /Version 1\.2\.0 of 'churn' is already taken \(refs\/tags\/mlops\/churn\/1\.2\.0, by run 7 \(attempt 1\) of acme\/churn for model digest sha256:a{64}\); versions never change\. Set 'version' to another version/,
    );
    // The same model under a second version name is refused: aliases are for that.
    await expect(claims().claim(request({ version: "1.3.0" }))).rejects.toThrow(
      /Model digest sha256:a{64} of 'churn' is already version 1\.2\.0 .*Use 'aliases' to give it another name/,
    );
    // auto continues after explicit versions without counting them.
    expect((await claims().claim(request({ modelDigest: digest("c") }))).version).toBe("v1");
  });

  it("names contents: write when the token cannot create refs", async () => {
    const denied = claims("ghs_read").claim(request());
    await expect(denied).rejects.toThrow(ConfigurationError);
    await expect(denied).rejects.toThrow(
      /claim version v1 of 'churn' by creating the git ref refs\/tags\/mlops\/churn\/v1.*'contents: write'/s,
    );
    expect(claimRefs()).toEqual([]);
  });
});

describe("claim messages", () => {
  it("round-trip, and a hand-written tag message is not a claim", () => {
    const claim = {
      model: "m",
      version: "v3",
      modelDigest: digest("a"),
      repository: "o/r",
      runId: "1",
      runAttempt: 2,
    };
    expect(parseClaimMessage(claimMessage(claim))).toEqual(claim);
    expect(parseClaimMessage("Release v3\n\nnotes")).toBeUndefined();
    expect(parseClaimMessage('{"schema":"other"}')).toBeUndefined();
    expect(parseClaimMessage("{not json")).toBeUndefined();
  });
});
