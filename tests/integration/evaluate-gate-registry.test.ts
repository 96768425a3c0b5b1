// evaluate-gate's registry baselines through the rig: Debian's docker-registry behind the ghcr-like token
// service and front, deployments in the GitHub double. `baseline: auto` with a registry prefers the version
// of the latest successful production deployment, then the production alias, then the artifact search, and
// says which; the fork companion resolves registry baselines from its own inputs, whatever the fork's
// artifact claims; a refused registry credential (401, or ghcr.io's 403) names `packages: read`; the
// registry credential comes from a docker config.json's auths or its credential helpers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { moveAliases, publishModelPack } from "../../src/actions/publish-model/publish-oci.ts";
import { buildModelPack } from "../../src/modelpack/artifact.ts";
import { createOciClient } from "../../src/registry/oci/client.ts";
import { parseRegistryUrl, repositoryFor } from "../../src/registry/oci/location.ts";
import type { GateRecord } from "../../src/verdict/gate-record.ts";
import { credentialHelper } from "../../testing/fixtures/credential-helper.ts";
import { publishableRecord } from "../../testing/fixtures/publishable-record.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import { readOnlyPermissions, type GitHubDouble } from "../../testing/services/github/index.ts";
import {
  connectTestRegistry,
  uniqueRepository,
  type SharedRegistry,
} from "../../testing/services/registry/index.ts";
import {
  fakeSha,
  pullRequestRun,
  pushRun,
  REPO,
  startGitHub,
  TOKEN,
  type SimulatedRun,
} from "../../testing/support/github.ts";
import {
  startArtifactServices,
  uploadArtifactAs,
  type ArtifactServices,
} from "../../testing/support/services.ts";

const NAMESPACE = REPO; // acme/digits
const WRITER = { username: "gate-registry-writer", password: "ghp_gate_registry_writer" };
const CREDENTIALS = { "registry-username": WRITER.username, "registry-password": WRITER.password };
/** Passes against v1 (accuracy 0.70), fails against v2 (0.95): the verdict shows which baseline counted. */
const RULES = "accuracy >= 0.5\naccuracy >= baseline - 0.01";
const CANDIDATE_ACCURACY = 0.8;

let services: ArtifactServices;
let github: GitHubDouble;
const registry: SharedRegistry = connectTestRegistry(inject("testRegistry"));
let temp: string;

beforeAll(async () => {
  services = await startArtifactServices();
  github = await startGitHub(services);
  await registry.addUser({ ...WRITER, grants: { [`${NAMESPACE}/*`]: ["pull", "push"] } });
  temp = mkdtempSync(join(tmpdir(), "mlops-gate-registry-"));
}, 120_000);

afterEach(() => {
  github.assertNoViolations();
});

afterAll(async () => {
  await github.close();
  await services.close();
  rmSync(temp, { recursive: true, force: true });
});

const registryUrl = (): string => `http://${registry.host}/${NAMESPACE}`;

/** A run record of `model` with one metric, as train-model would have written it. */
function record(model: string, accuracy: number, runId: string) {
  const base = publishableRecord();
  return publishableRecord({
    model: { ...base.model, name: model },
    metrics: { accuracy },
    run: { ...base.run, id: runId },
  });
}

/** Publishes `version` of `model` (its record's accuracy given) as publish-model does; aliases move last. */
async function publishVersion(model: string, version: string, accuracy: number, aliases: string[] = []) {
  const modelRoot = join(temp, `${model}-${version}`, "model");
  mkdirSync(join(modelRoot, "sub"), { recursive: true });
  writeFileSync(join(modelRoot, "model.joblib"), "weights");
  writeFileSync(join(modelRoot, "sub", "vocab.txt"), "vocab");
  const published = record(model, accuracy, `run-${version}`);
  const recordBytes = new TextEncoder().encode(`${JSON.stringify(published, null, 2)}\n`);
  const pack = buildModelPack({
    record: published,
    recordBytes,
    modelRoot,
    card: `# ${model}\n`,
    version,
    serverUrl: "https://github.com",
  });
  const location = parseRegistryUrl(registryUrl());
  const client = createOciClient({
    location,
    repository: repositoryFor(location, model),
    credentials: { ...WRITER, source: "the test" },
  });
  const { digest } = await publishModelPack(client, pack, {
    version,
    label: model,
    log: { info: () => undefined },
  });
  await moveAliases(client, version, aliases, model);
  return { version, digest, uri: `oci://${registry.host}/${NAMESPACE}/${model}@${digest}` };
}

