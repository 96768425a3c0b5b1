import * as core from "@actions/core";
import { runAction } from "../../lib/action.ts";
import { getInputs } from "./inputs.ts";

export async function run(): Promise<void> {
  await runAction(async () => {
    const inputs = getInputs();
    const { setupEnvironment } = await import("./setup.ts");
    const result = await setupEnvironment(inputs);
    core.setOutput("python-path", result.pythonPath);
    core.setOutput("cache-hit", String(result.cacheHit));
    core.setOutput("env-digest", result.envDigest);
    core.setOutput("data-cache-hit", String(result.dataCacheHit));
    core.setOutput("manager", result.manager);
  });
}
