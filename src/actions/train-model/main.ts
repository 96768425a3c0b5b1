import * as core from "@actions/core";
import { runAction } from "../../lib/action.ts";
import { appendSummary } from "../../lib/summary.ts";
import { getInputs } from "./inputs.ts";

export async function run(): Promise<void> {
  await runAction(async () => {
    const inputs = getInputs();
    // Loaded after the inputs are checked: a mistyped input fails before parsers and schemas load.
    const [{ train }, { trainSummary }] = await Promise.all([import("./train.ts"), import("./summary.ts")]);
    const result = await train(inputs);
    if (!result.ok) {
      process.exitCode = result.exitCode;
      return;
    }
    const { record } = result;
    core.setOutput("metrics", JSON.stringify(record.metrics));
    core.setOutput("run-record", result.recordPath);
    core.setOutput("fingerprint", record.fingerprint);
    core.setOutput("cache-hit", String(result.cacheHit));
    core.setOutput("artifact-id", result.artifactId === undefined ? "" : String(result.artifactId));
    core.setOutput("model-digest", record.model.digest);
    core.setOutput("duration-seconds", String(record.run.durationSeconds));
    await appendSummary(trainSummary(record, result.cacheHit, inputs.artifactName, result.artifactId));
  });
}
