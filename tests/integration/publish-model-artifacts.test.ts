// publish-model in a job of its own: train-model uploads mlops-run-<model> (and evaluate-gate its
// mlops-gate-<key>) in one job of a run, and publish-model, in a second job with a fresh workspace and
// RUNNER_TEMP, publishes from `artifact:mlops-run-<model>`, downloaded with the real @actions/artifact from
// the results service and Azurite, every model file checked against the record's sha256 before anything
// is pushed. Also: a project in a subfolder (working-directory), whose record names model.path relative
// to the workspace.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createOciClient } from "../../src/registry/oci/client.ts";
import { parseRegistryUrl } from "../../src/registry/oci/location.ts";
import { ARTIFACT_MODEL_DIR, RUN_RECORD_FILE, type RunRecord } from "../../src/record/run-record.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import { BlobStorage } from "../../testing/services/results/blob-storage.ts";
import { ARTIFACT_CONTAINER } from "../../testing/services/results/artifact-service.ts";
import type { GitHubDouble } from "../../testing/services/github/index.ts";
import { connectTestRegistry, uniqueRepository } from "../../testing/services/registry/index.ts";
import { pushRun, REPO, startGitHub, type SimulatedRun } from "../../testing/support/github.ts";
import {
  startArtifactServices,
  uploadArtifactAs,
  type ArtifactServices,
} from "../../testing/support/services.ts";
import { checkoutExample, git, PYTHON } from "../../testing/support/workspace.ts";

const NAMESPACE = REPO;
const WRITER = { username: "octo", password: "ghp_writer" };

let services: ArtifactServices;
let github: GitHubDouble;
const registry = connectTestRegistry(inject("testRegistry"));

beforeAll(async () => {
  services = await startArtifactServices();
  github = await startGitHub(services);
  await registry.addUser({ ...WRITER, grants: { [`${NAMESPACE}/*`]: ["pull", "push"] } });
}, 120_000);

afterAll(async () => {
  await github?.close();
  await services?.close();
});

/** A job of `run`: its own workspace and RUNNER_TEMP, as on a fresh runner. */
interface Job {
  workspace: string;
  runnerTemp: string;
}

function trainingJob(options: { subdir?: string } = {}): Job {
  const workspace = checkoutExample("sklearn-classifier", options);
  github.state.seedCommits(REPO, git(workspace, "rev-parse", "HEAD").trim());
  return { workspace, runnerTemp: mkdtempSync(join(tmpdir(), "mlops-rt-")) };
}

/** What a publish job starts with: nothing checked out, nothing in RUNNER_TEMP. */
function freshJob(): Job {
  return {
    workspace: mkdtempSync(join(tmpdir(), "mlops-ws-publish-")),
    runnerTemp: mkdtempSync(join(tmpdir(), "mlops-rt-publish-")),
  };
}

function step(
  run: SimulatedRun,
  job: Job,
  action: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
) {
  const options = run.step();
  return runAction({
    action,
    inputs,
    workspace: job.workspace,
    runnerTemp: job.runnerTemp,
    ...options,
    env: { ...options.env, ...env },
  });
}

async function train(run: SimulatedRun, job: Job, model: string, inputs: Record<string, string> = {}) {
  const result = await step(run, job, "train-model", {
    command: `${PYTHON} train.py`,
    "model-path": "model",
    "data-paths": "data",
    "model-name": model,
    ...inputs,
  });
  expect(errors(result)).toBe("");
  expect(result.exitCode).toBe(0);
  const recordPath = result.outputs["run-record"] ?? "";
  return { result, recordPath, record: JSON.parse(readFileSync(recordPath, "utf8")) as RunRecord };
}

function publish(run: SimulatedRun, job: Job, model: string, inputs: Record<string, string> = {}) {
  return step(run, job, "publish-model", {
    "run-record": `artifact:mlops-run-${model}`,
    "registry-url": `http://${registry.host}/${NAMESPACE}`,
    "registry-username": WRITER.username,
    "registry-password": WRITER.password,
    "require-gate": "false",
    ...inputs,
  });
}

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

function store(model: string) {
  return createOciClient({
    location: parseRegistryUrl(`http://${registry.host}/${NAMESPACE}`),
    repository: `${NAMESPACE}/${model}`,
    credentials: { ...WRITER, source: "test" },
  });
}

/** The weight layers of a published version: file path → layer digest, each blob pulled and verified. */
async function publishedFiles(model: string, version: string): Promise<Record<string, string>> {
  const client = store(model);
  const manifest = await client.getManifest(version);
  if (!manifest) throw new Error(`${model}:${version} is not in the registry`);
  const { layers } = JSON.parse(manifest.body.toString("utf8")) as {
    layers: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
  };
  const dir = mkdtempSync(join(tmpdir(), "mlops-pull-"));
  const files: Record<string, string> = {};
  for (const [i, layer] of layers.entries()) {
    await client.pullBlob(layer, join(dir, String(i))); // throws on a digest or size mismatch
    const path = layer.annotations?.["org.cncf.model.filepath"];
    if (layer.mediaType.includes(".weight.") && path !== undefined) files[path] = layer.digest;
  }
  return files;
}

