// publish-model with `registry: github-release`: the bundled action through the rig against the GitHub
// double (releases, assets through upload_url, 302 downloads, immutable releases, git refs and tag
// objects), with run records whose model files are real bytes on disk. Every check reads the double
// back: the release, its assets downloaded through the 302 and verified against the record's sha256,
// the alias refs read back through their tag objects, and the requests that reached the double.
import { getOctokit } from "@actions/github";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createReleaseResolver } from "../../src/actions/deploy/release-resolver.ts";
import { modelAssetName } from "../../src/registry/github-release/assets.ts";
import { ReleaseStore, type Release } from "../../src/registry/github-release/release-store.ts";
import { AliasRefs } from "../../src/versioning/alias-refs.ts";
import { publishableRecord, sha256Hex } from "../../testing/fixtures/publishable-record.ts";
import { killGroup } from "../../testing/rig/housekeeping.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import {
  fakeSha,
  readOnlyPermissions,
  startGitHubDouble,
  type GitHubDouble,
} from "../../testing/services/github/index.ts";

const REPO = "acme/models";
const [OWNER, NAME] = ["acme", "models"];
const TOKEN = "ghs_release_writer";
const READ_TOKEN = "ghs_release_reader";
const UPLOAD = "POST /repos/{owner}/{repo}/releases/{release_id}/assets";
const CREATE_REF = "POST /repos/{owner}/{repo}/git/refs";
const COMMIT = fakeSha("release commit");

let github: GitHubDouble;
let octokit: ReturnType<typeof getOctokit>;
let unique = 0;

beforeAll(async () => {
  github = await startGitHubDouble({ repos: [REPO] });
  github.addToken(TOKEN);
  github.addToken(READ_TOKEN, { permissions: readOnlyPermissions() });
  github.state.seedCommits(REPO, COMMIT);
  octokit = getOctokit(TOKEN, { baseUrl: github.url });
});

afterAll(async () => {
  await github?.close();
});

interface Workspace {
  workspace: string;
  record: string;
  model: string;
  modelDigest: string;
  files: { path: string; text: string }[];
}

/** A workspace as train-model leaves it: model/ with real files, mlops-run.json describing them. */
function trained(
  seed: string,
  options: { model?: string; extraFiles?: { path: string; text: string }[] } = {},
): Workspace {
  const workspace = mkdtempSync(join(tmpdir(), "mlops-release-"));
  const model = options.model ?? `churn-${process.pid}-${++unique}`;
  const files = [
    { path: "model.joblib", text: `weights ${seed}` },
    { path: "sub/vocab.txt", text: `vocab ${seed}` },
    ...(options.extraFiles ?? []),
  ];
  for (const file of files) {
    mkdirSync(join(workspace, "model", file.path, ".."), { recursive: true });
    writeFileSync(join(workspace, "model", file.path), file.text);
  }
  const modelDigest = `sha256:${sha256Hex(`model ${seed} ${model}`)}`;
  const record = publishableRecord({
    model: {
      name: model,
      path: "model",
      kind: "directory",
      files: files.map((f) => ({ path: f.path, sha256: sha256Hex(f.text), size: Buffer.byteLength(f.text) })),
      digest: modelDigest,
      size: files.reduce((n, f) => n + Buffer.byteLength(f.text), 0),
    },
    code: { ...publishableRecord().code, repository: REPO, sha: COMMIT },
  });
  const path = join(workspace, "mlops-run.json");
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return { workspace, record: path, model, modelDigest, files };
}

let nextRun = 8000;

function publish(
  ws: Workspace,
  inputs: Record<string, string> = {},
  options: { token?: string; runId?: number; onSpawn?: (pid: number) => void } = {},
): Promise<ActionResult> {
  return runAction({
    action: "publish-model",
    inputs: { "run-record": ws.record, registry: "github-release", "require-gate": "false", ...inputs },
    workspace: ws.workspace,
    github: {
      repository: REPO,
      repositoryId: github.state.repo(REPO).id,
      token: options.token ?? TOKEN,
      apiUrl: github.url,
      runId: options.runId ?? nextRun++,
      sha: COMMIT,
    },
    env: { MLOPS_RUN_RECORD: ws.record },
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
  });
}

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

