// train-model's speed, measured the way the runner runs it (the bundle in a Node 24 child process):
//   1. the wrapper's own overhead: `command: "true"` on a tiny model, no upload or cache, against bare
//      `node -e 0` and `bash -c true` in the same run;
//   2. a training-cache hit against the cold run on examples/sklearn-classifier, with the real
//      @actions/cache against Azurite and the local results service.
// Usage: node_modules/.bin/node bench/train-model.ts [--runs 9]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNode24, runAction } from "../testing/rig/index.ts";
import { startArtifactServices } from "../testing/support/services.ts";
import { checkoutExample, PYTHON } from "../testing/support/workspace.ts";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 9;
const node = findNode24();
const root = new URL("..", import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timeSpawn(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { env, stdio: "ignore" });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${String(result.status)}`);
    if (i >= 2) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

// 1. Overhead.
const workspace = mkdtempSync(join(tmpdir(), "mlops-bench-train-"));
mkdirSync(join(workspace, "model"));
writeFileSync(join(workspace, "model", "weights.bin"), Buffer.alloc(64 * 1024, 7));
writeFileSync(join(workspace, "metrics.json"), '{"accuracy": 0.9, "loss": 0.1}\n');
const temp = mkdtempSync(join(tmpdir(), "mlops-bench-runner-"));
const files = Object.fromEntries(
  ["GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "GITHUB_PATH"].map((name) => {
    const path = join(temp, name);
    writeFileSync(path, "");
    return [name, path];
  }),
);
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  RUNNER_TEMP: temp,
  GITHUB_WORKSPACE: workspace,
  GITHUB_REPOSITORY: "acme/bench",
  GITHUB_SERVER_URL: "https://github.com",
  ...files,
  INPUT_COMMAND: "true",
  "INPUT_MODEL-PATH": "model",
  INPUT_UPLOAD: "false",
  INPUT_CACHE: "false",
  "INPUT_METRICS-FILE": "metrics.json",
};
const bare = timeSpawn(node, ["-e", "0"], env);
const bash = timeSpawn("bash", ["-c", "true"], env);
const wrapper = timeSpawn(node, [join(root, "dist/train-model/index.js")], env);
console.log(`1. train-model wrapper overhead (command: true, 64 KiB model; median of ${runs})`);
console.log(`   node -e 0            ${bare.toFixed(1).padStart(7)} ms   1.00×`);
console.log(`   bash -c true         ${bash.toFixed(1).padStart(7)} ms`);
console.log(
  `   train-model bundle   ${wrapper.toFixed(1).padStart(7)} ms   ${(wrapper / bare).toFixed(2)}× bare node`,
);

// 2. Cache hit against cold, on the scikit-learn example.
const services = await startArtifactServices();
try {
  const runnerTemp = mkdtempSync(join(tmpdir(), "mlops-bench-cache-"));
  const inputs = {
    "working-directory": "ml",
    command: `${PYTHON} train.py`,
    "model-path": "model",
    "data-paths": "data",
    "history-file": "history.csv",
    upload: "false",
  };
  const trainOnce = async (runId: number) => {
    const started = process.hrtime.bigint();
    const result = await runAction({
      action: "train-model",
      inputs,
      workspace: checkoutExample("sklearn-classifier", { subdir: "ml" }),
      runnerTemp,
      github: { repository: "acme/digits", runId },
      env: services.actionsEnv(runId),
    });
    if (result.exitCode !== 0) throw new Error(result.stderr);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, hit: result.outputs["cache-hit"] };
  };
  const cold = await trainOnce(1);
  const warm: number[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 3)); i++) {
    const run = await trainOnce(2 + i);
    if (run.hit !== "true") throw new Error("expected a cache hit");
    warm.push(run.ms);
  }
  console.log("2. training cache on examples/sklearn-classifier (whole step, through the rig)");
  console.log(`   cold (trains, saves) ${cold.ms.toFixed(0).padStart(7)} ms`);
  console.log(
    `   cache hit (median)   ${median(warm).toFixed(0).padStart(7)} ms   ${(median(warm) / cold.ms).toFixed(2)}× cold`,
  );
} finally {
  await services.close();
}
