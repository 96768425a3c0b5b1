#!/usr/bin/env node
// evaluate-gate's own time on a pull request: the bundle (dist/evaluate-gate/index.js) posts, then updates
// (a re-run), one ~5 KB report comment on a PR that already has 35 comments, against the GitHub REST double.
// Reference in the same run: bench/reference/sticky-comment.mjs, a plain Octokit script that lists the
// comments (every page) and creates or updates one, bundled with dist/'s esbuild settings. Both run as
// `node <file>` in a child Node 24 process, alternating, on a fresh PR each round. Goal: ours ≤ 1.5× the
// reference (median of create + update). Also counts each side's API requests.
// The gate runs without an artifact service (no ACTIONS_RUNTIME_TOKEN): its upload is skipped with a
// warning, as on a runner without one, so both sides do the same job: one comment.
// The double comes from testing/services/github, as bench/train-model.ts takes the rig from testing/.
// Usage: node_modules/.bin/node bench/gate-comment.mjs [--runs 11]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { parse } from "yaml";
import { esbuildOptions } from "../scripts/esbuild-options.mjs";
import { fakeSha, startGitHubDouble } from "../testing/services/github/index.ts";

const root = new URL("..", import.meta.url).pathname;
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 11;
// --profile <dir>: instead of timing, run the gate once (create, then update) with --cpu-prof into <dir>;
// --node-args "<args>": extra arguments to node for those profiled runs (e.g. --import a tracer).
const profileArg = process.argv.indexOf("--profile");
const profileDir = profileArg > 0 ? process.argv[profileArg + 1] : undefined;
const nodeArgsArg = process.argv.indexOf("--node-args");
const extraNodeArgs = nodeArgsArg > 0 ? process.argv[nodeArgsArg + 1].split(" ").filter(Boolean) : [];
const node = existsSync(join(root, "node_modules/.bin/node")) ? join(root, "node_modules/.bin/node") : "node";
const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
const REPO = "acme/bench";
const TOKEN = "ghs_bench_token";
const EARLIER_COMMENTS = 35;
// --gate <file>: another build of the bundle (e.g. a copy of an older dist/) in place of dist/'s.
const gateArg = process.argv.indexOf("--gate");
const GATE = gateArg > 0 ? process.argv[gateArg + 1] : join(root, "dist/evaluate-gate/index.js");

// The reference, bundled the way dist/ is.
const temp = mkdtempSync(join(tmpdir(), "mlops-bench-comment-"));
const referenceDir = join(temp, "reference");
await build({
  ...esbuildOptions(root),
  entryPoints: { index: join(root, "bench/reference/sticky-comment.mjs") },
  outdir: referenceDir,
});
writeFileSync(join(referenceDir, "package.json"), '{ "type": "module" }\n');
const REFERENCE = join(referenceDir, "index.js");

// A workspace with a candidate and a baseline whose report comment is about 5 KB.
const workspace = join(temp, "workspace");
mkdirSync(workspace);
const metrics = (shift) =>
  Object.fromEntries(
    Array.from({ length: 40 }, (_, i) => [
      `eval.metric_${String(i).padStart(2, "0")}`,
      0.8 + ((i * 37) % 17) / 100 + shift,
    ]),
  );
writeFileSync(join(workspace, "candidate.json"), `${JSON.stringify(metrics(0.004))}\n`);
writeFileSync(join(workspace, "baseline.json"), `${JSON.stringify(metrics(0))}\n`);
const rules = Array.from({ length: 40 }, (_, i) =>
  i % 2 === 0
    ? `eval.metric_${String(i).padStart(2, "0")} >= baseline - 0.01`
    : `eval.metric_${String(i).padStart(2, "0")} >= 0.5`,
).join("\n");

// The runner passes every declared input, with its default when the step gives none.
const manifest = parse(readFileSync(join(root, "actions/evaluate-gate/action.yml"), "utf8"));
const inputDefaults = Object.fromEntries(
  Object.entries(manifest.inputs).map(([name, spec]) => [
    `INPUT_${name.replace(/ /g, "_").toUpperCase()}`,
    String(spec.default ?? ""),
  ]),
);