const tagOf = (model: string, version: string): string => `mlops/${model}/${version}`;
const store = (): ReleaseStore => new ReleaseStore(octokit, { owner: OWNER, repo: NAME });
const aliases = (): AliasRefs => new AliasRefs(octokit, OWNER, NAME);

/** What the double holds for a model: its releases (drafts included) and its refs. */
function leftFor(model: string): { releases: string[]; refs: string[] } {
  return {
    releases: github.state
      .releases(REPO)
      .filter((r) => r.tagName.startsWith(`mlops/${model}/`))
      .map((r) => `${r.tagName}${r.draft ? " (draft)" : ""}`),
    refs: [...github.state.refs(REPO).keys()].filter((ref) => ref.startsWith(`refs/tags/mlops/${model}/`)),
  };
}

function uploadsSince(from: number): number {
  return github.requests.slice(from).filter((r) => r.route === UPLOAD && r.status === 201).length;
}

/** Reads a version back as a reader would: by tag, every asset downloaded through the 302 and verified. */
async function readBack(ws: Workspace, version: string): Promise<{ release: Release; card: string }> {
  const release = await store().published(tagOf(ws.model, version));
  if (!release) throw new Error(`no published release ${tagOf(ws.model, version)}`);
  const dir = mkdtempSync(join(tmpdir(), "mlops-read-"));
  const byName = new Map(release.assets.map((a) => [a.name, a]));
  for (const file of ws.files) {
    const asset = byName.get(modelAssetName(file.path));
    if (!asset) throw new Error(`no asset for ${file.path}`);
    const to = join(dir, asset.name);
    await store().download(asset, to, { size: Buffer.byteLength(file.text), sha256: sha256Hex(file.text) });
    expect(readFileSync(to, "utf8")).toBe(file.text);
  }
  const recordBytes = readFileSync(ws.record);
  const recordAsset = byName.get("mlops-run.json");
  if (!recordAsset) throw new Error("no run record asset");
  await store().download(recordAsset, join(dir, "mlops-run.json"), {
    size: recordBytes.length,
    sha256: sha256Hex(recordBytes),
  });
  const cardAsset = byName.get("MODEL_CARD.md");
  if (!cardAsset) throw new Error("no model card asset");
  const cardText = await (
    await fetch(cardAsset.url, {
      headers: { accept: "application/octet-stream", authorization: `Bearer ${TOKEN}` },
    })
  ).text();
  expect(release.body).toBe(cardText);
  expect(release.assets).toHaveLength(ws.files.length + 2);
  return { release, card: cardText };
}