/** A deployment of `deployed` to `environment` with deploy's payload and one status, made through the API. */
async function deployment(
  model: string,
  environment: string,
  deployed: { version: string; digest: string; uri: string },
  state: "success" | "failure",
): Promise<number> {
  const sha = fakeSha("deploy", model, deployed.version, environment, state);
  github.state.seedCommits(REPO, sha);
  const api = async (path: string, body: unknown) => {
    const response = await fetch(`${github.url}/repos/${REPO}${path}`, {
      method: "POST",
      headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { id: number };
  };
  const { id } = await api("/deployments", {
    ref: sha,
    task: `deploy:${model}`,
    environment,
    auto_merge: false,
    required_contexts: [],
    payload: { model, ...deployed, previous: null },
  });
  await api(`/deployments/${id}/statuses`, { state, auto_inactive: false });
  return id;
}

/** A workspace with the candidate's run record. */
function candidateJob(model: string, accuracy = CANDIDATE_ACCURACY) {
  const workspace = mkdtempSync(join(temp, "ws-"));
  const runnerTemp = mkdtempSync(join(temp, "rt-"));
  writeFileSync(join(workspace, "candidate.json"), JSON.stringify(record(model, accuracy, "candidate")));
  return { workspace, runnerTemp };
}

type GateResult = ActionResult & { runnerTemp: string };

async function gateOnMain(
  model: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<GateResult> {
  const job = candidateJob(model);
  const step = pushRun(github, services).step();
  const result = await runAction({
    action: "evaluate-gate",
    inputs: { rules: RULES, candidate: "candidate.json", ...inputs },
    ...job,
    ...step,
    env: { ...step.env, ...env },
  });
  return { ...result, runnerTemp: job.runnerTemp };
}

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

function gateRecord(runnerTemp: string, key: string): GateRecord {
  return JSON.parse(readFileSync(join(runnerTemp, "mlops", key, "mlops-gate.json"), "utf8")) as GateRecord;
}

describe("baseline: auto with a registry", () => {
  it("prefers the version of the latest successful production deployment over the production alias", async () => {
    const model = uniqueRepository("deployed");
    const v1 = await publishVersion(model, "v1", 0.7);
    const v2 = await publishVersion(model, "v2", 0.95, ["production"]);
    const live = await deployment(model, "production", v1, "success");
    // Newer, but neither successful nor in production: they do not count.
    await deployment(model, "production", v2, "failure");
    await deployment(model, "staging", v2, "success");

    const result = await gateOnMain(model, CREDENTIALS, { MLOPS_REGISTRY_URL: registryUrl() });
    expect(errors(result)).toBe("");
    expect(result.outputs.verdict).toBe("pass"); // against v1's 0.70, not v2's 0.95
    const line = `Baseline: ${registry.host}/${NAMESPACE}/${model}:v1 (${v1.digest}`;
    expect(result.stdout).toContain(line);
    expect(result.stdout).toContain(
      `: the version of the latest successful production deployment (deployment ${live}, `,
    );
    expect(result.summary).toContain(
      `the version of the latest successful production deployment (deployment ${live}`,
    );
    const gate = gateRecord(result.runnerTemp, model);
    expect(gate.baseline).toMatchObject({ spec: `registry:${model}@v1`, available: true });
    expect(gate.baseline.file).toBe(`oci://${registry.host}/${NAMESPACE}/${model}:v1@${v1.digest}`);
  }, 120_000);

  it("without a production deployment uses the production alias, and says so", async () => {
    const model = uniqueRepository("aliased");
    await publishVersion(model, "v1", 0.7);
    const v2 = await publishVersion(model, "v2", 0.95, ["production"]);
    const result = await gateOnMain(model, { "registry-url": registryUrl(), ...CREDENTIALS });
    expect(result.outputs.verdict).toBe("fail"); // 0.80 against v2's 0.95
    expect(errors(result)).toMatch(/^accuracy = 0\.8, needs >= 0\.94$/m);
    expect(result.stdout).toContain(
      `Baseline: ${registry.host}/${NAMESPACE}/${model}:production (${v2.digest}`,
    );
    expect(result.stdout).toContain(
      `: the production alias (no successful production deployment of ${model})`,
    );
  }, 120_000);

  it("a token that may not read deployments: a warning naming deployments: read, then the alias", async () => {
    const model = uniqueRepository("no-deployments");
    const v1 = await publishVersion(model, "v1", 0.7);
    const v2 = await publishVersion(model, "v2", 0.95, ["production"]);
    await deployment(model, "production", v1, "success");
    const token = "ghs_no_deployments";
    github.addToken(token, { permissions: { ...readOnlyPermissions(), deployments: "none" } });
    const job = candidateJob(model);
    const step = pushRun(github, services).step(token);
    const result = await runAction({
      action: "evaluate-gate",
      inputs: { rules: RULES, candidate: "candidate.json", "registry-url": registryUrl(), ...CREDENTIALS },
      ...job,
      ...step,
    });
    expect(result.outputs.verdict).toBe("fail"); // against the alias's v2
    const warnings = result.annotations.filter((a) => a.level === "warning").map((a) => a.message);
    expect(warnings.join("\n")).toMatch(
      new RegExp(
        `Could not read the production deployments of ${model} .*'permissions: deployments: read'.*Using the production alias`,
      ),
    );
    expect(result.stdout).toContain(
      `Baseline: ${registry.host}/${NAMESPACE}/${model}:production (${v2.digest}`,
    );
  }, 120_000);

  it("with neither falls back to the artifact search", async () => {
    const model = uniqueRepository("unpublished");
    const result = await gateOnMain(model, { "registry-url": registryUrl(), ...CREDENTIALS });
    expect(errors(result)).toBe("");
    expect(result.stdout).toContain(
      `No production deployment of ${model} and no ${model}@production in the registry: looking for the baseline in run artifacts.`,
    );
    expect(result.stdout).toContain(`No baseline: no mlops-run-${model} artifact from a run on main yet`);
    expect(gateRecord(result.runnerTemp, model).baseline).toMatchObject({
      spec: "auto",
      available: false,
    });
  }, 120_000);
});

describe("registry refusals name packages: read", () => {
  it("a credential without pull access to the model (the registry's 401 insufficient_scope)", async () => {
    const model = uniqueRepository("no-pull");
    await publishVersion(model, "v1", 0.7, ["production"]);
    await registry.addUser({
      username: "gate-registry-outsider",
      password: "ghp_gate_registry_outsider",
      grants: { "elsewhere/*": ["pull"] },
    });
    const result = await gateOnMain(model, {
      baseline: `registry:${model}@production`,
      "registry-url": registryUrl(),
      "registry-username": "gate-registry-outsider",
      "registry-password": "ghp_gate_registry_outsider",
    });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      new RegExp(
        `Reading the baseline registry:${model}@production from ${registry.host.replace(".", "\\.")} was refused: .*denied pull access.*packages: read`,
      ),
    );
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/); // a user's mistake: no stack
  }, 120_000);

  it("ghcr.io's 403 DENIED on the manifest, for auto with MLOPS_REGISTRY_URL", async () => {
    // docker-registry never answers 403; ghcr.io does for a package the token may not read. A server
    // that answers every /v2/ request that way stands in for that one answer.
    const denying: Server = createServer((request, response) => {
      request.resume();
      response.writeHead(403, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ errors: [{ code: "DENIED", message: "permission_denied: read_package" }] }),
      );
    });
    await new Promise<void>((resolve) => denying.listen(0, "127.0.0.1", resolve));
    try {
      const address = denying.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      const model = uniqueRepository("denied");
      const result = await gateOnMain(model, CREDENTIALS, {
        MLOPS_REGISTRY_URL: `http://127.0.0.1:${address.port}/${NAMESPACE}`,
      });
      expect(result.exitCode).toBe(1);
      expect(errors(result)).toMatch(/HTTP 403: .*permission_denied.*'permissions: packages: read'/);
    } finally {
      await new Promise((resolve) => denying.close(resolve));
    }
  }, 120_000);
});

