import * as core from "@actions/core";
import { runAction } from "../../lib/action.ts";
import { getInputs } from "./inputs.ts";

export async function run(): Promise<void> {
  await runAction(async () => {
    const inputs = getInputs();
    // Loaded after the inputs are checked: a mistyped input fails before parsers and renderers load.
    if (inputs.mode === "post-from-artifact") {
      const { postFromArtifact } = await import("./post-from-artifact.ts");
      await postFromArtifact(inputs);
      return;
    }
    const { gate } = await import("./gate.ts");
    // gate() sets the outputs itself, before anything that talks to GitHub.
    const result = await gate(inputs);
    if (!result.report.passed) {
      core.setFailed(
        `The gate's verdict is '${result.report.verdict}', which fail-on '${result.report.failOn}' does not allow. See the report in the job summary.`,
      );
    }
  });
}
