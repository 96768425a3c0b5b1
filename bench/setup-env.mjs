#!/usr/bin/env node
// setup-env's install step, warm (environment restored from the cache) against cold (venv created, packages
// installed, environment and download cache saved), through the test rig against Azurite and the local cache
// service, as the integration tests run it.
//
//   /work/main/node_modules/.bin/node bench/setup-env.mjs [--runs 3]
//
// Two workloads, both said in the output:
// - the fixture wheelhouse (testing/fixtures/wheelhouse.ts: three small wheels, one with a
//   dependency), really installed into the venv with the index off;
// - the scikit-learn example with `system-site-packages: true`: PyPI is not reachable here and Debian ships
//   no wheels, so its pinned packages come from Debian's Python and pip only checks them. Neither workload
//   downloads scikit-learn's ~150 MB of wheels, as a hosted runner would: there the cold run is longer and
//   the warm/cold ratio smaller than shown.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildWheelhouse, SYSTEM_PYTHON } from "../testing/fixtures/wheelhouse.ts";
import { startArtifactServices } from "../testing/support/services.ts";
import { runAction } from "../testing/rig/index.ts";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);

const services = await startArtifactServices();
let runId = 50_000;
try {
  const wheelhouse = buildWheelhouse(mkdtempSync(join(tmpdir(), "mlops-bench-wheels-")));
  const workloads = [
    {
      name: "fixture wheelhouse (3 wheels installed)",
      project: "tests/fixtures/setup-env/projects/pip-basic",
      inputs: { "extra-args": `--no-index --find-links ${wheelhouse}` },
    },
    {
      name: "examples/sklearn-classifier (system-site-packages)",
      project: "examples/sklearn-classifier",
      inputs: { "system-site-packages": "true" },
    },
  ];
  const step = async (runnerTemp, workload) => {
    const workspace = mkdtempSync(join(tmpdir(), "mlops-bench-ws-"));
    cpSync(join(root, workload.project), workspace, { recursive: true });
    const id = runId++;
    const result = await runAction({
      action: "actions/setup-env/install",
      inputs: { "python-version": SYSTEM_PYTHON, ...workload.inputs },
      workspace,
      runnerTemp,
      github: { repository: "acme/bench", runId: id },
      env: { ...services.actionsEnv(id), PIP_NO_INDEX: "1", PIP_CACHE_DIR: join(runnerTemp, "pip-cache") },
    });
    if (result.exitCode !== 0) throw new Error(`setup-env failed:\n${result.stdout}\n${result.stderr}`);
    rmSync(workspace, { recursive: true, force: true });
    return result;
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`setup-env install step, pip, ${runs} runs each, median wall time of the step`);
  for (const workload of workloads) {
    const cold = [];
    const warm = [];
    for (let i = 0; i < runs; i++) {
      // A fresh RUNNER_TEMP means a new venv path, hence a new key: a true cold run.
      const runnerTemp = mkdtempSync(join(tmpdir(), `mlops-bench-temp-${i}-`));
      const first = await step(runnerTemp, workload);
      if (first.outputs["cache-hit"] !== "false") throw new Error("expected a cold run");
      cold.push(first.durationMs);
      rmSync(join(runnerTemp, "mlops-setup-env"), { recursive: true, force: true }); // a new job
      const second = await step(runnerTemp, workload);
      if (second.outputs["cache-hit"] !== "true") throw new Error("expected a warm run");
      warm.push(second.durationMs);
      rmSync(runnerTemp, { recursive: true, force: true });
    }
    console.log(`workload: ${workload.name}`);
    console.log(
      `  cold (venv + pip install + save)  ${median(cold).toFixed(0).padStart(6)} ms   [${cold.map((x) => x.toFixed(0)).join(", ")}]`,
    );
    console.log(
      `  warm (restore, cache-hit: true)   ${median(warm).toFixed(0).padStart(6)} ms   [${warm.map((x) => x.toFixed(0)).join(", ")}]`,
    );
    console.log(
      `  warm/cold ratio                   ${(median(warm) / median(cold)).toFixed(2)}  (cold/warm ${(median(cold) / median(warm)).toFixed(1)}x)`,
    );
  }
} finally {
  await services.close();
}