/** What publishedFiles must find: one layer per record file, under model/, its digest the file's sha256. */
function layersOf(record: RunRecord): Record<string, string> {
  return Object.fromEntries(
    record.model.files.map((f) => [`${ARTIFACT_MODEL_DIR}/${f.path}`, `sha256:${f.sha256}`]),
  );
}

/** Nothing of `model` reached the registry: no write of any kind, no tag. */
async function nothingPushed(model: string): Promise<void> {
  const writes = (await registry.requests(`${NAMESPACE}/${model}`)).filter(
    (r) => r.method !== "GET" && r.method !== "HEAD",
  );
  expect(writes).toEqual([]);
  expect(await store(model).listTags()).toEqual([]);
}

describe("run-record: artifact:<name> (publish in a job of its own)", () => {
  it("publishes the mlops-run-<model> artifact train-model uploaded in another job, every file verified", async () => {
    const run = pushRun(github, services);
    const model = uniqueRepository("second-job");
    const trained = await train(run, trainingJob(), model);
    expect(trained.result.outputs["artifact-id"]).toMatch(/^\d+$/);

    const job = freshJob();
    const published = await publish(run, job, model, { aliases: "staging" });
    expect(errors(published)).toBe("");
    expect(published.exitCode).toBe(0);
    expect(published.outputs).toMatchObject({
      version: "v1",
      "model-digest": trained.record.model.digest,
      aliases: "staging",
    });
    expect(published.stdout).toMatch(/model file\(s\) in .*: each one's sha256 matches the record/);
    const layers = await publishedFiles(model, "v1");
    expect(layers).toEqual(layersOf(trained.record));
    expect((await store(model).headManifest("staging"))?.digest).toBe(published.outputs.digest);
  }, 180_000);

  it("refuses an artifact whose model file was replaced after training (same size): names the file, pushes nothing", async () => {
    const run = pushRun(github, services);
    const model = uniqueRepository("tampered");
    const trainJob = trainingJob();
    const trained = await train(run, trainJob, model, { upload: "false" });
    // A later step of the run uploads mlops-run-<model> itself: the real record, one byte of the model
    // changed.
    const root = mkdtempSync(join(tmpdir(), "mlops-tampered-"));
    cpSync(trained.recordPath, join(root, RUN_RECORD_FILE));
    cpSync(join(trainJob.workspace, "model"), join(root, "model"), { recursive: true });
    const victim = trained.record.model.files[0];
    if (!victim) throw new Error("the trained model has no files");
    const bytes = readFileSync(join(root, "model", victim.path));
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 0xff;
    writeFileSync(join(root, "model", victim.path), bytes);
    const files = [
      join(root, RUN_RECORD_FILE),
      ...trained.record.model.files.map((f) => join(root, "model", f.path)),
    ];
    await uploadArtifactAs(services, run.runId, `mlops-run-${model}`, files, root);

    const refused = await publish(run, freshJob(), model);
    expect(refused.exitCode).toBe(1);
    const message = errors(refused);
    expect(message).toContain(`artifact mlops-run-${model}`);
    expect(message).toContain(`${victim.path}: sha256 `);
    expect(message).toContain(`the record says ${victim.sha256}`);
    expect(message).toMatch(/nothing was uploaded/);
    expect(refused.stderr + refused.stdout).not.toMatch(/^\s+at /m); // a user's problem: no stack
    await nothingPushed(model);
    expect(github.state.repo(REPO).refs.has(`refs/tags/mlops/${model}/v1`)).toBe(false);
  }, 180_000);

  it("refuses a download that does not match the artifact service's digest (damaged on the way)", async () => {
    const run = pushRun(github, services);
    const model = uniqueRepository("damaged");
    const trainJob = trainingJob();
    const trained = await train(run, trainJob, model, { upload: "false" });
    const files = (root: string) => [
      join(root, RUN_RECORD_FILE),
      ...trained.record.model.files.map((f) => join(root, "model", f.path)),
    ];
    const root = mkdtempSync(join(tmpdir(), "mlops-artifact-"));
    cpSync(trained.recordPath, join(root, RUN_RECORD_FILE));
    cpSync(join(trainJob.workspace, "model"), join(root, "model"), { recursive: true });
    const id = await uploadArtifactAs(services, run.runId, `mlops-run-${model}`, files(root), root);
    // Another valid archive (the same files plus one) lands in its blob: it extracts, but its digest is
    // not the one the service recorded at upload.
    writeFileSync(join(root, "extra.txt"), "not part of the upload\n");
    const otherId = await uploadArtifactAs(
      services,
      run.runId,
      `other-${model}`,
      [...files(root), join(root, "extra.txt")],
      root,
    );
    const other = await fetch(await services.results.downloadUrl(otherId));
    const blobName = decodeURIComponent(
      new URL(await services.results.downloadUrl(id)).pathname.split(`/${ARTIFACT_CONTAINER}/`)[1] ?? "",
    );
    const write = new BlobStorage(services.azurite).signedBlobUrl(ARTIFACT_CONTAINER, blobName, {
      permissions: "cw",
      expiresInSeconds: 60,
    });
    const put = await fetch(write, {
      method: "PUT",
      headers: { "x-ms-blob-type": "BlockBlob" },
      body: Buffer.from(await other.arrayBuffer()),
    });
    expect(put.status).toBe(201);

    const refused = await publish(run, freshJob(), model);
    expect(refused.exitCode).toBe(1);
    expect(errors(refused)).toMatch(
      new RegExp(
        `the download of artifact mlops-run-${model} \\(id ${id}\\) does not match the artifact service's digest sha256:[0-9a-f]{64}: it was damaged on the way`,
      ),
    );
    await nothingPushed(model);
  }, 180_000);

  it("names the artifact and the fix when this run has no such artifact", async () => {
    const run = pushRun(github, services);
    const model = uniqueRepository("absent");
    const result = await publish(run, freshJob(), model);
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      new RegExp(`this workflow run has no artifact named mlops-run-${model}.*needs:`),
    );
    await nothingPushed(model);
  }, 60_000);
});

