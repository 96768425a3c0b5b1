// npm run demo: the toolkit's chain on examples/sklearn-classifier as GitHub would run it, against local
// stand-ins (the GitHub REST double, the artifact and cache services, Debian's docker-registry behind a
// ghcr-like token service, examples/serving's stack), printing what a user sees:
//   1. a push to main trains the model, gates it and publishes v1 with the alias production;
//   2. a pull request changes a hyperparameter, trains again, and evaluate-gate compares it with
//      registry:digits@production, posting the sticky PR comment;
//   3. deploy puts production live on examples/serving; one inference request goes to it;
//   4. a broken v2 (its server never becomes ready) is deployed and rolled back to v1 on its own.
// Every server it starts is stopped at the end, on failure and on SIGINT/SIGTERM too.
// `--transcript <file>` also writes what the services received, for the test that checks the output.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Credentials } from "../src/registry/oci/credentials.ts";
import { createOciClient } from "../src/registry/oci/client.ts";
import { parseRegistryUrl, repositoryFor } from "../src/registry/oci/location.ts";
import { runAction, type ActionResult } from "../testing/rig/index.ts";
import type { GitHubDouble } from "../testing/services/github/index.ts";
import type { DeploymentRecord } from "../testing/services/github/state.ts";
import { startTestRegistry, type TestRegistry } from "../testing/services/registry/index.ts";
import { fakeSha, pullRequestRun, pushRun, REPO, startGitHub } from "../testing/support/github.ts";
import { startStack, WEBHOOK_SECRET, type ServingStack } from "../testing/support/serving.ts";
import { startArtifactServices, type ArtifactServices } from "../testing/support/services.ts";
import { checkoutExample, git, PYTHON } from "../testing/support/workspace.ts";
import { brokenCopy, inferenceRequest, postJson, type InferenceAnswer } from "./demo-support.ts";

const transcriptArg = process.argv.indexOf("--transcript");
const transcriptFile = transcriptArg > 0 ? process.argv[transcriptArg + 1] : undefined;
const MODEL = "digits";
const OWNER = REPO.split("/")[0] ?? "acme";
const RULES = [
  "accuracy >= 0.90",
  "f1_macro >= baseline - 0.02",
  "log_loss <= baseline * 1.10",
  "recall_macro >= baseline : warn",
].join("\n");
/** Registry users, each with what its job needs (ghcr.io: packages: write / packages: read). */
const PUBLISHER = { username: "release-bot", password: "ghs_demo_publisher" };
const READER = { username: "gate-bot", password: "ghs_demo_reader" };
const RECEIVER = { username: "serving", password: "ghs_demo_serving" };
/** How long the stack gives a new version to become ready: the broken v2 is given up after this. */
const READY_TIMEOUT_S = 30;

const bold = (text: string): string => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[0m` : text);
function section(title: string): void {
  console.log(`\n${bold(`━━ ${title} `.padEnd(78, "━"))}`);
}
function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}
/** The few metrics the rules name, from train-model's `metrics` output (per-class ones left out). */
function headline(metrics = "{}"): string {
  const all = JSON.parse(metrics) as Record<string, unknown>;
  return ["accuracy", "f1_macro", "recall_macro", "log_loss"].map((m) => `${m} ${String(all[m])}`).join(", ");
}
function check(step: string, result: ActionResult, expectedExit = 0): void {
  if (result.exitCode !== expectedExit) {
    throw new Error(
      `${step} exited ${result.exitCode} (expected ${expectedExit}):\n${errors(result)}\n${result.stderr}`,
    );
  }
}

// Everything started is stopped in reverse order, whatever happens.
const stops: Array<() => Promise<unknown>> = [];
async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) {
    await stop().catch((error: unknown) => console.error(`while stopping: ${String(error)}`));
  }
}
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the local services`);
    void stopAll().finally(() => process.exit(code));
  });
}

/** Every URL a started server listens on (the test checks that none answers after the demo). */
const listening: string[] = [];
async function start<T extends object>(
  what: string,
  begin: () => Promise<T>,
  urls: (t: T) => string[],
  stop: (t: T) => Promise<unknown>,
): Promise<T> {
  process.stderr.write(`starting ${what}…`);
  const started = await begin();
  stops.push(() => stop(started));
  listening.push(...urls(started));
  process.stderr.write(` ${urls(started).join(" ")}\n`);
  return started;
}