describe("credentials from a docker config.json (DOCKER_CONFIG)", () => {
  function dockerConfig(content: object): string {
    const folder = mkdtempSync(join(temp, "docker-"));
    writeFileSync(join(folder, "config.json"), JSON.stringify(content));
    return folder;
  }

  it("an auths entry as docker/login-action writes it", async () => {
    const model = uniqueRepository("auths");
    const v1 = await publishVersion(model, "v1", 0.7, ["production"]);
    const folder = dockerConfig({
      auths: {
        [registry.host]: { auth: Buffer.from(`${WRITER.username}:${WRITER.password}`).toString("base64") },
      },
    });
    const result = await gateOnMain(
      model,
      { baseline: `registry:${model}@production`, "registry-url": registryUrl() },
      { DOCKER_CONFIG: folder },
    );
    expect(errors(result)).toBe("");
    expect(result.stdout).toContain(
      `Baseline: ${registry.host}/${NAMESPACE}/${model}:production (${v1.digest}`,
    );
  }, 120_000);

  it("a credHelpers helper on PATH, through the credential-helper protocol", async () => {
    const model = uniqueRepository("helper");
    const v1 = await publishVersion(model, "v1", 0.7, ["production"]);
    const helper = credentialHelper("mlopsgate", {
      [registry.host]: { username: WRITER.username, secret: WRITER.password },
    });
    const folder = dockerConfig({ credHelpers: { [registry.host]: helper.name } });
    const result = await gateOnMain(
      model,
      {},
      {
        DOCKER_CONFIG: folder,
        PATH: helper.path,
        MLOPS_REGISTRY_URL: registryUrl(),
      },
    );
    expect(errors(result)).toBe("");
    expect(result.stdout).toContain(
      `Baseline: ${registry.host}/${NAMESPACE}/${model}:production (${v1.digest}`,
    );
    expect(helper.asked()).toContain(registry.host);
    expect(result.stdout).not.toContain(WRITER.password);
  }, 120_000);

  it("a helper that is not installed: an error naming the program, no stack", async () => {
    const model = uniqueRepository("no-helper");
    const folder = dockerConfig({ credsStore: "mlops-not-installed" });
    const result = await gateOnMain(
      model,
      { baseline: `registry:${model}@production`, "registry-url": registryUrl() },
      { DOCKER_CONFIG: folder },
    );
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toContain(
      `credsStore in ${join(folder, "config.json")} says to get the credentials for ${registry.host} from docker-credential-mlops-not-installed, which is not on PATH`,
    );
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  }, 120_000);
});

