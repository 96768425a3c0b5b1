// deploy's lifecycle around the GitHub Deployment, through the bundled action and the rig: a re-run reuses
// its deployment; two models in one environment never touch each other's deployments or rollbacks; the
// replaced deployment ends inactive; steady traffic through examples/serving's nginx front sees no failed
// request during a deploy and a rollback; bad inputs fail clearly with nothing left in_progress; the
// command target's timeout and cancellation stop its process group. One serving stack for the file; the
// command-target tests use a model name of their own, the webhook tests an environment of their own.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishModelPack } from "../../src/actions/publish-model/publish-oci.ts";
import { buildModelPack } from "../../src/modelpack/artifact.ts";
import { parseRunRecord } from "../../src/record/record-io.ts";
import { ARTIFACT_MODEL_DIR, RUN_RECORD_FILE } from "../../src/record/run-record.ts";
import { createOciClient } from "../../src/registry/oci/client.ts";
import { parseRegistryUrl, repositoryFor } from "../../src/registry/oci/location.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../testing/services/github/index.ts";
import { startTestRegistry, type TestRegistry } from "../../testing/services/registry/index.ts";
import {
  folderWithModelBytes,
  startStack,
  trainModelFolder,
  waitFor,
  WEBHOOK_SECRET,
  type ServingStack,
} from "../../testing/support/serving.ts";
import { describeTraffic, steadyTraffic, type TrafficReport } from "../../testing/support/traffic.ts";
import { PYTHON, REPO_ROOT } from "../../testing/support/workspace.ts";

const OWNER = "acme";
const REPO = `${OWNER}/digits`;
/** The model the stack serves (webhook tests); command-target tests publish the same files under their own names. */
const MODEL = "lifecycle";
const PUBLISHER = { username: "publisher", password: "ghs_publisher" };
const DEPLOYER = { username: "deployer", password: "ghs_deployer" };
const RECEIVER = { username: "receiver", password: "ghs_receiver" };
const TOKEN = "ghs_lifecycle_token";
const READY_TIMEOUT = 60;

let github: GitHubDouble;
let registry: TestRegistry;
let stack: ServingStack;
let goodFolder: string;
let constantFolder: string;
const registryUrl = () => `http://${registry.host}/${OWNER}`;

async function publish(folder: string, name: string, version: string): Promise<string> {
  const recordBytes = readFileSync(join(folder, RUN_RECORD_FILE));
  const record = parseRunRecord(recordBytes.toString("utf8"), RUN_RECORD_FILE);
  const pack = buildModelPack({
    record,
    recordBytes: new Uint8Array(recordBytes),
    modelRoot: join(folder, ARTIFACT_MODEL_DIR),
    card: `# ${name} ${version}\n`,
    version,
    serverUrl: "https://github.com",
  });
  const location = parseRegistryUrl(registryUrl());
  const client = createOciClient({
    location,
    repository: repositoryFor(location, name),
    credentials: { ...PUBLISHER, source: "the test" },
  });
  const { digest } = await publishModelPack(client, pack, {
    version,
    label: name,
    log: { info: () => undefined },
  });
  return digest;
}

/** The first row of the example's data (a 0) and a model file that answers 7 to everything. */
const FIRST_ROW = (
  readFileSync(join(REPO_ROOT, "examples/sklearn-classifier/data/digits.csv"), "utf8").split("\n")[1] ?? ""
)
  .split(",")
  .slice(0, 64)
  .map(Number);

function constantModel(): Buffer {
  const file = join(mkdtempSync(join(tmpdir(), "mlops-constant-")), "model.joblib");
  execFileSync(PYTHON, [
    "-c",
    "import sys, joblib, numpy\nfrom sklearn.dummy import DummyClassifier\n" +
      "m = DummyClassifier(strategy='constant', constant=7).fit(numpy.zeros((2, 64)), [7, 1])\njoblib.dump(m, sys.argv[1])",
    file,
  ]);
  return readFileSync(file);
}