describe("publish-model to GitHub Releases", () => {
  it("publishes v1 and v2 as releases on the claim tags, reads them back, moves aliases as refs", async () => {
    const one = trained("one");
    const first = await publish(one, { aliases: "staging" });
    expect(errors(first)).toBe("");
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({
      version: "v1",
      digest: one.modelDigest,
      "model-digest": one.modelDigest,
      uri: `https://github.com/${REPO}/releases/tag/mlops/${one.model}/v1`,
      aliases: "staging",
    });
    const { release, card } = await readBack(one, "v1");
    expect(release).toMatchObject({ draft: false, immutable: false });
    expect(card).toContain(`# ${one.model} v1`);
    const held = github.state.releases(REPO).find((r) => r.id === release.id);
    expect(held?.makeLatest).toBe("false");
    // The release's tag is the claim ref, still pointing at the claim's tag object on the record's commit.
    const claimRef = github.state.refs(REPO).get(`refs/tags/mlops/${one.model}/v1`);
    expect(github.state.repo(REPO).tags.find((t) => t.sha === claimRef)?.object.sha).toBe(COMMIT);
    expect(await aliases().read(one.model, "staging")).toMatchObject({
      version: "v1",
      modelDigest: one.modelDigest,
    });

    const two = trained("two", { model: one.model });
    const second = await publish(two, { aliases: "staging" });
    expect(errors(second)).toBe("");
    expect(second.outputs.version).toBe("v2");
    await readBack(two, "v2");
    expect((await aliases().read(one.model, "staging"))?.version).toBe("v2");
    expect(await aliases().read(one.model, "production")).toBeUndefined();
    github.assertNoViolations();
  }, 60_000);

  it("re-publishing the same model digest returns its version, uploads nothing and moves only the alias", async () => {
    const one = trained("again");
    expect((await publish(one)).exitCode).toBe(0);
    const from = github.requests.length;
    const again = await publish(one, { aliases: "production" });
    expect(errors(again)).toBe("");
    expect(again.outputs).toMatchObject({ version: "v1", digest: one.modelDigest, aliases: "production" });
    expect(uploadsSince(from)).toBe(0);
    expect(
      github.requests.slice(from).filter((r) => r.route === "POST /repos/{owner}/{repo}/releases"),
    ).toEqual([]);
    expect((await aliases().read(one.model, "production"))?.version).toBe("v1");
    expect(leftFor(one.model).releases).toEqual([tagOf(one.model, "v1")]);
    github.assertNoViolations();
  }, 60_000);

  it("a failure mid-upload deletes the draft and the tag it made; a re-run then publishes", async () => {
    const ws = trained("fails");
    // Every upload after the first answers 500 (more than the retries).
    const from = github.requests.length;
    github.faults.add({ route: UPLOAD, kind: "slow", delayMs: 0 }); // the first upload passes
    github.faults.add({ route: UPLOAD, kind: "status", status: 500, times: 10 });
    const failed = await publish(ws);
    expect(failed.exitCode).toBe(1);
    expect(errors(failed)).toMatch(/Uploading release asset .* failed 3 times .*nothing was published/);
    expect(uploadsSince(from)).toBe(1); // one asset went up before the failures
    expect(leftFor(ws.model)).toEqual({ releases: [], refs: [] });
    github.faults.clear();
    const rerun = await publish(ws);
    expect(errors(rerun)).toBe("");
    expect(rerun.outputs.version).toBe("v1");
    await readBack(ws, "v1");
  }, 60_000);

  it("kill -9 mid-upload leaves only an invisible draft; a re-run of the same run deletes it and publishes", async () => {
    const ws = trained("killed");
    const runId = 880_001;
    let pid: number | undefined;
    const hold = github.hold(UPLOAD);
    const killed = publish(ws, {}, { runId, onSpawn: (p) => (pid = p) });
    await hold.reached; // the first asset upload is in flight
    if (pid === undefined) throw new Error("no pid");
    killGroup(pid, "SIGKILL");
    expect((await killed).signal).toBe("SIGKILL");
    hold.release();
    // Readers see nothing: the draft is not found by tag, and no release is published.
    expect(await store().published(tagOf(ws.model, "v1"))).toBeUndefined();
    expect(leftFor(ws.model).releases).toEqual([`${tagOf(ws.model, "v1")} (draft)`]);

    const rerun = await publish(ws, {}, { runId });
    expect(errors(rerun)).toBe("");
    expect(rerun.outputs.version).toBe("v1");
    expect(rerun.stdout).toMatch(/Deleting draft release \d+ left on .* by an earlier attempt/);
    expect(leftFor(ws.model).releases).toEqual([tagOf(ws.model, "v1")]);
    await readBack(ws, "v1");
  }, 60_000);

  it("deletes a starter asset a failed upload left and uploads it again", async () => {
    const ws = trained("starter");
    github.faults.add({ route: UPLOAD, kind: "failed-upload" });
    const from = github.requests.length;
    const result = await publish(ws);
    expect(errors(result)).toBe("");
    expect(result.exitCode).toBe(0);
    const routes = github.requests.slice(from).map((r) => `${r.route ?? r.url} ${r.status}`);
    expect(routes).toContain(`${UPLOAD} 502`);
    expect(routes).toContain("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id} 204");
    expect(result.stdout).toMatch(/left in state 'starter'/);
    const { release } = await readBack(ws, "v1");
    expect(release.assets.every((a) => a.state === "uploaded")).toBe(true);
    expect(github.faults.unused()).toEqual([]);
  }, 60_000);

  it("refuses a file of 2 GiB (a sparse file) before any upload, naming it and registry: oci", async () => {
    const ws = trained("big");
    const big = join(ws.workspace, "model", "weights.bin");
    const handle = await open(big, "w");
    await handle.truncate(2 * 1024 ** 3); // sparse: no disk used
    await handle.close();
    const record = JSON.parse(readFileSync(ws.record, "utf8")) as ReturnType<typeof publishableRecord>;
    record.model.files.push({ path: "weights.bin", sha256: "0".repeat(64), size: 2 * 1024 ** 3 });
    writeFileSync(ws.record, JSON.stringify(record));
    const from = github.requests.length;
    const result = await publish(ws);
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      /weights\.bin \(2147483648 bytes\) is not under 2 GiB.*nothing was uploaded.*'registry: oci'/s,
    );
    expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /); // no stack
    expect(github.requests.slice(from)).toEqual([]);
    expect(leftFor(ws.model)).toEqual({ releases: [], refs: [] });
  }, 60_000);

  it("refuses more than 1000 files before any request", async () => {
    const ws = trained("many");
    const record = JSON.parse(readFileSync(ws.record, "utf8")) as ReturnType<typeof publishableRecord>;
    for (let i = 0; i < 1000; i++) {
      writeFileSync(join(ws.workspace, "model", `part-${i}.bin`), "x");
      record.model.files.push({ path: `part-${i}.bin`, sha256: sha256Hex("x"), size: 1 });
    }
    writeFileSync(ws.record, JSON.stringify(record));
    const from = github.requests.length;
    const result = await publish(ws);
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      /1002 files, and a GitHub release holds at most 1000 assets.*'registry: oci'/s,
    );
    expect(github.requests.slice(from)).toEqual([]);
  }, 60_000);

  it("two concurrent publishes of one model get v1 and v2, each complete", async () => {
    const a = trained("race-a");
    const b = trained("race-b", { model: a.model });
    const hold = github.hold(CREATE_REF);
    const first = publish(a);
    await hold.reached; // a is about to create refs/tags/mlops/<model>/v1
    const second = await publish(b); // b takes v1 while a waits
    hold.release();
    const firstResult = await first;
    expect(errors(second)).toBe("");
    expect(errors(firstResult)).toBe("");
    expect(second.outputs.version).toBe("v1");
    expect(firstResult.outputs.version).toBe("v2");
    await readBack(b, "v1");
    await readBack(a, "v2");
    expect(leftFor(a.model).releases.sort()).toEqual([tagOf(a.model, "v1"), tagOf(a.model, "v2")]);
    github.assertNoViolations();
  }, 90_000);

  it("two concurrent publishes of the same model digest end with one release, no draft left", async () => {
    const ws = trained("same-race");
    const hold = github.hold("PATCH /repos/{owner}/{repo}/releases/{release_id}");
    const first = publish(ws);
    await hold.reached; // the first run is about to publish its draft
    const second = await publish(ws); // another run: same claim, its own draft, publishes first
    expect(errors(second)).toBe("");
    hold.release();
    const firstResult = await first;
    expect(errors(firstResult)).toBe("");
    expect(firstResult.outputs.version).toBe("v1");
    expect(second.outputs.version).toBe("v1");
    expect(firstResult.stdout).toContain("published meanwhile by another run, verified");
    expect(leftFor(ws.model)).toEqual({
      releases: [tagOf(ws.model, "v1")],
      refs: [`refs/tags/mlops/${ws.model}/v1`],
    });
    await readBack(ws, "v1");
    github.assertNoViolations();
  }, 90_000);

  it("with immutable releases on, versions are locked and aliases still move", async () => {
    github.state.setImmutableReleases(REPO, true);
    try {
      const one = trained("immutable-1");
      const first = await publish(one, { aliases: "production" });
      expect(errors(first)).toBe("");
      const { release } = await readBack(one, "v1");
      expect(release.immutable).toBe(true);
      const two = trained("immutable-2", { model: one.model });
      const second = await publish(two, { aliases: "production" });
      expect(errors(second)).toBe("");
      expect(second.outputs.version).toBe("v2");
      expect((await readBack(two, "v2")).release.immutable).toBe(true);
      expect((await aliases().read(one.model, "production"))?.version).toBe("v2");
      // The version tag is locked: nobody can move it.
      await expect(
        octokit.rest.git.updateRef({
          owner: OWNER,
          repo: NAME,
          ref: `tags/mlops/${one.model}/v1`,
          sha: COMMIT,
          force: true,
        }),
      ).rejects.toMatchObject({ status: 422 });
      // Re-publishing a locked version verifies it and uploads nothing.
      const from = github.requests.length;
      expect((await publish(one, { aliases: "production" })).outputs.version).toBe("v1");
      expect(uploadsSince(from)).toBe(0);
      expect((await aliases().read(one.model, "production"))?.version).toBe("v1");
    } finally {
      github.state.setImmutableReleases(REPO, false);
    }
  }, 90_000);

  it("the model card in the release body has a model-index front matter", async () => {
    const ws = trained("card");
    expect((await publish(ws)).exitCode).toBe(0);
    const { card } = await readBack(ws, "v1");
    const match = /^---\n([\s\S]*?)\n---\n/.exec(card);
    expect(match).not.toBeNull();
    const front = parseYaml(match?.[1] ?? "") as { "model-index": { name: string }[] };
    expect(front["model-index"][0]?.name).toBe(ws.model);
  }, 60_000);
});