describe("the fork companion (mode: post-from-artifact)", () => {
  let nextPull = 300;

  /** A fork PR whose own run gated with `baseline: none` and uploaded nothing (read-only, no service). */
  async function forkRun(model: string) {
    const number = nextPull++;
    const headSha = fakeSha("fork", model);
    const baseSha = fakeSha("main", model);
    const headRef = `patch-${number}`;
    github.state.seedPull(REPO, {
      number,
      head: { ref: headRef, sha: headSha },
      base: { sha: baseSha },
      fork: true,
    });
    const run = pullRequestRun(github, services, { number, headSha, baseSha, headRef, fork: true });
    const job = candidateJob(model);
    const step = run.step();
    const own = await runAction({
      action: "evaluate-gate",
      inputs: { rules: "accuracy >= 0", baseline: "none", comment: "never", candidate: "candidate.json" },
      ...job,
      github: step.github,
      event: step.event,
    });
    expect(own.outputs.verdict).toBe("pass");
    return { number, headSha, headRef, run, record: gateRecord(job.runnerTemp, model) };
  }

  async function uploadRecord(run: SimulatedRun, record: GateRecord): Promise<void> {
    const dir = mkdtempSync(join(temp, "upload-"));
    writeFileSync(join(dir, "mlops-gate.json"), JSON.stringify(record));
    await uploadArtifactAs(
      services,
      run.runId,
      `mlops-gate-${record.commentKey}`,
      [join(dir, "mlops-gate.json")],
      dir,
    );
  }

  function comment(number: number, model: string): string {
    const marker = `<!-- mlops-actions:gate:${model} -->`;
    const found = github.state.comments(REPO, number).filter((c) => c.body.startsWith(marker));
    expect(found).toHaveLength(1);
    return found[0]?.body ?? "";
  }

  it("judges the fork's metrics against registry:<model>@production from its own inputs", async () => {
    const model = uniqueRepository("fork-named");
    await publishVersion(model, "v1", 0.7);
    const v2 = await publishVersion(model, "v2", 0.95, ["production"]);
    const fork = await forkRun(model);
    await uploadRecord(fork.run, fork.record);

    const companion = await runCompanion(fork, {
      "model-name": model,
      baseline: `registry:${model}@production`,
      "registry-url": registryUrl(),
      ...CREDENTIALS,
    });
    expect(companion.outputs.verdict).toBe("fail"); // 0.80 against production's 0.95
    expect(errors(companion)).toBe("accuracy = 0.8, needs >= 0.94");
    expect(companion.stdout).toContain(
      `Baseline: ${registry.host}/${NAMESPACE}/${model}:production (${v2.digest}`,
    );
    const body = comment(fork.number, model);
    expect(body).toContain(`${model}:production`);
    expect(body).toContain("❌ Gate: fail");
  }, 120_000);

  it("auto: the production deployment's version, whatever baseline the fork's artifact claims", async () => {
    const model = uniqueRepository("fork-auto");
    const v1 = await publishVersion(model, "v1", 0.7);
    const v2 = await publishVersion(model, "v2", 0.95, ["production"]);
    const live = await deployment(model, "production", v1, "success");
    const fork = await forkRun(model);
    // The fork claims v2 was its baseline (with its description and a link), and that it passed.
    const tampered: GateRecord = {
      ...fork.record,
      verdict: "pass",
      passed: true,
      baseline: {
        spec: `registry:${model}@v2`,
        available: true,
        file: `oci://${registry.host}/${NAMESPACE}/${model}:v2@${v2.digest}`,
      },
      report: {
        ...fork.record.report,
        baseline: {
          ...fork.record.report.baseline,
          description: `${model}:v2 chosen by the fork`,
          links: { run: "https://evil.example/run" },
        },
      },
    };
    await uploadRecord(fork.run, tampered);

    const companion = await runCompanion(
      fork,
      { "model-name": model, ...CREDENTIALS },
      { MLOPS_REGISTRY_URL: registryUrl() },
    );
    expect(errors(companion)).toBe("");
    expect(companion.outputs.verdict).toBe("pass"); // 0.80 against the deployed v1's 0.70
    expect(companion.stdout).toContain(`Baseline: ${registry.host}/${NAMESPACE}/${model}:v1 (${v1.digest}`);
    expect(companion.stdout).toContain(`the latest successful production deployment (deployment ${live}`);
    const body = comment(fork.number, model);
    expect(body).toContain(`${model}:v1`);
    expect(body).not.toContain("chosen by the fork");
    expect(body).not.toContain("evil.example");
    const report = JSON.parse(
      readFileSync(join(companion.runnerTemp, "mlops", model, "gate-report.json"), "utf8"),
    ) as { baseline: { description: string } };
    expect(report.baseline.description).toMatch(new RegExp(`/${model}:v1 \\(sha256:`));
  }, 120_000);

  it("a fork's artifact that names another model cannot pick that model's baseline: refused", async () => {
    const judged = uniqueRepository("fork-judged");
    const other = uniqueRepository("fork-weaker");
    await publishVersion(judged, "v1", 0.95, ["production"]);
    const weaker = await publishVersion(other, "v1", 0.1, ["production"]);
    // The fork gates a record of the weaker model, hoping that model's production is its baseline.
    const fork = await forkRun(other);
    await uploadRecord(fork.run, fork.record);

    const companion = await runCompanion(
      fork,
      { "model-name": judged, ...CREDENTIALS },
      { MLOPS_REGISTRY_URL: registryUrl() },
    );
    expect(companion.exitCode).toBe(1);
    expect(errors(companion)).toContain(
      `is a gate of the model "${other}", but this companion judges the model "${judged}" (input model-name): refusing to post`,
    );
    expect(companion.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(companion.stdout).not.toContain(weaker.digest);
    expect(github.state.comments(REPO, fork.number)).toEqual([]);
  }, 120_000);

  /** The companion's step for the completed run of a fork PR (this repository's workflow and token). */
  async function runCompanion(
    fork: { run: SimulatedRun; headSha: string; headRef: string },
    inputs: Record<string, string>,
    env: Record<string, string> = {},
  ): Promise<GateResult> {
    const runnerTemp = mkdtempSync(join(temp, "companion-"));
    const companionRunId = nextCompanionRun++;
    github.state.seedWorkflowRun(REPO, {
      id: companionRunId,
      headSha: fakeSha("companion", String(companionRunId)),
      event: "workflow_run",
    });
    const result = await runAction({
      action: "evaluate-gate",
      inputs: { mode: "post-from-artifact", rules: RULES, ...inputs },
      runnerTemp,
      github: { repository: REPO, runId: companionRunId, token: TOKEN, apiUrl: github.url },
      env: { ...services.actionsEnv(companionRunId), ...env },
      event: {
        name: "workflow_run",
        patch: (payload) => {
          const p = payload as { workflow_run: Record<string, unknown> };
          p.workflow_run.id = fork.run.runId;
          p.workflow_run.head_sha = fork.headSha;
          p.workflow_run.head_branch = fork.headRef;
          p.workflow_run.event = "pull_request";
          p.workflow_run.pull_requests = [];
          p.workflow_run.head_repository = {
            owner: { login: "contributor" },
            full_name: "contributor/digits",
          };
        },
      },
    });
    return { ...result, runnerTemp };
  }
});
let nextCompanionRun = 8800;
