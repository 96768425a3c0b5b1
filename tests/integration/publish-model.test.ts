// publish-model end to end: models trained by the real train-model bundle on examples/sklearn-classifier,
// published by the real publish-model bundle through the rig to Debian's docker-registry behind the
// ghcr-like token service and front, with version claims in the GitHub double. Every check reads the
// registry back: blobs pulled and verified by digest, the config validated against the vendored
// model-spec schema, blob PUTs counted in the front's request log.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { evaluateGate } from "../../src/verdict/evaluate.ts";
import { ANNOTATIONS } from "../../src/modelpack/annotations.ts";
import {
  MODEL_ARTIFACT_TYPE,
  MODEL_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
} from "../../src/modelpack/media-types.ts";
import { readModelPackManifest } from "../../src/modelpack/reader.ts";
import { createOciClient } from "../../src/registry/oci/client.ts";
import { type Credentials } from "../../src/registry/oci/credentials.ts";
import { parseRegistryUrl } from "../../src/registry/oci/location.ts";
import { killGroup } from "../../testing/rig/housekeeping.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import type { GitHubDouble } from "../../testing/services/github/index.ts";
import { connectTestRegistry, uniqueRepository } from "../../testing/services/registry/index.ts";
import { pushRun, REPO, startGitHub } from "../../testing/support/github.ts";
import { startArtifactServices, type ArtifactServices } from "../../testing/support/services.ts";
import { checkoutExample, git, PYTHON } from "../../testing/support/workspace.ts";

const NAMESPACE = REPO; // acme/digits
const WRITER = { username: "octo", password: "ghp_writer" };
const READER = { username: "reader", password: "ghp_reader" };

let services: ArtifactServices;
let github: GitHubDouble;
/** The suite's shared registry (tests/integration/global-setup.ts): unique repository names per test. */
const registry = connectTestRegistry(inject("testRegistry"));

interface Trained {
  workspace: string;
  runnerTemp: string;
  record: string;
  /** MLOPS_RUN_RECORD as train-model exported it for the job's later steps. */
  ownRecord: string;
  modelDigest: string;
}

/** train-model on a fresh checkout of the example (`extra` runs after train.py, e.g. to add a big file). */
async function train(alpha: string, extra = ""): Promise<Trained> {
  const workspace = checkoutExample("sklearn-classifier");
  github.state.seedCommits(REPO, git(workspace, "rev-parse", "HEAD").trim());
  const runnerTemp = mkdtempSync(join(tmpdir(), "mlops-rt-"));
  const run = pushRun(github, services);
  const result = await runAction({
    action: "train-model",
    inputs: {
      command: `${PYTHON} train.py${extra}`,
      "model-path": "model",
      "data-paths": "data",
      params: JSON.stringify({ alpha }),
    },
    workspace,
    runnerTemp,
    ...run.step(),
  });
  expect(result.annotations.filter((a) => a.level === "error")).toEqual([]);
  expect(result.exitCode).toBe(0);
  return {
    workspace,
    runnerTemp,
    record: result.outputs["run-record"] ?? "",
    ownRecord: result.env.MLOPS_RUN_RECORD ?? "",
    modelDigest: result.outputs["model-digest"] ?? "",
  };
}

interface PublishOptions {
  runId?: number;
  env?: Record<string, string>;
  onSpawn?: (pid: number) => void;
}

function publish(
  trained: Trained,
  inputs: Record<string, string>,
  options: PublishOptions = {},
): Promise<ActionResult> {
  const run = pushRun(github, services);
  const step = run.step();
  return runAction({
    action: "publish-model",
    inputs: {
      "run-record": trained.record,
      "registry-url": `http://${registry.host}/${NAMESPACE}`,
      "registry-username": WRITER.username,
      "registry-password": WRITER.password,
      "require-gate": "false",
      ...inputs,
    },
    workspace: trained.workspace,
    runnerTemp: trained.runnerTemp,
    ...step,
    github: { ...step.github, ...(options.runId === undefined ? {} : { runId: options.runId }) },
    env: { ...step.env, MLOPS_RUN_RECORD: trained.ownRecord, ...options.env },
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
  });
}

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

function reader(model: string, credentials: Credentials = { ...WRITER, source: "test" }) {
  return createOciClient({
    location: parseRegistryUrl(`http://${registry.host}/${NAMESPACE}`),
    repository: `${NAMESPACE}/${model}`,
    credentials,
  });
}