let services: ArtifactServices;
let github: GitHubDouble;
let registry: TestRegistry;
let stack: ServingStack;
const registryUrl = () => `http://${registry.host}/${OWNER}`;
const credentials = (user: { username: string; password: string }) => ({
  "registry-url": registryUrl(),
  "registry-username": user.username,
  "registry-password": user.password,
});

function registryClient(user: { username: string; password: string }) {
  const location = parseRegistryUrl(registryUrl());
  const auth: Credentials = { ...user, source: "the demo" };
  return createOciClient({ location, repository: repositoryFor(location, MODEL), credentials: auth });
}

/** 1. main: train, gate (absolute rules: nothing to compare with yet), publish v1 as production. */
async function mainBranch() {
  section("1. push to main: train, gate, publish v1 with alias production");
  const workspace = checkoutExample("sklearn-classifier");
  const headSha = git(workspace, "rev-parse", "HEAD").trim();
  github.state.seedCommits(REPO, headSha);
  const main = pushRun(github, services, "main", headSha);
  const step = main.step();
  const runnerTemp = mkdtempSync(join(tmpdir(), "mlops-demo-rt-"));
  const train = await runAction({
    action: "train-model",
    inputs: {
      command: `${PYTHON} train.py`,
      "model-path": "model",
      "model-name": MODEL,
      "data-paths": "data",
      "history-file": "history.csv",
    },
    workspace,
    runnerTemp,
    ...step,
  });
  check("train-model", train);
  console.log(`run ${main.runId} on main @ ${headSha.slice(0, 7)}: ${headline(train.outputs.metrics)}`);
  const jobEnv = { ...step.env, ...train.env };
  const gate = await runAction({
    action: "evaluate-gate",
    inputs: { rules: RULES, baseline: "none" },
    workspace,
    runnerTemp,
    ...step,
    env: jobEnv,
  });
  check("evaluate-gate (main)", gate);
  console.log(`evaluate-gate on main: verdict ${gate.outputs.verdict ?? "?"} (first version: no baseline)`);
  const publish = await runAction({
    action: "publish-model",
    inputs: { aliases: "production", ...credentials(PUBLISHER) },
    workspace,
    runnerTemp,
    ...step,
    env: jobEnv,
  });
  check("publish-model", publish);
  const { version = "", uri = "", digest = "" } = publish.outputs;
  console.log(`publish-model: ${version} → ${uri}`);
  console.log(`  digest ${digest}, aliases ${publish.outputs.aliases ?? ""}`);

  section(`The manifest of ${MODEL}@production, pulled back from the registry`);
  const pulled = await registryClient(READER).getManifest("production");
  if (!pulled) throw new Error(`${MODEL}@production is not in the registry after publish-model`);
  const manifest = JSON.parse(pulled.body.toString("utf8")) as unknown;
  console.log(`${registry.host}/${OWNER}/${MODEL}:production → ${pulled.digest}`);
  console.log(JSON.stringify(manifest, null, 2));
  return {
    workspace,
    headSha,
    record: train.outputs["run-record"] ?? "",
    publish: publish.outputs,
    manifest: pulled.body.toString("utf8"),
  };
}

