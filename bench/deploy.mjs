#!/usr/bin/env node
// deploy's own overhead: the deploy bundle (dist/deploy/index.js, run by testing/rig as the runner runs
// it; `npm run build` first) through the webhook to examples/serving's stack, against the target's own
// time in the same run: the receiver's time from the webhook's arrival to "switched" (its
// log line: its deploy's startedAt → finishedAt). overhead = the step's wall time − the
// receiver's time; median of --runs deploys, each of a new version (goal ≤ 1.5 s). Splits the overhead
// into the timeline's steps (resolve, the target beyond the receiver's own time, health) and says what
// the health poll interval adds. Steady traffic (--rate requests/s of OIP inference through the front)
// runs across every deploy: failed requests during the switches (goal 0). bench/request-trace.mjs, preloaded
// into the deploy process, logs its requests: how long Node takes to its first one, and how long the
// process sits idle before each GitHub write (Octokit's throttle spaces writes 1 s apart).
// The registry is a bare docker-registry (testing/services/registry), the Deployments go to the GitHub
// double; the model is the sklearn example trained by the train-model bundle, published as v1…vN by
// publish-model's own code (same files, another version each: a new manifest digest, a real switch).
//   node_modules/.bin/node bench/deploy.mjs [--runs 7] [--rate 20]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { publishModelPack } from "../src/actions/publish-model/publish-oci.ts";
import { buildModelPack } from "../src/modelpack/artifact.ts";
import { parseRunRecord } from "../src/record/record-io.ts";
import { ARTIFACT_MODEL_DIR, RUN_RECORD_FILE } from "../src/record/run-record.ts";
import { createOciClient } from "../src/registry/oci/client.ts";
import { parseRegistryUrl, repositoryFor } from "../src/registry/oci/location.ts";
import { runAction } from "../testing/rig/index.ts";
import { fakeSha, startGitHubDouble } from "../testing/services/github/index.ts";
import { startTestRegistry } from "../testing/services/registry/index.ts";
import { startStack, trainModelFolder, WEBHOOK_SECRET } from "../testing/support/serving.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "7" }, rate: { type: "string", default: "20" } },
});
const runs = Number(values.runs);
const rate = Number(values.rate);
const REPO = "bench/digits";
const MODEL = "digits";
const TOKEN = "ghs_bench_deploy";
const TRACE = new URL("request-trace.mjs", import.meta.url).pathname;
const temp = mkdtempSync(join(tmpdir(), "mlops-bench-deploy-"));

