// What every JS action's main does around its own work: read inputs through @actions/core,
// and turn a thrown error into the right annotation and exit code.
import * as core from "@actions/core";
import { ConfigurationError } from "../formats/errors.ts";
import { Inputs } from "./inputs.ts";

export function actionInputs(): Inputs {
  return new Inputs((name) => core.getInput(name));
}

/** Runs an action body; a ConfigurationError becomes one error annotation, anything else shows its stack. */
export async function runAction(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    reportFailure(error);
  }
}

function reportFailure(error: unknown): void {
  if (error instanceof ConfigurationError) {
    const location = error.location;
    core.error(
      error.message,
      location
        ? { file: location.file, startLine: location.line, startColumn: location.column, title: error.name }
        : { title: error.name },
    );
  } else {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    core.error(`Unexpected failure (a bug in mlops-actions, please report it): ${text}`);
  }
  process.exitCode = 1;
}