/** 2. the PR: train with a changed hyperparameter, gate against the registry's production version. */
async function pullRequest(baseSha: string) {
  section("2. pull request #1: learning_rate 0.01 → 0.03, train and gate against production");
  const prHead = fakeSha("demo-pr");
  github.state.seedPull(REPO, {
    number: 1,
    title: "Raise the learning rate",
    head: { ref: "raise-lr", sha: prHead },
    base: { sha: baseSha },
  });
  const pr = pullRequestRun(github, services, { number: 1, headSha: prHead, baseSha, headRef: "raise-lr" });
  const workspace = checkoutExample("sklearn-classifier");
  const runnerTemp = mkdtempSync(join(tmpdir(), "mlops-demo-rt-"));
  const step = pr.step();
  const train = await runAction({
    action: "train-model",
    inputs: {
      command: `${PYTHON} train.py`,
      "model-path": "model",
      "data-paths": "data",
      "model-name": MODEL,
      "history-file": "history.csv",
      params: '{"learning_rate": 0.03}',
    },
    workspace,
    runnerTemp,
    ...step,
  });
  check("train-model", train);
  console.log(`run ${pr.runId} on PR #1 @ ${prHead.slice(0, 7)}: ${headline(train.outputs.metrics)}`);
  const baseline = `registry:${MODEL}@production`;
  const gate = await runAction({
    action: "evaluate-gate",
    inputs: { rules: RULES, baseline, ...credentials(READER) },
    workspace,
    runnerTemp,
    ...step,
    env: { ...step.env, ...train.env },
  });
  if (gate.exitCode !== 0 && gate.outputs.verdict === undefined) check("evaluate-gate", gate);
  const record = JSON.parse(readFileSync(join(runnerTemp, "mlops", MODEL, "mlops-gate.json"), "utf8")) as {
    baseline?: { spec?: string; file?: string };
  };
  console.log(`evaluate-gate: baseline ${record.baseline?.spec ?? "?"} = ${record.baseline?.file ?? "?"}`);
  console.log(
    `evaluate-gate: verdict ${gate.outputs.verdict ?? "?"}, passed ${gate.outputs.passed ?? "?"} (exit ${gate.exitCode})`,
  );

  section("The PR comment, as the GitHub double received it");
  const comments = github.state.comments(REPO, 1);
  for (const comment of comments) console.log(comment.body);

  section("The job summary of the gate step (first 30 lines)");
  console.log(gate.summary.split("\n").slice(0, 30).join("\n"));
  return { comments, verdict: gate.outputs.verdict, baseline: record.baseline };
}

let nextDeployRun = 9000;
/** The bundled deploy, as a job of a push run on main with environment production. */
async function deploy(model: string, expectedExit: number) {
  const sha = fakeSha("demo-deploy", String(nextDeployRun));
  github.state.seedCommits(REPO, sha);
  const run = pushRun(github, services, "main", sha);
  nextDeployRun++;
  const result = await runAction({
    action: "deploy",
    inputs: {
      model,
      ...credentials(PUBLISHER),
      environment: "production",
      target: "webhook",
      "webhook-url": `${stack.receiver}/deploy`,
      "webhook-secret": WEBHOOK_SECRET,
      "health-url": `${stack.front}/v2/models/${MODEL}`,
      "health-timeout": "120",
    },
    ...run.step(),
  });
  check(`deploy ${model}`, result, expectedExit);
  const o = result.outputs;
  console.log(
    `deploy ${model}: exit ${result.exitCode}, version ${o.version ?? ""}, digest ${o.digest ?? ""}, ` +
      `deployment ${o["deployment-id"] ?? ""}, rolled-back ${o["rolled-back"] ?? ""}` +
      (o["previous-version"] ? `, previous ${o["previous-version"]}` : ""),
  );
  if (o["failure-reason"]) console.log(`  failure-reason: ${o["failure-reason"]}`);
  return result;
}

const short = (digest: unknown): string => String(digest).slice(0, "sha256:".length + 12);

/** Each deployment of the repository with its statuses, as the GitHub double holds them. */
function printDeployments(): DeploymentRecord[] {
  const deployments = github.state.deployments(REPO);
  for (const d of deployments) {
    const p = (typeof d.payload === "string" ? JSON.parse(d.payload) : d.payload) as {
      version?: string;
      digest?: string;
      previous?: { version?: string };
    };
    console.log(
      `deployment ${d.id}: task ${d.task}, environment ${d.environment}, sha ${d.sha.slice(0, 7)}; ` +
        `payload version ${p.version ?? "?"}, digest ${short(p.digest)}…, previous ${p.previous?.version ?? "none"}`,
    );
    for (const s of d.statuses) {
      const url = s.environmentUrl ? ` → ${s.environmentUrl}` : "";
      console.log(`  ${s.createdAt}  ${s.state.padEnd(11)} ${s.description}${url}`);
    }
  }
  return deployments;
}

/** The deploy step's job summary: its timeline (resolve, target, health, smoke, load, rollback). */
function printTimeline(result: ActionResult): void {
  console.log(result.summary.trim());
}

async function infer(workspace: string): Promise<{ label: string; answer: InferenceAnswer }> {
  const { body, label } = inferenceRequest(join(workspace, "data", "digits.csv"));
  const url = `${stack.front}/v2/models/${MODEL}/infer`;
  const answer = await postJson(url, body);
  console.log(`POST ${url}  (a handwritten ${label})`);
  console.log(`  → ${JSON.stringify(answer)}`);
  return { label, answer };
}