const github = await startGitHubDouble({ repos: [{ fullName: REPO, defaultBranch: "main" }] });
github.addToken(TOKEN);
let nextPull = 1;
let nextRun = 9000;

/** A fresh PR with 35 earlier comments (people and another bot), and a pull_request event for it. */
function freshPull() {
  const number = nextPull++;
  const headSha = fakeSha("bench", String(number));
  github.state.seedPull(REPO, { number, head: { ref: `feature-${number}`, sha: headSha } });
  github.state.user("reviewer");
  github.state.user("other-bot[bot]", "Bot");
  for (let i = 0; i < EARLIER_COMMENTS; i++) {
    const user = i % 5 === 4 ? "other-bot[bot]" : "reviewer";
    github.state.seedComment(REPO, number, `Comment ${i} on #${number}: ${"looks fine ".repeat(20)}`, user);
  }
  const dir = mkdtempSync(join(temp, `pull-${number}-`));
  const eventPath = join(dir, "event.json");
  writeFileSync(
    eventPath,
    JSON.stringify({
      action: "synchronize",
      number,
      pull_request: {
        number,
        head: { ref: `feature-${number}`, sha: headSha, repo: { full_name: REPO } },
        base: { ref: "main", sha: fakeSha(REPO, "main") },
      },
      repository: { full_name: REPO, default_branch: "main" },
    }),
  );
  return { number, headSha, dir, eventPath, runId: nextRun++ };
}

function stepEnv(pull, attempt) {
  const runnerTemp = mkdtempSync(join(pull.dir, "runner-"));
  const files = Object.fromEntries(
    ["GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "GITHUB_PATH"].map((name) => {
      const path = join(runnerTemp, name);
      writeFileSync(path, "");
      return [name, path];
    }),
  );
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: "true",
    GITHUB_ACTIONS: "true",
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: REPO,
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: pull.eventPath,
    GITHUB_SHA: fakeSha("merge", String(pull.number), pull.headSha),
    GITHUB_REF: `refs/pull/${pull.number}/merge`,
    GITHUB_RUN_ID: String(pull.runId),
    GITHUB_RUN_ATTEMPT: String(attempt),
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_API_URL: github.url,
    ...files,
    ...inputDefaults,
    INPUT_CANDIDATE: "candidate.json",
    INPUT_BASELINE: "file:baseline.json",
    INPUT_RULES: rules,
    "INPUT_COMMENT-KEY": "bench",
    "INPUT_GITHUB-TOKEN": TOKEN,
  };
}

// CPU time (user + sys) of each child too, from /usr/bin/time when the machine has it: on a machine
// shared with other work, CPU time moves less than wall time.
const timeTool = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const cpuFile = join(temp, "cpu.txt");

/** Runs `node <file>` (asynchronously: the double serves from this process) and times it. */
function timeNode(file, env, nodeArgs = []) {
  const before = github.requests.length;
  const start = process.hrtime.bigint();
  const [command, args] = timeTool
    ? [timeTool, ["-f", "%U %S", "-o", cpuFile, node, ...nodeArgs, file]]
    : [node, [...nodeArgs, file]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: workspace, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const cpu = timeTool
        ? readFileSync(cpuFile, "utf8")
            .trim()
            .split(/\s+/)
            .reduce((sum, seconds) => sum + Number(seconds) * 1000, 0)
        : Number.NaN;
      if (code !== 0) reject(new Error(`${file} exited ${code}:\n${output}`));
      else resolve({ ms, cpu, output, requests: github.requests.slice(before) });
    });
  });
}

function gateComment(number) {
  const found = github.state
    .comments(REPO, number)
    .filter((c) => c.body.startsWith("<!-- mlops-actions:gate:bench -->"));
  if (found.length !== 1) throw new Error(`PR #${number} has ${found.length} gate comments, not 1`);
  return found[0];
}

// One gate run first: its comment is the reference's body, so both sides post the same bytes.
const warm = freshPull();
await timeNode(GATE, stepEnv(warm, 1));
const bodyFile = join(temp, "body.md");
writeFileSync(bodyFile, gateComment(warm.number).body);
const bodyBytes = Buffer.byteLength(readFileSync(bodyFile));
await timeNode(REFERENCE, { ...stepEnv(freshPull(), 1), REFERENCE_BODY_FILE: bodyFile });