const configSchema = (() => {
  const file = join(import.meta.dirname, "../../schemas/modelpack/config-schema.json");
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  (addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
  return ajv.compile(JSON.parse(readFileSync(file, "utf8")) as object);
})();

/** Pulls the version back: manifest, config (schema-checked) and every layer, each verified by digest. */
async function pullAndVerify(model: string, reference: string) {
  const client = reader(model);
  const manifest = await client.getManifest(reference);
  if (!manifest) throw new Error(`${model}:${reference} is not in the registry`);
  const parsed = JSON.parse(manifest.body.toString("utf8")) as {
    mediaType: string;
    artifactType: string;
    config: { mediaType: string; digest: string; size: number };
    layers: { digest: string; size: number }[];
  };
  expect(parsed.mediaType).toBe(OCI_MANIFEST_MEDIA_TYPE);
  expect(parsed.artifactType).toBe(MODEL_ARTIFACT_TYPE);
  expect(parsed.config.mediaType).toBe(MODEL_CONFIG_MEDIA_TYPE);
  const dir = mkdtempSync(join(tmpdir(), "mlops-pull-"));
  for (const [i, blob] of [parsed.config, ...parsed.layers].entries()) {
    await client.pullBlob(blob, join(dir, String(i))); // throws on a digest or size mismatch
  }
  const config = JSON.parse(readFileSync(join(dir, "0"), "utf8")) as unknown;
  expect(configSchema(config), JSON.stringify(configSchema.errors)).toBe(true);
  return { manifest, read: readModelPackManifest(manifest.body, `${model}:${reference}`), dir };
}

let first: Trained;
let second: Trained;

beforeAll(async () => {
  services = await startArtifactServices();
  github = await startGitHub(services);
  await registry.addUser({ ...WRITER, grants: { [`${NAMESPACE}/*`]: ["pull", "push"] } });
  await registry.addUser({ ...READER, grants: { [`${NAMESPACE}/*`]: ["pull"] } });
  first = await train("0.001");
  second = await train("0.05");
}, 300_000);

afterAll(async () => {
  await github?.close();
  await services?.close();
});

describe("publish-model to an OCI registry", () => {
  it("publishes v1, then v2 for another model digest; outputs name what was pushed", async () => {
    expect(first.modelDigest).not.toBe(second.modelDigest);
    const model = uniqueRepository("digits");
    const one = await publish(first, { "model-name": model, aliases: "staging" });
    expect(errors(one)).toBe("");
    expect(one.exitCode).toBe(0);
    expect(one.outputs).toMatchObject({
      version: "v1",
      uri: `oci://${registry.host}/${NAMESPACE}/${model}:v1`,
      "model-digest": first.modelDigest,
      aliases: "staging",
    });
    const pulled = await pullAndVerify(model, "v1");
    expect(one.outputs.digest).toBe(pulled.manifest.digest);
    expect(pulled.read.annotations[ANNOTATIONS.modelDigest]).toBe(first.modelDigest);
    // The run record layer is the record's exact bytes.
    const recordBytes = readFileSync(first.record);
    const recordDigest = `sha256:${createHash("sha256").update(recordBytes).digest("hex")}`;
    expect(pulled.manifest.body.toString()).toContain(recordDigest);
    expect((await reader(model).headManifest("staging"))?.digest).toBe(one.outputs.digest);

    const two = await publish(second, { "model-name": model });
    expect(errors(two)).toBe("");
    expect(two.outputs.version).toBe("v2");
    await pullAndVerify(model, "v2");
    expect(github.state.repo(REPO).refs.has(`refs/tags/mlops/${model}/v2`)).toBe(true);
  }, 120_000);

  it("re-publishing the same model returns its version, uploads no blob and moves only the requested alias", async () => {
    const model = uniqueRepository("digits");
    const one = await publish(first, { "model-name": model, aliases: "staging" });
    expect(one.exitCode).toBe(0);
    const blobPuts = async () =>
      (await registry.requests(`${NAMESPACE}/${model}`, "PUT", /\/blobs\/uploads\//)).length;
    const putsBefore = await blobPuts();
    expect(putsBefore).toBeGreaterThan(0);
    const manifestPuts = async () =>
      (await registry.requests(`${NAMESPACE}/${model}`, "PUT", /\/manifests\//))
        .filter((r) => r.status === 201) // not the 401 challenges answered before
        .map((r) => r.path.split("/").pop());
    const before = (await manifestPuts()).length;
    const again = await publish(first, { "model-name": model, aliases: "production" });
    expect(errors(again)).toBe("");
    expect(again.outputs).toMatchObject({ version: "v1", digest: one.outputs.digest, aliases: "production" });
    expect(await blobPuts()).toBe(putsBefore);
    expect(await registry.requests(`${NAMESPACE}/${model}`, "PATCH")).toEqual([]);
    // Only the alias moved: no manifest PUT for the version or for staging.
    expect((await manifestPuts()).slice(before)).toEqual(["production"]);
    expect((await reader(model).headManifest("production"))?.digest).toBe(one.outputs.digest);
    expect((await reader(model).listTags()).sort()).toEqual(["production", "staging", "v1"]);
  }, 120_000);

  it("pushes the version tag after every blob and the manifest, and aliases after the version", async () => {
    const model = uniqueRepository("digits");
    const result = await publish(first, { "model-name": model, aliases: "staging\nproduction" });
    expect(result.exitCode).toBe(0);
    const writes = (await registry.requests(`${NAMESPACE}/${model}`))
      .filter(
        (r) => ["PUT", "POST", "PATCH"].includes(r.method) && r.status < 400, // not the 401 challenges
      )
      .map((r) => (r.path.includes("/manifests/") ? `manifest:${r.path.split("/").pop()}` : "blob"));
    const tagAt = writes.indexOf("manifest:v1");
    expect(tagAt).toBeGreaterThan(0);
    expect(writes.slice(0, tagAt).every((w) => w === "blob" || w.startsWith("manifest:sha256:"))).toBe(true);
    expect(writes.at(tagAt - 1)).toMatch(/^manifest:sha256:/);
    expect(writes.slice(tagAt + 1)).toEqual(["manifest:staging", "manifest:production"]);
  }, 120_000);

  it("uses the credentials of a docker config.json", async () => {
    const model = uniqueRepository("digits");
    const dockerConfig = mkdtempSync(join(tmpdir(), "mlops-docker-"));
    writeFileSync(
      join(dockerConfig, "config.json"),
      JSON.stringify({
        auths: {
          [registry.host]: { auth: Buffer.from(`${WRITER.username}:${WRITER.password}`).toString("base64") },
        },
      }),
    );
    const result = await publish(
      first,
      { "model-name": model, "registry-username": "", "registry-password": "" },
      { env: { DOCKER_CONFIG: dockerConfig } },
    );
    expect(errors(result)).toBe("");
    expect(result.stdout).toContain(`Registry credentials: the ${registry.host} entry of ${dockerConfig}`);
    await pullAndVerify(model, "v1");
  }, 120_000);

  it("a pull-only credential gets an error naming packages: write, and no tag", async () => {
    const model = uniqueRepository("digits");
    const result = await publish(first, {
      "model-name": model,
      "registry-username": READER.username,
      "registry-password": READER.password,
    });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(/packages: write/);
    expect(await reader(model).listTags()).toEqual([]);
  }, 120_000);
});

describe("publish-model's gate requirement", () => {
  function writeGate(trained: Trained, verdict: "pass" | "fail"): void {
    const recordSha256 = createHash("sha256").update(readFileSync(trained.record)).digest("hex");
    const report = evaluateGate({
      rules: "accuracy >= 0.5",
      candidates: [
        { label: "mlops-run.json", model: "digits", metrics: { accuracy: verdict === "pass" ? 0.9 : 0.1 } },
      ],
      baseline: { available: false, reason: "none" },
    });
    const dir = join(trained.runnerTemp, "mlops", "digits");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "mlops-gate.json"),
      JSON.stringify({
        schema: "mlops-actions/gate",
        schemaVersion: "1.1",
        verdict: report.verdict,
        passed: report.passed,
        commentKey: "digits",
        rules: { sha256: "c".repeat(64), count: 1 },
        baseline: { spec: "none", available: false },
        candidates: [{ label: "mlops-run.json", model: "digits", recordSha256 }],
        repository: REPO,
        headSha: "0".repeat(40),
        sha: "0".repeat(40),
        runId: 1,
        runAttempt: 1,
        posted: false,
        report,
      }),
    );
  }

  it("passes on this job's gate record in $RUNNER_TEMP/mlops, refuses a failed one, names every place when none", async () => {
    const trained = await train("0.002");
    const model = uniqueRepository("gated");
    const missing = await publish(trained, { "model-name": model, "require-gate": "true" });
    expect(missing.exitCode).toBe(1);
    expect(errors(missing)).toMatch(/\$RUNNER_TEMP\/mlops\//);
    expect(errors(missing)).toMatch(/require-gate/);
    writeGate(trained, "fail");
    const failed = await publish(trained, { "model-name": model, "require-gate": "true" });
    expect(failed.exitCode).toBe(1);
    expect(await reader(model).listTags()).toEqual([]);
    writeGate(trained, "pass");
    const passed = await publish(trained, { "model-name": model, "require-gate": "true" });
    expect(errors(passed)).toBe("");
    expect(passed.stdout).toMatch(/Gate: pass/);
    expect(passed.outputs.version).toBe("v1");
  }, 180_000);
});

describe("publish-model killed mid-publish", () => {
  it("kill -9 during the blob upload leaves no tag; a re-run of the same run completes the same version", async () => {
    // A 48 MiB extra model file uploaded in 1 MiB chunks: the kill lands between chunks.
    const trained = await train("0.003", " && head -c 50331648 /dev/urandom > model/padding.bin");
    const model = uniqueRepository("killed");
    const repository = `${NAMESPACE}/${model}`;
    const runId = 777_001;
    let pid: number | undefined;
    let asking = false;
    const watcher = setInterval(() => {
      if (pid === undefined || asking) return;
      asking = true;
      void registry
        .requests(repository, "PATCH")
        .then((patches) => {
          if (pid !== undefined && patches.length >= 3) {
            killGroup(pid, "SIGKILL");
            pid = undefined;
          }
        })
        .finally(() => (asking = false));
    }, 2);
    const killed = await publish(
      trained,
      { "model-name": model, "chunk-size": "1" },
      { runId, onSpawn: (p) => (pid = p) },
    );
    clearInterval(watcher);
    expect(killed.signal).toBe("SIGKILL");
    expect(await reader(model).listTags()).toEqual([]);
    expect(github.state.repo(REPO).refs.has(`refs/tags/mlops/${model}/v1`)).toBe(true);

    const rerun = await publish(trained, { "model-name": model, "chunk-size": "1" }, { runId });
    expect(errors(rerun)).toBe("");
    expect(rerun.outputs.version).toBe("v1");
    expect(rerun.stdout).toMatch(/claimed before by run 777001/);
    await pullAndVerify(model, "v1");
    expect(await reader(model).listTags()).toEqual(["v1"]);
  }, 240_000);
});

describe("evaluate-gate reads the registry", () => {
  function gate(trained: Trained, inputs: Record<string, string>, env: Record<string, string> = {}) {
    const step = pushRun(github, services).step();
    return runAction({
      action: "evaluate-gate",
      inputs: { rules: "accuracy >= 0.5\naccuracy >= baseline - 0.5", candidate: trained.record, ...inputs },
      workspace: trained.workspace,
      runnerTemp: trained.runnerTemp,
      ...step,
      env: { ...step.env, ...env },
    });
  }
  const url = () => `http://${registry.host}/${NAMESPACE}`;

  it("baseline: registry:<model>@<alias> reads that version's run record; auto prefers production when a registry URL is set", async () => {
    const model = uniqueRepository("digits");
    const published = await publish(first, { "model-name": model, aliases: "production" });
    expect(published.exitCode).toBe(0);
    const creds = { "registry-username": WRITER.username, "registry-password": WRITER.password };

    const named = await gate(second, {
      baseline: `registry:${model}@production`,
      "registry-url": url(),
      ...creds,
    });
    expect(errors(named)).toBe("");
    expect(named.outputs.verdict).toBe("pass");
    expect(named.stdout).toContain(
      `Baseline: ${registry.host}/${NAMESPACE}/${model}:production (${published.outputs.digest}`,
    );

    // auto with MLOPS_REGISTRY_URL (no input): the model name comes from the candidate record.
    const record = JSON.parse(readFileSync(second.record, "utf8")) as { model: { name: string } };
    const sameName = await publish(first, { "model-name": record.model.name, aliases: "production" });
    expect(sameName.exitCode).toBe(0);
    const auto = await gate(second, creds, { MLOPS_REGISTRY_URL: url() });
    expect(errors(auto)).toBe("");
    expect(auto.stdout).toContain(`Baseline: ${registry.host}/${NAMESPACE}/${record.model.name}:production`);

    // Without a registry URL, auto never calls the registry (for the repository it would ask).
    const from = await registry.logLength();
    const plain = await gate(second, {});
    expect(plain.exitCode).toBe(0);
    expect(await registry.requests(`${NAMESPACE}/${record.model.name}`, undefined, undefined, from)).toEqual(
      [],
    );
  }, 180_000);

  it("a refused registry credential is an error naming packages: read; registry: without a URL names registry-url", async () => {
    const model = uniqueRepository("digits");
    await publish(first, { "model-name": model, aliases: "production" });
    const refused = await gate(second, {
      baseline: `registry:${model}@production`,
      "registry-url": url(),
      "registry-username": WRITER.username,
      "registry-password": "wrong",
    });
    expect(refused.exitCode).toBe(1);
    expect(errors(refused)).toMatch(/packages: read/);
    const noUrl = await gate(second, { baseline: `registry:${model}@production` });
    expect(noUrl.exitCode).toBe(1);
    expect(errors(noUrl)).toMatch(/Input 'registry-url' is empty/);
  }, 180_000);
});