async function current(): Promise<unknown> {
  const answer: unknown = await (await fetch(`${stack.receiver}/current`)).json();
  console.log(`receiver GET /current → ${JSON.stringify(answer)}`);
  return answer;
}

/** 3. and 4.: production goes live; then a broken v2 fails its readiness and is rolled back. */
async function deployments(main: {
  workspace: string;
  headSha: string;
  record: string;
  publish: Record<string, string>;
}) {
  const { workspace } = main;
  section(`3. deploy ${MODEL}@production to examples/serving`);
  const live = await deploy(`${MODEL}@production`, 0);
  printTimeline(live);
  const served = await infer(workspace);
  await current();

  section("The deployment, as the GitHub double holds it");
  printDeployments();

  section("4. a broken v2: published, deployed, rolled back on its own");
  const broken = brokenCopy(main.record, join(workspace, "model"));
  const publish = await runAction({
    action: "publish-model",
    inputs: {
      "run-record": join(broken, "mlops-run.json"),
      "require-gate": "false",
      ...credentials(PUBLISHER),
    },
    workspace: broken,
    ...pushRun(github, services, "main", main.headSha).step(),
  });
  check("publish-model (v2)", publish);
  console.log(`publish-model: ${publish.outputs.version ?? ""} → ${publish.outputs.uri ?? ""}`);
  console.log(`  (its model file is not a loadable model: the server starts but never becomes ready; the`);
  console.log(`   receiver gives it ${READY_TIMEOUT_S} s, traffic stays on v1 meanwhile)`);
  const failed = await deploy(`${MODEL}@${publish.outputs.version ?? "v2"}`, 1);
  console.log(`  the step failed with: ${errors(failed)}`);
  printTimeline(failed);
  console.log("\nAfter the rollback, the front answers:");
  const after = await infer(workspace);
  const currentAfter = await current();
  const productionAfter = (await registryClient(READER).headManifest("production"))?.digest ?? "";
  const still = productionAfter === main.publish.digest;
  console.log(
    `registry: ${MODEL}@production → ${productionAfter} (${still ? "still v1: the alias did not move" : "not v1 any more"})`,
  );

  section("The deployments after the rollback, as the GitHub double holds them");
  const held = printDeployments();
  return {
    live: live.outputs,
    served,
    failed: failed.outputs,
    after,
    currentAfter,
    productionAfter,
    deployments: held,
  };
}

try {
  services = await start(
    "Azurite and the artifact/cache results service",
    startArtifactServices,
    (s) => [new URL(s.azurite.blobUrl).origin, s.results.url],
    (s) => s.close(),
  );
  github = await start(
    "the GitHub REST double",
    () => startGitHub(services),
    (g) => [g.url],
    (g) => g.close(),
  );
  registry = await start(
    "docker-registry with ghcr-like token auth",
    () => startTestRegistry(),
    (r) => [r.origin, r.registryOrigin],
    (r) => r.close(),
  );
  registry.addUser({ ...PUBLISHER, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  registry.addUser({ ...READER, grants: { [`${OWNER}/*`]: ["pull"] } });
  registry.addUser({ ...RECEIVER, grants: { [`${OWNER}/*`]: ["pull"] } });
  stack = await start(
    "examples/serving's stack (nginx front + deploy receiver)",
    () =>
      startStack(MODEL, ["--registry", registry.host, "--ready-timeout", String(READY_TIMEOUT_S)], {
        MLOPS_REGISTRY_USERNAME: RECEIVER.username,
        MLOPS_REGISTRY_PASSWORD: RECEIVER.password,
      }),
    (s) => [s.front, s.receiver],
    (s) => s.stop(),
  );
  process.stderr.write("all local services are up\n");

  const main = await mainBranch();
  const pr = await pullRequest(main.headSha);
  const deployed = await deployments(main);

  github.assertNoViolations();
  if (transcriptFile) {
    writeFileSync(
      transcriptFile,
      JSON.stringify({
        comments: pr.comments.map((c) => ({ user: c.user, body: c.body })),
        artifacts: services.results.list().map((a) => ({ name: a.name, workflowRunId: a.workflowRunId })),
        verdict: pr.verdict,
        baseline: pr.baseline,
        published: main.publish,
        manifest: main.manifest,
        ...deployed,
        listening,
      }),
    );
  }
} finally {
  await stopAll();
}