describe("require-gate: the gate record in the run's mlops-gate-<key> artifact", () => {
  function gate(run: SimulatedRun, job: Job, candidate: string, key: string) {
    return step(run, job, "evaluate-gate", {
      candidate,
      rules: "accuracy >= 0.5",
      baseline: "none",
      "comment-key": key,
    });
  }

  it("passes on the gate artifact evaluate-gate uploaded in the training job", async () => {
    const run = pushRun(github, services);
    const model = uniqueRepository("gated-artifact");
    const job = trainingJob();
    const trained = await train(run, job, model);
    const gated = await gate(run, job, trained.recordPath, model);
    expect(errors(gated)).toBe("");
    expect(gated.outputs.verdict).toBe("pass");

    const fresh = freshJob();
    const published = await publish(run, fresh, model, { "require-gate": "true" });
    expect(errors(published)).toBe("");
    expect(published.exitCode).toBe(0);
    expect(published.stdout).toContain(`Gate: pass (artifact mlops-gate-${model})`);
    expect(published.outputs.version).toBe("v1");
  }, 240_000);

  it("refuses when the run's gate artifact judged another run record (sha256 mismatch), pushing nothing", async () => {
    const run = pushRun(github, services);
    const model = uniqueRepository("gate-mismatch");
    const job = trainingJob();
    await train(run, job, model);
    // The gate judged a record of another training (other params) of the same model, not the uploaded one.
    const other = await train(run, trainingJob(), model, {
      upload: "false",
      params: JSON.stringify({ alpha: "0.05" }),
    });
    // Trained in another job: its record reaches this job as a download would, under RUNNER_TEMP.
    const copy = join(job.runnerTemp, "other", RUN_RECORD_FILE);
    cpSync(other.recordPath, copy);
    const gated = await gate(run, job, copy, model);
    expect(errors(gated)).toBe("");
    expect(gated.outputs.verdict).toBe("pass");

    const refused = await publish(run, freshJob(), model, { "require-gate": "true" });
    expect(refused.exitCode).toBe(1);
    const message = errors(refused);
    expect(message).toMatch(/No gate passed the run record artifact mlops-run-/);
    expect(message).toMatch(
      new RegExp(`artifact mlops-gate-${model}: judged other run records \\(sha256 [0-9a-f]{12}\\)`),
    );
    expect(message).toMatch(/require-gate: false/);
    await nothingPushed(model);
  }, 300_000);
});

describe("a project in a subfolder (working-directory)", () => {
  it("records model.path relative to the workspace and publishes from this job's own training output", async () => {
    const run = pushRun(github, services);
    const model = uniqueRepository("subfolder");
    const job = trainingJob({ subdir: "ml" });
    const trained = await train(run, job, model, { "working-directory": "ml", upload: "false" });
    expect(trained.record.model.path).toBe("ml/model");
    expect(trained.record.model.kind).toBe("directory");

    // The next step of the same job: MLOPS_RUN_RECORD as train-model exported it.
    const published = await step(
      run,
      job,
      "publish-model",
      {
        "registry-url": `http://${registry.host}/${NAMESPACE}`,
        "registry-username": WRITER.username,
        "registry-password": WRITER.password,
        "require-gate": "false",
      },
      { MLOPS_RUN_RECORD: trained.result.env.MLOPS_RUN_RECORD ?? "" },
    );
    expect(errors(published)).toBe("");
    expect(published.exitCode).toBe(0);
    expect(published.stdout).toContain(
      `model file(s) in ${join(job.workspace, "ml", "model")}: sizes match the record and none was modified`,
    );
    expect(await publishedFiles(model, "v1")).toEqual(layersOf(trained.record));
  }, 180_000);
});
