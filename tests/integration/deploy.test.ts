// deploy end to end: the bundled deploy action through the rig, a model trained by the real train-model
// bundle and published by publish-model's own code to Debian's docker-registry behind the token service,
// Deployments recorded in the GitHub double, and examples/serving's stack (nginx front + receiver) pulling
// by digest with registry credentials. A healthy v1 goes live and moves the alias; a v2 that never becomes
// ready fails, is rolled back to v1, and the alias stays.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createModelResolver } from "../../src/actions/deploy/resolver.ts";
import { publishModelPack } from "../../src/actions/publish-model/publish-oci.ts";
import { buildModelPack } from "../../src/modelpack/artifact.ts";
import { RUN_RECORD_FILE, ARTIFACT_MODEL_DIR } from "../../src/record/run-record.ts";
import { parseRunRecord } from "../../src/record/record-io.ts";
import { createOciClient } from "../../src/registry/oci/client.ts";
import { parseRegistryUrl, repositoryFor } from "../../src/registry/oci/location.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../testing/services/github/index.ts";
import { connectTestRegistry, uniqueRepository } from "../../testing/services/registry/index.ts";
import {
  folderWithModelBytes,
  startStack,
  trainModelFolder,
  WEBHOOK_SECRET,
  type ServingStack,
} from "../../testing/support/serving.ts";

const OWNER = "acme";
const REPO = `${OWNER}/digits`;
/** Unique in the suite's shared registry. */
const MODEL = uniqueRepository("digits");
const PUBLISHER = { username: "publisher", password: "ghs_publisher" };
const DEPLOYER = { username: "deployer", password: "ghs_deployer" };
const RECEIVER = { username: "receiver", password: "ghs_receiver" };
const TOKEN = "ghs_deploy_token";
/** A version's start takes 1-15 s on a busy 2-core machine; the never-ready one waits this long. */
const READY_TIMEOUT = 30;

let github: GitHubDouble;
const registry = connectTestRegistry(inject("testRegistry"));
let stack: ServingStack;
const digests: Record<string, string> = {};
const registryUrl = () => `http://${registry.host}/${OWNER}`;

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

beforeAll(async () => {
  await registry.addUser({ ...PUBLISHER, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  await registry.addUser({ ...DEPLOYER, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  await registry.addUser({ ...RECEIVER, grants: { [`${OWNER}/*`]: ["pull"] } });
  github = await startGitHubDouble({ repos: [{ fullName: REPO, defaultBranch: "main" }] });
  github.addToken(TOKEN, { permissions: { deployments: "write", contents: "read" } });
  const v1 = await trainModelFolder(MODEL, { epochs: 5 });
  // v2: intact (its record matches its bytes) but not a model: the server starts, never becomes ready.
  const v2 = folderWithModelBytes(v1, Buffer.from("not a joblib file\n"));
  digests.v1 = await publish(v1.folder, "v1");
  digests.v2 = await publish(v2, "v2");
  // --sync-timeout below READY_TIMEOUT: the never-ready deploy answers 202, and deploy polls its status.
  stack = await startStack(
    MODEL,
    ["--registry", registry.host, "--ready-timeout", String(READY_TIMEOUT), "--sync-timeout", "10"],
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
    await github?.close();
  }
});

let nextRun = 7100;

function deploy(version: string): Promise<ActionResult> {
  const runId = nextRun++;
  const sha = fakeSha("deploy", String(runId));
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
      environment: "production",
      "github-token": TOKEN,
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

const served = async () =>
  (await (await fetch(`${stack.front}/v2/models/${MODEL}`)).json()) as { version?: string };

async function productionDigest(): Promise<string> {
  const resolver = createModelResolver(
    { kind: "oci", url: parseRegistryUrl(registryUrl()), ...DEPLOYER },
    "",
    { HOME: "/nonexistent" },
  );
  return (await resolver.resolve({ name: MODEL, kind: "alias", alias: "production" })).digest;
}

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

describe("deploy through the webhook to examples/serving", () => {
  it("deploys v1: the front serves it, the deployment succeeds, the alias moves", async () => {
    const result = await deploy("v1");
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.outputs).toMatchObject({
      version: "v1",
      digest: digests.v1,
      "rolled-back": "false",
      "previous-version": "",
      "failure-reason": "",
      "environment-url": stack.front,
    });
    const [deployment] = github.state.deployments(REPO);
    expect(String(deployment?.id)).toBe(result.outputs["deployment-id"]);
    expect(deployment).toMatchObject({ task: `deploy:${MODEL}`, environment: "production" });
    expect(deployment?.statuses.at(-1)?.state).toBe("success");
    expect(await served()).toMatchObject({ version: "v1" });
    expect(await productionDigest()).toBe(digests.v1);
    github.assertNoViolations();
  }, 240_000);

  it("deploys a v2 that never becomes ready: fails, rolls back to v1, the alias stays", async () => {
    const result = await deploy("v2");
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(1);
    expect(result.outputs).toMatchObject({
      version: "v2",
      digest: digests.v2,
      "rolled-back": "true",
      "previous-version": "v1",
    });
    expect(result.outputs["failure-reason"]).toContain(`was not ready after ${READY_TIMEOUT} s`);
    // The receiver answered 202 (its --sync-timeout) and deploy read the failure from the status URL.
    expect(result.outputs["failure-reason"]).toMatch(/\/deploys\/[0-9a-f]{16}\?token=[\w-]{32}\)/);
    expect(errors(result)).toContain("rolled back to v1");
    const deployment = github.state
      .deployments(REPO)
      .find((d) => String(d.id) === result.outputs["deployment-id"]);
    expect(deployment?.task).toBe(`deploy:${MODEL}`);
    const last = deployment?.statuses.at(-1);
    expect(last?.state).toBe("failure");
    expect(last?.description).toContain("rolled back to v1");
    expect(await served()).toMatchObject({ version: "v1" });
    expect(await productionDigest()).toBe(digests.v1);
    github.assertNoViolations();
  }, 300_000);
});