beforeAll(async () => {
  registry = await startTestRegistry();
  registry.addUser({ ...PUBLISHER, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  registry.addUser({ ...DEPLOYER, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  registry.addUser({ ...RECEIVER, grants: { [`${OWNER}/*`]: ["pull"] } });
  github = await startGitHubDouble({ repos: [{ fullName: REPO, defaultBranch: "main" }] });
  github.addToken(TOKEN, { permissions: { deployments: "write", contents: "read" } });
  const trained = await trainModelFolder(MODEL, { epochs: 5 });
  goodFolder = trained.folder;
  constantFolder = folderWithModelBytes(trained, constantModel());
  // v1 and v2: the same good files under two versions (two digests); v3 serves, but answers 7 to a 0.
  await publish(goodFolder, MODEL, "v1");
  await publish(goodFolder, MODEL, "v2");
  await publish(constantFolder, MODEL, "v3");
  stack = await startStack(MODEL, ["--registry", registry.host, "--ready-timeout", String(READY_TIMEOUT)], {
    MLOPS_REGISTRY_USERNAME: RECEIVER.username,
    MLOPS_REGISTRY_PASSWORD: RECEIVER.password,
  });
}, 300_000);

afterAll(async () => {
  try {
    if (stack) expect(await stack.stop()).toBe(0);
  } finally {
    await registry?.close();
    await github?.close();
  }
});

let nextRun = 8100;

interface DeployOptions {
  runId?: number;
  attempt?: number;
  workspace?: string;
  signal?: AbortSignal;
}

function deploy(inputs: Record<string, string>, options: DeployOptions = {}): Promise<ActionResult> {
  const runId = options.runId ?? nextRun++;
  const sha = fakeSha("lifecycle", String(runId));
  github.state.seedCommits(REPO, sha);
  return runAction({
    action: "deploy",
    inputs: {
      "registry-url": registryUrl(),
      "registry-username": DEPLOYER.username,
      "registry-password": DEPLOYER.password,
      "github-token": TOKEN,
      ...inputs,
    },
    github: {
      repository: REPO,
      repositoryId: github.state.repo(REPO).id,
      runId,
      runAttempt: options.attempt ?? 1,
      sha,
      ref: "refs/heads/main",
      token: TOKEN,
      apiUrl: github.url,
    },
    ...(options.workspace ? { workspace: options.workspace } : {}),
    ...(options.signal ? { signal: options.signal, killGraceMs: { sigint: 5000, sigterm: 2000 } } : {}),
  });
}

/** Deploys the stack's model through the webhook, checked against the front. */
function webhookDeploy(version: string, environment: string, extra: Record<string, string> = {}) {
  return deploy({
    model: `${MODEL}@${version}`,
    target: "webhook",
    "webhook-url": `${stack.receiver}/deploy`,
    "webhook-secret": WEBHOOK_SECRET,
    "health-url": `${stack.front}/v2/models/${MODEL}`,
    "health-timeout": "120",
    environment,
    ...extra,
  });
}

/** The command target over `name` (published here as v1 and v2); the command appends to calls.log. */
const RECORD = 'echo "$MLOPS_MODEL_VERSION $MLOPS_ROLLBACK $MLOPS_DEPLOYMENT_ID" >> calls.log';
function commandDeploy(
  name: string,
  version: string,
  environment: string,
  workspace: string,
  extra: Record<string, string> = {},
  options: DeployOptions = {},
) {
  return deploy(
    { model: `${name}@${version}`, target: "command", command: RECORD, environment, ...extra },
    { ...options, workspace },
  );
}

const calls = (workspace: string) =>
  existsSync(join(workspace, "calls.log"))
    ? readFileSync(join(workspace, "calls.log"), "utf8").trim().split("\n")
    : [];

const deploymentsOf = (model: string, environment?: string) =>
  github.state
    .deployments(REPO)
    .filter(
      (d) => d.task === `deploy:${model}` && (environment === undefined || d.environment === environment),
    );
const lastState = (id: string | number | undefined) =>
  github.state
    .deployments(REPO)
    .find((d) => String(d.id) === String(id))
    ?.statuses.at(-1)?.state;

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

const log = (result: ActionResult) => `${result.stdout}\n${result.stderr}`;
const served = async () =>
  ((await (await fetch(`${stack.front}/v2/models/${MODEL}`)).json()) as { version?: string }).version;

async function publishAs(name: string): Promise<void> {
  await publish(goodFolder, name, "v1");
  await publish(goodFolder, name, "v2");
}

function workspace(): string {
  return mkdtempSync(join(tmpdir(), "mlops-lifecycle-ws-"));
}

describe("the deployment of a run", () => {
  it("a re-run (new attempt of the same run) reuses its deployment instead of making a second", async () => {
    const name = "rerun-model";
    await publishAs(name);
    const ws = workspace();
    const runId = nextRun++;
    const first = await commandDeploy(name, "v1", "production", ws, {}, { runId, attempt: 1 });
    expect(first.exitCode, log(first)).toBe(0);
    const again = await commandDeploy(name, "v1", "production", ws, {}, { runId, attempt: 2 });
    expect(again.exitCode, log(again)).toBe(0);
    expect(again.outputs["deployment-id"]).toBe(first.outputs["deployment-id"]);
    expect(again.stdout).toContain("(reused from an earlier attempt)");
    expect(deploymentsOf(name)).toHaveLength(1);
    expect(lastState(first.outputs["deployment-id"])).toBe("success");
    // Both attempts ran the target with the one deployment's id.
    expect(calls(ws)).toEqual([
      `v1 false ${first.outputs["deployment-id"]}`,
      `v1 false ${first.outputs["deployment-id"]}`,
    ]);
    // A new run is a new deployment, and the re-run's one is replaced (inactive).
    const next = await commandDeploy(name, "v2", "production", ws);
    expect(next.exitCode, log(next)).toBe(0);
    expect(deploymentsOf(name)).toHaveLength(2);
    expect(lastState(first.outputs["deployment-id"])).toBe("inactive");
    github.assertNoViolations();
  }, 120_000);
});

describe("two models in one environment", () => {
  it("never touch each other's deployments or rollbacks; each one's replaced deployment ends inactive", async () => {
    const env = "shared";
    const other = "shared-other";
    await publishAs(other);
    const ws = workspace();
    const a1 = await webhookDeploy("v1", env);
    expect(a1.exitCode, log(a1)).toBe(0);
    const b1 = await commandDeploy(other, "v1", env, ws);
    expect(b1.exitCode, log(b1)).toBe(0);
    // b1 saw nothing before it: the other model's success is not its previous.
    expect(b1.outputs["previous-version"]).toBe("");

    const a2 = await webhookDeploy("v2", env);
    expect(a2.exitCode, log(a2)).toBe(0);
    expect(a2.outputs["previous-version"]).toBe("v1");
    expect(lastState(a1.outputs["deployment-id"])).toBe("inactive");
    expect(lastState(b1.outputs["deployment-id"])).toBe("success");

    // The other model's v2 fails: it rolls back to ITS v1, and this model's deployments stay as they were.
    const before = JSON.stringify(deploymentsOf(MODEL, env).map((d) => d.statuses));
    const failing = `${RECORD}; if [ "$MLOPS_MODEL_VERSION" = v2 ] && [ "$MLOPS_ROLLBACK" = false ]; then echo boom >&2; exit 4; fi`;
    const b2 = await commandDeploy(other, "v2", env, ws, { command: failing });
    expect(b2.exitCode, log(b2)).toBe(1);
    expect(b2.outputs).toMatchObject({ "rolled-back": "true", "previous-version": "v1" });
    expect(errors(b2)).toContain("exited with code 4");
    expect(calls(ws).at(-1)).toBe(`v1 true ${b2.outputs["deployment-id"]}`);
    expect(lastState(b2.outputs["deployment-id"])).toBe("failure");
    expect(lastState(b1.outputs["deployment-id"])).toBe("success");
    expect(JSON.stringify(deploymentsOf(MODEL, env).map((d) => d.statuses))).toBe(before);
    expect(lastState(a2.outputs["deployment-id"])).toBe("success");
    expect(await served()).toBe("v2");
    github.assertNoViolations();
  }, 300_000);
});

describe("steady traffic through the front", () => {
  function inferTraffic() {
    const body = JSON.stringify({
      inputs: [{ name: "input-0", shape: [1, 64], datatype: "FP32", data: FIRST_ROW }],
    });
    return steadyTraffic(async () => {
      const answer = await fetch(`${stack.front}/v2/models/${MODEL}/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const json = (await answer.json()) as { model_version?: string };
      return { status: answer.status, ...(json.model_version ? { version: json.model_version } : {}) };
    });
  }

  function expectSteady(report: TrafficReport, versions: [string, string]): void {
    console.info(`deploy under traffic: ${describeTraffic(report, versions)}`);
    expect(report.failures).toEqual([]);
    expect(report.sent).toBeGreaterThanOrEqual(0.9 * report.planned);
    for (const v of versions)
      expect(
        report.answers.some((a) => a.version === v),
        v,
      ).toBe(true);
  }

  it("sees zero non-2xx during a deploy and during a rollback", async () => {
    const env = "traffic";
    const first = await webhookDeploy("v2", env);
    expect(first.exitCode, log(first)).toBe(0);

    // A deploy: v2 → v1.
    let traffic = inferTraffic();
    let report: TrafficReport;
    let result: ActionResult;
    try {
      await waitFor("v2 answering", () => traffic.seen("v2") >= 10);
      result = await webhookDeploy("v1", env);
      const after = traffic.seen("v1");
      await waitFor("v1 answering", () => traffic.seen("v1") >= after + 10);
    } finally {
      report = await traffic.stop();
    }
    expect(result.exitCode, log(result)).toBe(0);
    expectSteady(report, ["v2", "v1"]);

    // A rollback: v3 goes live, fails the smoke test (it answers 7 to a 0), and v1 comes back.
    const ws = workspace();
    writeFileSync(
      join(ws, "smoke.yml"),
      JSON.stringify({
        requests: [
          {
            name: "a zero",
            method: "POST",
            path: `/v2/models/${MODEL}/infer`,
            body: { inputs: [{ name: "input-0", shape: [1, 64], datatype: "FP32", data: FIRST_ROW }] },
            expect: { status: 200, json: { "outputs.0.data.0": 0 } },
          },
        ],
      }),
    );
    traffic = inferTraffic();
    try {
      await waitFor("v1 answering", () => traffic.seen("v1") >= 10);
      result = await deploy(
        {
          model: `${MODEL}@v3`,
          target: "webhook",
          "webhook-url": `${stack.receiver}/deploy`,
          "webhook-secret": WEBHOOK_SECRET,
          "health-url": `${stack.front}/v2/models/${MODEL}`,
          "health-timeout": "120",
          "smoke-test": "smoke.yml",
          environment: env,
        },
        { workspace: ws },
      );
      const after = traffic.seen("v1");
      await waitFor("v1 answering again", () => traffic.seen("v1") >= after + 10);
    } finally {
      report = await traffic.stop();
    }
    expect(result.exitCode, log(result)).toBe(1);
    expect(result.outputs).toMatchObject({ version: "v3", "rolled-back": "true", "previous-version": "v1" });
    expectSteady(report, ["v1", "v3"]);
    expect(await served()).toBe("v1");
    expect(lastState(result.outputs["deployment-id"])).toBe("failure");
    github.assertNoViolations();
  }, 300_000);
});

describe("bad inputs fail clearly and leave no deployment in_progress", () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  const unknownDigest = `sha256:${"0".repeat(64)}`;
  const cases: Array<{
    title: string;
    inputs: (name: string) => Record<string, string> | Promise<Record<string, string>>;
    message: RegExp;
    /** Whether the mistake is found before the deployment is made. */
    before: boolean;
  }> = [
    {
      title: "an unknown target",
      inputs: (name) => ({ model: `${name}@v1`, target: "kubernetes" }),
      message: /Input 'target'.*"kubernetes".*Use one of: webhook, command/,
      before: true,
    },
    {
      title: "a webhook target without webhook-secret",
      inputs: (name) => ({
        model: `${name}@v1`,
        target: "webhook",
        "webhook-url": `${stack.receiver}/deploy`,
      }),
      message: /Input 'webhook-secret' is required but empty.*secrets\.DEPLOY_WEBHOOK_SECRET/,
      before: true,
    },
    {
      title: "a digest the registry lacks",
      inputs: (name) => ({ model: `${name}@${unknownDigest}`, target: "command", command: "true" }),
      message: new RegExp(`The registry has no .*${unknownDigest}\\. Check 'model'`),
      before: true,
    },
    {
      title: "an unreachable health URL",
      inputs: async (name) => ({
        model: `${name}@v1`,
        target: "command",
        command: "true",
        "health-url": `http://127.0.0.1:${await closedPort()}/healthz`,
        "health-timeout": "2",
      }),
      message: /healthz was not healthy within health-timeout \(2 s.*nothing to roll back to/,
      before: false,
    },
  ];

  cases.forEach(({ title, inputs, message, before }, index) => {
    it(
      title,
      async () => {
        const name = `bad-input-${index}`;
        await publishAs(name);
        const result = await deploy({ environment: "production", ...(await inputs(name)) });
        expect(result.exitCode, log(result)).toBe(1);
        const text = errors(result);
        expect(text).toMatch(message);
        expect(text).not.toMatch(/\n\s+at /); // no stack
        expect(text).not.toContain("Unexpected failure");
        const made = deploymentsOf(name);
        if (before) expect(made).toEqual([]);
        else {
          expect(made).toHaveLength(1);
          expect(made[0]?.statuses.at(-1)?.state).toBe("failure");
        }
        for (const d of made) expect(d.statuses.at(-1)?.state).not.toBe("in_progress");
        github.assertNoViolations();
      },
      120_000,
    );
  });
});

describe("the command target's timeout and cancellation", () => {
  // The command starts a background sleeper, records both pids and waits, for v2 (not when rolling back).
  const HANGS = `${RECORD}; if [ "$MLOPS_MODEL_VERSION" = v2 ] && [ "$MLOPS_ROLLBACK" = false ]; then sleep 300 & echo $! > pids; echo $$ >> pids; wait; fi`;

  function pids(ws: string): number[] {
    return readFileSync(join(ws, "pids"), "utf8").trim().split("\n").map(Number);
  }

  function running(pid: number): boolean {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
      return false;
    }
  }

  async function alive(pid: number): Promise<boolean> {
    for (let i = 0; i < 40 && running(pid); i++) await new Promise((r) => setTimeout(r, 25));
    return running(pid);
  }

  it("rejects a command-timeout that is not a number of seconds, before any deployment", async () => {
    const name = "timeout-bad";
    await publishAs(name);
    const result = await commandDeploy(name, "v1", "production", workspace(), { "command-timeout": "ten" });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(/Input 'command-timeout' is not a number \(got "ten"\)/);
    expect(deploymentsOf(name)).toEqual([]);
  });

  it("command-timeout stops the whole process group, fails clearly and rolls back", async () => {
    const name = "timeout-model";
    await publishAs(name);
    const ws = workspace();
    const v1 = await commandDeploy(name, "v1", "production", ws, { command: HANGS });
    expect(v1.exitCode, log(v1)).toBe(0);
    const v2 = await commandDeploy(name, "v2", "production", ws, { command: HANGS, "command-timeout": "2" });
    expect(v2.exitCode, log(v2)).toBe(1);
    expect(errors(v2)).toMatch(
      /ran longer than command-timeout \(2 s\) and was stopped with its whole process group\. Raise 'command-timeout'/,
    );
    expect(errors(v2)).toContain("rolled back to v1");
    for (const pid of pids(ws)) expect(await alive(pid), `pid ${pid}`).toBe(false);
    expect(calls(ws).at(-1)).toBe(`v1 true ${v2.outputs["deployment-id"]}`);
    expect(v2.outputs["rolled-back"]).toBe("true");
    expect(lastState(v2.outputs["deployment-id"])).toBe("failure");
    expect(lastState(v1.outputs["deployment-id"])).toBe("success");
    github.assertNoViolations();
  }, 120_000);

  it("a cancelled job stops the command's process group and ends the deployment error, without a rollback", async () => {
    const name = "cancel-model";
    await publishAs(name);
    const ws = workspace();
    const v1 = await commandDeploy(name, "v1", "production", ws, { command: HANGS });
    expect(v1.exitCode, log(v1)).toBe(0);
    const controller = new AbortController();
    const running2 = commandDeploy(
      name,
      "v2",
      "production",
      ws,
      { command: HANGS },
      { signal: controller.signal },
    );
    await waitFor("the command's pids", () => existsSync(join(ws, "pids")) && pids(ws).length === 2);
    controller.abort();
    const v2 = await running2;
    expect(v2.cancelled).toBe(true);
    expect(v2.exitCode, log(v2)).not.toBe(0);
    expect(errors(v2)).toMatch(
      /The job was cancelled \(SIGINT\); the deploy command's process group was stopped\./,
    );
    expect(errors(v2)).toContain(`run deploy with model: ${name}@v1 to put it back`);
    for (const pid of pids(ws)) expect(await alive(pid), `pid ${pid}`).toBe(false);
    expect(calls(ws).filter((line) => line.includes(" true "))).toEqual([]);
    const state = lastState(v2.outputs["deployment-id"] ?? deploymentsOf(name).at(-1)?.id);
    expect(state).toBe("error");
    expect(lastState(v1.outputs["deployment-id"])).toBe("success");
    github.assertNoViolations();
  }, 120_000);
});