if (profileDir) {
  for (const [side, file, extra] of [
    ["gate", GATE, {}],
    ["reference", REFERENCE, { REFERENCE_BODY_FILE: bodyFile }],
  ]) {
    const pull = freshPull();
    for (const attempt of [1, 2]) {
      const args = ["--cpu-prof", "--cpu-prof-dir", profileDir, ...extraNodeArgs];
      const { ms, output } = await timeNode(file, { ...stepEnv(pull, attempt), ...extra }, args);
      if (extraNodeArgs.length > 0) console.log(output);
      console.log(
        `${side} ${attempt === 1 ? "create" : "update"}: ${ms.toFixed(1)} ms (profile in ${profileDir})`,
      );
    }
  }
  await github.close();
  rmSync(temp, { recursive: true, force: true });
  process.exit(0);
}

const samples = { gate: { create: [], update: [] }, reference: { create: [], update: [] } };
const cpuSamples = { gate: { create: [], update: [] }, reference: { create: [], update: [] } };
const requests = {};
const sides = {
  gate: async (pull, attempt) => timeNode(GATE, stepEnv(pull, attempt)),
  reference: async (pull, attempt) =>
    timeNode(REFERENCE, { ...stepEnv(pull, attempt), REFERENCE_BODY_FILE: bodyFile }),
};
for (let round = 0; round < runs; round++) {
  const order = round % 2 === 0 ? ["gate", "reference"] : ["reference", "gate"];
  const pulls = Object.fromEntries(order.map((side) => [side, freshPull()]));
  for (const [phase, attempt] of [
    ["create", 1],
    ["update", 2],
  ]) {
    for (const side of order) {
      const { ms, cpu, requests: made } = await sides[side](pulls[side], attempt);
      samples[side][phase].push(ms);
      cpuSamples[side][phase].push(cpu);
      requests[`${side} ${phase}`] = made.map((r) => `${r.route ?? `${r.method} ${r.url}`} → ${r.status}`);
    }
  }
  for (const side of order) gateCommentOrMarker(side, pulls[side].number);
}

function gateCommentOrMarker(side, number) {
  if (side === "gate") gateComment(number);
  else if (github.state.comments(REPO, number).length !== EARLIER_COMMENTS + 1)
    throw new Error(`reference left PR #${number} without exactly one new comment`);
}

github.assertNoViolations();
await github.close();
rmSync(temp, { recursive: true, force: true });

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
const table = (measured) => {
  const total = (side) => measured[side].create.map((ms, i) => ms + measured[side].update[i]);
  return [
    ...["create", "update"].map((phase) => [
      phase,
      median(measured.gate[phase]),
      median(measured.reference[phase]),
    ]),
    ["create + update", median(total("gate")), median(total("reference"))],
  ];
};
const wall = table(samples);
const ratio = wall[2][1] / wall[2][2];

console.log(
  `gate-comment: Node ${version}, ${runs} rounds alternating, a ${bodyBytes}-byte comment on a PR with ${EARLIER_COMMENTS} earlier comments`,
);
for (const [title, rows] of [
  ["median wall ms", wall],
  ...(timeTool ? [["median CPU ms (user + sys)", table(cpuSamples)]] : []),
]) {
  console.log(
    `  ${title.padEnd(26)} ${"gate".padStart(8)} ${"reference".padStart(10)} ${"ratio".padStart(6)}`,
  );
  for (const [name, ours, reference] of rows)
    console.log(
      `    ${name.padEnd(24)} ${ours.toFixed(1).padStart(8)} ${reference.toFixed(1).padStart(10)} ${(ours / reference).toFixed(2).padStart(6)}`,
    );
}
console.log(
  `  goal: gate ≤ 1.5× reference (create + update, wall): ${ratio.toFixed(2)}× ${ratio <= 1.5 ? "met" : "NOT met"}`,
);
for (const [name, list] of Object.entries(requests)) {
  console.log(`  API requests, ${name}: ${list.length}`);
  for (const line of list) console.log(`    ${line}`);
}
if (ratio > 1.5) process.exitCode = 1;