describe("publish-model to GitHub Releases: bad inputs leave nothing behind", () => {
  it.each([
    [
      "registry-url",
      { "registry-url": "ghcr.io/acme/models" },
      /Input 'registry-url' has no meaning with 'registry: github-release'.*Remove 'registry-url', or set 'registry: oci'/s,
    ],
    [
      "registry-username",
      { "registry-username": "octo" },
      /Input 'registry-username' has no meaning with 'registry: github-release'/,
    ],
    ["a malformed alias", { aliases: "v2" }, /Input 'aliases' looks like a version/],
  ])("%s", async (_name, inputs, message) => {
    const ws = trained("bad");
    const from = github.requests.length;
    const result = await publish(ws, inputs);
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(message);
    expect(github.requests.slice(from)).toEqual([]);
    expect(leftFor(ws.model)).toEqual({ releases: [], refs: [] });
  });

  it("a read-only token gets an error naming contents: write, and no release or tag", async () => {
    const ws = trained("readonly");
    const result = await publish(ws, {}, { token: READ_TOKEN });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(/contents: write/);
    expect(leftFor(ws.model)).toEqual({ releases: [], refs: [] });
  }, 60_000);
});

describe("evaluate-gate reads GitHub Releases versions", () => {
  function gate(ws: Workspace, inputs: Record<string, string>) {
    return runAction({
      action: "evaluate-gate",
      inputs: {
        rules: "accuracy >= 0.5\naccuracy >= baseline - 0.5",
        candidate: ws.record,
        registry: "github-release",
        ...inputs,
      },
      workspace: ws.workspace,
      github: {
        repository: REPO,
        repositoryId: github.state.repo(REPO).id,
        token: TOKEN,
        apiUrl: github.url,
        runId: nextRun++,
        sha: COMMIT,
      },
    });
  }

  it("baseline: registry:<model>@<alias|version|sha256:…> reads the release's run record, verified; auto asks for production", async () => {
    const one = trained("baseline-1");
    const published = await publish(one, { aliases: "production" });
    expect(published.exitCode).toBe(0);
    const two = trained("baseline-2", { model: one.model });

    const byAlias = await gate(two, { baseline: `registry:${one.model}@production` });
    expect(errors(byAlias)).toBe("");
    expect(byAlias.outputs.verdict).toBe("pass");
    expect(byAlias.stdout).toContain(
      `Baseline: release mlops/${one.model}/v1 of ${REPO} (alias production → v1, commit ${COMMIT.slice(0, 7)}`,
    );
    const byVersion = await gate(two, { baseline: `registry:${one.model}@v1` });
    expect(byVersion.stdout).toContain(`(version v1, commit`);
    const byDigest = await gate(two, { baseline: `registry:${one.model}@${one.modelDigest}` });
    expect(errors(byDigest)).toBe("");
    expect(byDigest.stdout).toContain(`(model digest ${one.modelDigest} → v1, commit`);
    // auto with registry: github-release asks for <model>@production (the candidate's model name).
    const auto = await gate(two, {});
    expect(auto.stdout).toContain(
      `Baseline: release mlops/${one.model}/v1 of ${REPO} (alias production → v1`,
    );
    // No such version: no baseline, with the reason.
    const missing = await gate(two, { baseline: `registry:${one.model}@v9` });
    expect(missing.stdout).toContain(`${REPO} has no published release for ${one.model}@v9`);
    github.assertNoViolations();
  }, 90_000);

  it("refuses a release whose run record was changed after publishing (digest mismatch)", async () => {
    const ws = trained("tampered");
    expect((await publish(ws, { aliases: "production" })).exitCode).toBe(0);
    const release = github.state.releases(REPO).find((r) => r.tagName === tagOf(ws.model, "v1"));
    const record = release?.assets.find((a) => a.name === "mlops-run.json");
    if (!record) throw new Error("no record asset");
    record.data = Buffer.from(record.data.toString().replace('"accuracy": 0.91', '"accuracy": 0.11'));
    const result = await gate(trained("tampered-2", { model: ws.model }), {
      baseline: `registry:${ws.model}@production`,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + errors(result)).toMatch(
      /mlops-run\.json is \d+ bytes with sha256 [0-9a-f]{64}; expected/,
    );
  }, 90_000);
});

describe("deploy's resolver reads GitHub Releases versions", () => {
  it("resolves an alias to the model digest, pulls every file verified, moves an alias; a changed file is refused", async () => {
    const ws = trained("deploy");
    expect((await publish(ws, { aliases: "staging" })).exitCode).toBe(0);
    const resolver = createReleaseResolver(octokit, { owner: OWNER, repo: NAME });
    const resolved = await resolver.resolve({ name: ws.model, kind: "alias", alias: "staging" });
    expect(resolved).toEqual({
      digest: ws.modelDigest,
      version: "v1",
      uri: `https://github.com/${REPO}/releases/tag/mlops/${ws.model}/v1`,
    });
    expect((await resolver.resolve({ name: ws.model, kind: "digest", digest: ws.modelDigest })).version).toBe(
      "v1",
    );
    const dir = mkdtempSync(join(tmpdir(), "mlops-pull-"));
    await resolver.pull(ws.model, ws.modelDigest, dir);
    for (const file of ws.files) expect(readFileSync(join(dir, "model", file.path), "utf8")).toBe(file.text);
    expect(readFileSync(join(dir, "mlops-run.json"))).toEqual(readFileSync(ws.record));
    await resolver.moveAlias(ws.model, "production", ws.modelDigest);
    expect((await aliases().read(ws.model, "production"))?.version).toBe("v1");
    await expect(resolver.resolve({ name: ws.model, kind: "alias", alias: "canary" })).rejects.toThrow(
      /has no published release for .*@canary/,
    );
    // A model file changed in the release after publishing: the pull refuses it.
    const release = github.state.releases(REPO).find((r) => r.tagName === tagOf(ws.model, "v1"));
    const weights = release?.assets.find((a) => a.name === modelAssetName("model.joblib"));
    if (!weights) throw new Error("no weights asset");
    weights.data = Buffer.from("weights tampered".slice(0, weights.data.length));
    await expect(
      resolver.pull(ws.model, ws.modelDigest, mkdtempSync(join(tmpdir(), "mlops-pull-"))),
    ).rejects.toThrow(/model\.model\.joblib is \d+ bytes with sha256 [0-9a-f]{64}; expected/);
    github.assertNoViolations();
  }, 60_000);
});
