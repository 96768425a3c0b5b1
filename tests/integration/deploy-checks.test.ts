// deploy's checks and target failures, end to end: the bundled deploy action through the rig, models
// trained by the bundled train-model and published by publish-model's own code to the shared test
// registry, Deployments in the GitHub double, and one examples/serving stack for the file. The stack
// serves one model name, so each test gets its own environment (and with it its own promote-alias and
// its own Deployments lookup): nothing one test records is another's "previous".
// The stack answers every deploy 202 at once (--sync-timeout 0): deploy always polls the status URL.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelResolver } from "../../src/actions/deploy/resolver.ts";
import { publishModelPack } from "../../src/actions/publish-model/publish-oci.ts";
import { buildModelPack } from "../../src/modelpack/artifact.ts";
import { RUN_RECORD_FILE, ARTIFACT_MODEL_DIR } from "../../src/record/run-record.ts";
import { parseRunRecord } from "../../src/record/record-io.ts";
import { createOciClient } from "../../src/registry/oci/client.ts";
import { parseRegistryUrl, repositoryFor } from "../../src/registry/oci/location.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../testing/services/github/index.ts";
import { startTestRegistry, type TestRegistry } from "../../testing/services/registry/index.ts";
import {
  folderWithFiles,
  startStack,
  trainModelFolder,
  WEBHOOK_SECRET,
  type ServingStack,
} from "../../testing/support/serving.ts";
import { PYTHON } from "../../testing/support/workspace.ts";

const OWNER = "acme";
const REPO = `${OWNER}/digits-checks`;
const MODEL = "digits-checks";
const PUBLISHER = { username: "publisher", password: "ghs_publisher" };
const DEPLOYER = { username: "deployer", password: "ghs_deployer" };
const RECEIVER = { username: "receiver", password: "ghs_receiver" };
const TOKEN = "ghs_deploy_checks_token";
/** A normal start takes 1-15 s on a busy 2-core machine: the target-timeout test's budget is above it. */
const WEBHOOK_TIMEOUT_BELOW_START = 25;
/** The first row of examples/sklearn-classifier/data/digits.csv (a 0). */
const DIGIT_ZERO = [
  0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0, 0,
  5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0,
];

let github: GitHubDouble;
let registry: TestRegistry;
let stack: ServingStack;
const digests: Record<string, string> = {};
const registryUrl = () => `http://${registry.host}/${OWNER}`;
const scratch = mkdtempSync(join(tmpdir(), "mlops-deploy-checks-"));

/** Publishes `folder` (model/ + mlops-run.json) as `version` with publish-model's own code. */
async function publish(folder: string, version: string): Promise<string> {
  const recordBytes = readFileSync(join(folder, RUN_RECORD_FILE));
  const record = parseRunRecord(recordBytes.toString("utf8"), RUN_RECORD_FILE);
  const pack = buildModelPack({
    record,
    recordBytes: new Uint8Array(recordBytes),
    modelRoot: join(folder, ARTIFACT_MODEL_DIR),
    card: `# ${MODEL} ${version}\n`,
    version,
    serverUrl: "https://github.com",
  });
  const location = parseRegistryUrl(registryUrl());
  const client = createOciClient({
    location,
    repository: repositoryFor(location, MODEL),
    credentials: { ...PUBLISHER, source: "the test" },
  });
  const { digest } = await publishModelPack(client, pack, {
    version,
    label: MODEL,
    log: { info: () => undefined },
  });
  return digest;
}

/** A regressor where a classifier belongs: it serves, but answers FP64 values instead of INT64 labels. */
function regressorBytes(): Buffer {
  const out = join(scratch, "regressor.joblib");
  execFileSync(PYTHON, [
    "-c",
    "import sys, joblib; from sklearn.datasets import load_digits; from sklearn.linear_model import LinearRegression; d = load_digits(); joblib.dump(LinearRegression().fit(d.data, d.target), sys.argv[1])",
    out,
  ]);
  return readFileSync(out);
}

const slowdown = (values: object) => ({ "serving.json": Buffer.from(JSON.stringify(values)) });