const stops = [];
try {
  const registry = await startTestRegistry({ auth: false });
  stops.push(() => registry.close());
  const github = await startGitHubDouble({ repos: [{ fullName: REPO, defaultBranch: "main" }] });
  stops.push(() => github.close());
  github.addToken(TOKEN, { permissions: { deployments: "write", contents: "read" } });
  const registryUrl = `http://${registry.host}/bench`;

  const trained = await trainModelFolder(MODEL, { epochs: 5 });
  for (let v = 1; v <= runs + 1; v++) await publish(trained.folder, `v${v}`, registryUrl);
  const stack = await startStack(MODEL, ["--registry", registry.host]);
  stops.push(() => stack.stop());

  let nextRun = 1;
  const deploy = async (version) => {
    const runId = nextRun++;
    const sha = fakeSha("bench-deploy", String(runId));
    github.state.seedCommits(REPO, sha);
    let spawnedAt = 0;
    const requestLog = join(temp, `requests-${runId}.jsonl`);
    const result = await runAction({
      action: "deploy",
      inputs: {
        model: `${MODEL}@${version}`,
        "registry-url": registryUrl,
        target: "webhook",
        "webhook-url": `${stack.receiver}/deploy`,
        "webhook-secret": WEBHOOK_SECRET,
        "health-url": `${stack.front}/v2/models/${MODEL}`,
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
      onSpawn: () => (spawnedAt = performance.now()),
      env: { NODE_OPTIONS: `--import ${TRACE}`, MLOPS_BENCH_REQUEST_LOG: requestLog },
    });
    const wallMs = performance.now() - spawnedAt;
    if (result.exitCode !== 0 || result.outputs.version !== version)
      throw new Error(
        `deploy ${version} failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`,
      );
    return {
      wallMs,
      receiverMs: await receiverMs(stack, version),
      steps: timelineSteps(result.summary),
      ...requestWaits(requestLog, github.url),
    };
  };

  // The first version goes live before any timing: every timed deploy then switches from one to the next.
  await deploy("v1");
  const traffic = steadyTraffic(`${stack.front}/v2/models/${MODEL}/infer`, rate);
  const measured = [];
  for (let v = 2; v <= runs + 1; v++) {
    const started = performance.now();
    const m = await deploy(`v${v}`);
    const during = await traffic.between(started, performance.now());
    measured.push({ ...m, ...during });
    console.log(
      `run ${v - 1} v${v}: step ${s(m.wallMs)}, receiver ${s(m.receiverMs)}, overhead ${s(m.wallMs - m.receiverMs)}` +
        ` (resolve ${s(m.steps.resolve.ms)}, target ${s(m.steps.target.ms)}, health ${s(m.steps.health.ms)}` +
        ` in ${m.steps.health.polls} poll(s); start ${s(m.startMs)}, before GitHub writes ${s(m.writeWaitMs)}); traffic ${during.sent} sent, ${during.failed} failed`,
    );
  }
  await traffic.stop();

  const med = (pick) => median(measured.map(pick));
  const failed = measured.reduce((n, m) => n + m.failed, 0);
  const sent = measured.reduce((n, m) => n + m.sent, 0);
  const overhead = med((m) => m.wallMs - m.receiverMs);
  console.log(`\n${runs} deploys, each a switch to a new version under ${rate} requests/s, medians:`);
  console.log(`  deploy step (wall)         ${s(med((m) => m.wallMs))}`);
  console.log(`  receiver, webhook→switched ${s(med((m) => m.receiverMs))}  (the target's own time)`);
  console.log(`  overhead                   ${s(overhead)}  (goal ≤ 1.5 s)`);
  console.log(`    resolve (registry)       ${s(med((m) => m.steps.resolve.ms))}`);
  console.log(
    `    target − receiver        ${s(med((m) => m.steps.target.ms - m.receiverMs))}  (signing, HTTP, 0.1 s timeline resolution)`,
  );
  console.log(
    `    health                   ${s(med((m) => m.steps.health.ms))} in ${med((m) => m.steps.health.polls)} poll(s)` +
      `: the receiver answers once switched, so the first poll (sent at once) passes and the poll interval` +
      ` (250 ms, ×1.5 up to 5 s) is never waited; a 202 answer would add up to the webhook's 1 s status poll`,
  );
  console.log(
    `    the rest                 ${s(med((m) => m.wallMs - m.steps.resolve.ms - m.steps.target.ms - m.steps.health.ms))}` +
      `  (Node start, inputs, Deployment and statuses in the GitHub double, alias move, previous → inactive), of which:`,
  );
  console.log(`      process start → first request  ${s(med((m) => m.startMs))}`);
  console.log(
    `      idle before GitHub writes      ${s(med((m) => m.writeWaitMs))} over ${med((m) => m.writes)} writes` +
      `  (@octokit/plugin-throttling spaces writes ≥ 1 s apart, GitHub's advice against secondary rate limits)`,
  );
  console.log(
    `  overhead less the idle time before GitHub writes: ${s(med((m) => m.wallMs - m.receiverMs - m.writeWaitMs))}`,
  );
  console.log(`  failed requests during the switches: ${failed} of ${sent} (goal 0)`);
  for (const stop of stops.splice(0).reverse()) await stop();
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(temp, { recursive: true, force: true });
}

/** publish-model's own code: the trained folder as `version` (a new manifest each: a new digest). */
async function publish(folder, version, registryUrl) {
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
  const location = parseRegistryUrl(registryUrl);
  const client = createOciClient({ location, repository: repositoryFor(location, MODEL) });
  await publishModelPack(client, pack, { version, label: MODEL, log: { info: () => undefined } });
}

/** The receiver's own time for the deploy of `version`, from its log line (webhook → switched). */
function receiverMs(stack, version) {
  const lines = [...stack.output().matchAll(/^receiver: deploy [0-9a-f]+ (\S+) succeeded in ([\d.]+) s/gm)];
  const seconds = lines.filter((m) => m[1] === version).at(-1)?.[2];
  if (!seconds)
    throw new Error(`the receiver's log has no succeeded deploy of ${version}:\n${stack.output()}`);
  return Number(seconds) * 1000;
}

/**
 * From bench/request-trace.mjs's log of one deploy process: the time from its start to its first request,
 * and the idle time (no request in flight) just before each write to the GitHub API — where the Octokit
 * throttle holds a write until 1 s after the previous one.
 */
function requestWaits(file, githubUrl) {
  const lines = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  const started = lines.find((l) => l.started !== undefined)?.started ?? 0;
  const requests = lines.filter((l) => l.method).sort((a, b) => a.start - b.start);
  const origin = new URL(githubUrl).origin;
  let writeWaitMs = 0;
  let writes = 0;
  for (const [i, r] of requests.entries()) {
    if (r.origin !== origin || r.method === "GET") continue;
    writes++;
    const before = requests.slice(0, i);
    if (before.some((b) => b.end > r.start)) continue; // something was in flight: not idle
    const lastEnd = Math.max(started, ...before.map((b) => b.end));
    writeWaitMs += r.start - lastEnd;
  }
  return { startMs: requests[0]?.start ?? started, writeWaitMs, writes };
}

/** The job summary's timeline rows: step → { ms, polls }. */
function timelineSteps(summary) {
  const steps = {};
  for (const m of summary.matchAll(/^\| (\w+) \| [\d:]+ \| ([\d.]+) s \| [^|]* \| ([^\n]*) \|$/gm)) {
    steps[m[1]] = { ms: Number(m[2]) * 1000, polls: Number(/after (\d+) poll/.exec(m[3])?.[1] ?? 0) };
  }
  for (const step of ["resolve", "target", "health"])
    if (!steps[step]) throw new Error(`the deploy summary has no ${step} row:\n${summary}`);
  return steps;
}

/** OIP inference through the front at `perSecond`, each request recorded with its time and outcome. */
function steadyTraffic(url, perSecond) {
  const body = JSON.stringify({
    inputs: [{ name: "input-0", shape: [1, 64], datatype: "FP32", data: Array(64).fill(0) }],
  });
  const results = [];
  const pending = new Set();
  const timer = setInterval(() => {
    const at = performance.now();
    const request = fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })
      .then(async (r) => {
        await r.arrayBuffer();
        results.push({ at, ok: r.ok, detail: `HTTP ${r.status}` });
      })
      .catch((error) => results.push({ at, ok: false, detail: String(error.cause ?? error) }))
      .finally(() => pending.delete(request));
    pending.add(request);
  }, 1000 / perSecond);
  return {
    /** Requests sent between `from` and `to`, once each of them has its answer. */
    async between(from, to) {
      await Promise.all(pending);
      const inside = results.filter((r) => r.at >= from && r.at <= to);
      const failures = inside.filter((r) => !r.ok);
      for (const f of failures.slice(0, 3)) console.log(`  failed request: ${f.detail}`);
      return { sent: inside.length, failed: failures.length };
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function s(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}