beforeAll(async () => {
  registry = await startTestRegistry();
  registry.addUser({ ...PUBLISHER, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  registry.addUser({ ...DEPLOYER, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  registry.addUser({ ...RECEIVER, grants: { [`${OWNER}/*`]: ["pull"] } });
  github = await startGitHubDouble({ repos: [{ fullName: REPO, defaultBranch: "main" }] });
  github.addToken(TOKEN, { permissions: { deployments: "write", contents: "read" } });
  const trained = await trainModelFolder(MODEL, { epochs: 5 });
  const versions: Record<string, string> = {
    v1: trained.folder,
    regressor: folderWithFiles(trained, { "model.joblib": regressorBytes() }),
    slow: folderWithFiles(trained, slowdown({ inferenceDelayMs: 500 })),
    "slow-start": folderWithFiles(trained, slowdown({ startDelaySeconds: 300 })),
  };
  for (const [version, folder] of Object.entries(versions)) digests[version] = await publish(folder, version);
  stack = await startStack(
    MODEL,
    ["--registry", registry.host, "--ready-timeout", "600", "--sync-timeout", "0"],
    {
      MLOPS_REGISTRY_USERNAME: RECEIVER.username,
      MLOPS_REGISTRY_PASSWORD: RECEIVER.password,
    },
  );
}, 300_000);

afterAll(async () => {
  try {
    if (stack) expect(await stack.stop()).toBe(0);
  } finally {
    await registry?.close();
    await github?.close();
  }
});

let nextRun = 7300;

function deploy(version: string, environment: string, inputs: Record<string, string> = {}) {
  const runId = nextRun++;
  const sha = fakeSha("deploy-checks", String(runId));
  github.state.seedCommits(REPO, sha);
  return runAction({
    action: "deploy",
    inputs: {
      model: `${MODEL}@${version}`,
      "registry-url": registryUrl(),
      "registry-username": DEPLOYER.username,
      "registry-password": DEPLOYER.password,
      target: "webhook",
      "webhook-url": `${stack.receiver}/deploy`,
      "webhook-secret": WEBHOOK_SECRET,
      "health-url": `${stack.front}/v2/models/${MODEL}`,
      "health-timeout": "120",
      environment,
      "github-token": TOKEN,
      ...inputs,
    },
    github: {
      repository: REPO,
      repositoryId: github.state.repo(REPO).id,
      runId,
      sha,
      ref: "refs/heads/main",
      token: TOKEN,
      apiUrl: github.url,
    },
  });
}

const log = (result: ActionResult) => `${result.stdout}\n${result.stderr}`;

const errors = (result: ActionResult) =>
  result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");

const served = async () =>
  (await (await fetch(`${stack.front}/v2/models/${MODEL}`)).json()) as { version?: string; digest?: string };

const current = async () =>
  (await (await fetch(`${stack.receiver}/current`)).json()) as { version?: string; digest?: string };

async function aliasDigest(alias: string): Promise<string | undefined> {
  const resolver = createModelResolver(
    { kind: "oci", url: parseRegistryUrl(registryUrl()), ...DEPLOYER },
    "",
    { HOME: "/nonexistent" },
  );
  try {
    return (await resolver.resolve({ name: MODEL, kind: "alias", alias })).digest;
  } catch {
    return undefined;
  }
}

function deploymentOf(result: ActionResult) {
  return github.state.deployments(REPO).find((d) => String(d.id) === result.outputs["deployment-id"]);
}

/** Every Deployment of `environment` ends in a final state: none is left in_progress. */
function expectNothingInProgress(environment: string): void {
  for (const d of github.state.deployments(REPO).filter((x) => x.environment === environment))
    expect(d.statuses.at(-1)?.state, `deployment ${d.id}`).not.toMatch(/in_progress|queued|pending/);
}

/** Deploys v1 to `environment` (with `inputs`) and checks it went live: the baseline to roll back to. */
async function baseline(environment: string, inputs: Record<string, string> = {}): Promise<ActionResult> {
  const result = await deploy("v1", environment, inputs);
  expect(result.exitCode, log(result)).toBe(0);
  expect(deploymentOf(result)?.statuses.at(-1)?.state).toBe("success");
  expect(await current()).toMatchObject({ version: "v1", digest: digests.v1 });
  return result;
}

/** A failed deploy of `version` that rolled back to v1: outputs, status, traffic and alias. */
async function expectRolledBack(result: ActionResult, version: string, environment: string, reason: RegExp) {
  expect(result.exitCode, log(result)).toBe(1);
  expect(result.outputs).toMatchObject({
    version,
    digest: digests[version],
    "rolled-back": "true",
    "previous-version": "v1",
  });
  expect(result.outputs["failure-reason"]).toMatch(reason);
  const last = deploymentOf(result)?.statuses.at(-1);
  expect(last?.state).toBe("failure");
  expect(last?.description).toMatch(reason);
  expect(last?.description).toContain("rolled back to v1");
  expect(await current()).toMatchObject({ version: "v1", digest: digests.v1 });
  expect(await served()).toMatchObject({ version: "v1" });
  expect(await aliasDigest(environment)).toBe(digests.v1);
  expectNothingInProgress(environment);
  github.assertNoViolations();
}

/** The digit-zero inference request, with `expect` and optionally the outputs asked for. */
function smokeFile(name: string, expect: object, outputs?: string[]): string {
  const file = join(scratch, `${name}.yml`);
  const tensor = { name: "input-0", shape: [1, 64], datatype: "FP32", data: DIGIT_ZERO };
  const infer = {
    name: "predict a zero",
    method: "POST",
    path: `/v2/models/${MODEL}/infer`,
    body: {
      id: "smoke",
      inputs: [tensor],
      ...(outputs ? { outputs: outputs.map((o) => ({ name: o })) } : {}),
    },
    expect,
  };
  writeFileSync(file, JSON.stringify({ requests: [infer] }));
  return file;
}

/** One kind of expectation each; v1 (the classifier) meets all three, the regressor none. */
const MISMATCHES = [
  {
    kind: "status",
    // LinearRegression has no predict_proba: the server answers 500 "inference failed".
    smoke: () => smokeFile("smoke-status", { status: 200 }, ["predict", "predict_proba"]),
    reason: /Smoke test 1 \(predict a zero\) failed: status 500, expected 200/,
  },
  {
    kind: "JSON field",
    smoke: () => smokeFile("smoke-json", { json: { model_name: MODEL, "outputs.0.datatype": "INT64" } }),
    reason: /outputs\.0\.datatype is "FP64", expected "INT64"/,
  },
  {
    kind: "JSON Schema",
    smoke: () =>
      smokeFile("smoke-schema", {
        schema: {
          type: "object",
          required: ["outputs"],
          properties: { outputs: { items: { properties: { data: { items: { type: "integer" } } } } } },
        },
      }),
    reason: /schema: \/outputs\/0\/data\/0: expected integer, got number/,
  },
];

describe("deploy's checks and target failures against examples/serving", () => {
  it.each(MISMATCHES)(
    "a smoke-test mismatch ($kind not met: a regressor where a classifier belongs) fails and rolls back",
    async ({ kind, smoke, reason }) => {
      const environment = `smoke-${kind.replace(/\W+/g, "-").toLowerCase()}`;
      const inputs = { "smoke-test": smoke() };
      await baseline(environment, inputs);
      const result = await deploy("regressor", environment, inputs);
      await expectRolledBack(result, "regressor", environment, reason);
    },
    300_000,
  );

  it("a load test over budget: the version that adds 500 ms fails a 100 ms p95 and rolls back; v1 passes 2 s", async () => {
    const environment = "load-budget";
    const smoke = smokeFile(environment, { status: 200, json: { "outputs.0.datatype": "INT64" } });
    const load = (p95: number) => ({
      "smoke-test": smoke,
      "load-test": `requests: 20\nconcurrency: 4\np95-ms: ${p95}\nmax-error-rate: 0`,
    });
    const passed = await baseline(environment, load(2000));
    expect(passed.summary).toMatch(/p95 \d+ ms \(budget 2000\)/);
    const result = await deploy("slow", environment, load(100));
    await expectRolledBack(result, "slow", environment, /p95 \d+ ms/);
    const p95 = Number(/p95 (\d+) ms/.exec(result.outputs["failure-reason"] ?? "")?.[1]);
    expect(p95).toBeGreaterThanOrEqual(500);
  }, 300_000);

  it("a wrong webhook-secret is refused by the receiver (401): a clear failure, nothing left in_progress", async () => {
    const environment = "wrong-signature";
    const before = await current();
    const wrong = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const result = await deploy("v1", environment, { "webhook-secret": wrong });
    expect(result.exitCode, log(result)).toBe(1);
    expect(result.outputs["failure-reason"]).toMatch(/refused the deploy: HTTP 401/);
    expect(result.outputs["failure-reason"]).toMatch(/signature/);
    expect(errors(result)).toMatch(/Check that 'webhook-secret' is the secret the receiver verifies with/);
    expect(`${result.stdout}${result.stderr}${JSON.stringify(result.annotations)}`).not.toContain(wrong);
    const last = deploymentOf(result)?.statuses.at(-1);
    expect(last?.state).toBe("failure");
    expect(last?.description).toMatch(/HTTP 401/);
    expectNothingInProgress(environment);
    expect(await current()).toEqual(before);
    github.assertNoViolations();
  }, 120_000);

  it("an async deploy: the receiver answers 202 with a status URL, deploy polls it to success", async () => {
    const environment = "async";
    const result = await baseline(environment);
    expect(result.outputs).toMatchObject({ version: "v1", "rolled-back": "false" });
    expect(result.summary).toMatch(/202, then succeeded at http:\/\/127\.0\.0\.1:\d+\/deploys\/[0-9a-f]{16}/);
    expect(await aliasDigest(environment)).toBe(digests.v1);
    expectNothingInProgress(environment);
    github.assertNoViolations();
  }, 240_000);

  it("a target timeout: webhook-timeout shorter than the version's start fails, rolls back, nothing in_progress", async () => {
    const environment = "target-timeout";
    const timeout = { "webhook-timeout": String(WEBHOOK_TIMEOUT_BELOW_START) };
    await baseline(environment, timeout);
    const result = await deploy("slow-start", environment, timeout);
    await expectRolledBack(
      result,
      "slow-start",
      environment,
      new RegExp(`did not finish within webhook-timeout \\(${WEBHOOK_TIMEOUT_BELOW_START} s\\)`),
    );
    // The receiver dropped the deploy deploy gave up on: it can never switch traffic later.
    const deploys = /\/deploys\/([0-9a-f]{16}\?token=[\w-]+)/.exec(
      result.outputs["failure-reason"] ?? "",
    )?.[1];
    const abandoned = (await (await fetch(`${stack.receiver}/deploys/${deploys}`)).json()) as {
      state?: string;
      reason?: string;
    };
    expect(abandoned).toMatchObject({ state: "failed" });
    expect(abandoned.reason).toMatch(/superseded by a rollback/);
  }, 300_000);
});
