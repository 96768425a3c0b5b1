// train-model's inputs, read and checked once. Names match actions/train-model/action.yml.
import { actionInputs } from "../../lib/action.ts";
import { defaultModelName } from "../../lib/run-context.ts";
import { ConfigurationError, InputError } from "../../formats/errors.ts";
import { checkPathInputs, checkedWorkingDirectory, type PathRoots } from "../../workspace/paths.ts";
import { NEVER_PASSED } from "../../training/environment.ts";

/** Characters @actions/artifact rejects in an artifact name (NTFS limits, path separators). */
const ARTIFACT_NAME_FORBIDDEN = ['"', ":", "<", ">", "|", "*", "?", "\r", "\n", "\\", "/"];

export interface TrainInputs {
  command: string;
  /** Absolute. */
  workingDirectory: string;
  /** Raw YAML/JSON mapping text; parsed with the params file. */
  params: string | undefined;
  /** Relative to workingDirectory; undefined = params.yaml when present. */
  paramsFile: string | undefined;
  metricsFile: string;
  historyFile: string | undefined;
  modelPath: string;
  modelName: string;
  dataPaths: string[];
  codePaths: string[];
  dataProfile: string | undefined;
  cache: boolean;
  cacheMaxBytes: number;
  upload: boolean;
  artifactName: string;
  retentionDays: number | undefined;
  timeoutMs: number | undefined;
  /** Withheld variables the command gets anyway (see src/training/environment.ts). */
  envPassthrough: string[];
  /** Where path inputs may lead (src/workspace/paths.ts). */
  pathRoots: PathRoots;
}

export function getInputs(env: NodeJS.ProcessEnv = process.env): TrainInputs {
  if (process.platform === "win32") {
    // Stopping a training run (timeout, cancellation) relies on POSIX process groups.
    throw new ConfigurationError(
      "train-model runs on Linux and macOS runners; Windows runners are not supported (it stops training through POSIX process groups). Use 'runs-on: ubuntu-latest' for the training job.",
    );
  }
  const inputs = actionInputs();
  const {
    input: workingDirectoryInput,
    path: workingDirectory,
    roots: pathRootsInput,
  } = checkedWorkingDirectory(env, inputs.string("working-directory", "."), inputs.lines("path-roots"));
  const modelPath = inputs.required(
    "model-path",
    "Set 'model-path' to the file or folder your command writes.",
  );
  const modelName = inputs.optional("model-name") ?? defaultModelName(env, workingDirectoryInput);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(modelName)) {
    throw new InputError(
      "model-name",
      modelName,
      "is not a valid model name",
      "Use letters, digits, '.', '_' and '-' (at most 100, starting with a letter or digit).",
    );
  }
  const artifactName = inputs.optional("artifact-name") ?? `mlops-run-${modelName}`;
  // @actions/artifact's own check, made here so that a bad name fails before training, not after it.
  const badCharacter = ARTIFACT_NAME_FORBIDDEN.find((char) => artifactName.includes(char));
  if (badCharacter !== undefined) {
    throw new InputError(
      "artifact-name",
      artifactName,
      `contains ${JSON.stringify(badCharacter)}, which artifact names may not`,
      `Use a name without ${ARTIFACT_NAME_FORBIDDEN.map((c) => JSON.stringify(c)).join(" ")}, e.g. 'mlops-run-${modelName}' (the default).`,
    );
  }
  const timeoutMinutes = inputs.number("timeout-minutes", { min: 0.01, max: 60 * 24 * 3 });
  const paths = {
    paramsFile: inputs.optional("params-file"),
    metricsFile: inputs.string("metrics-file", "metrics.json"),
    historyFile: inputs.optional("history-file"),
    modelPath,
    dataPaths: inputs.lines("data-paths"),
    codePaths: inputs.lines("code-paths"),
    dataProfile: inputs.optional("data-profile"),
  };
  checkPathInputs(
    {
      // params.yaml is read when present: it must not lead out either.
      "params-file": [paths.paramsFile ?? "params.yaml"],
      "metrics-file": [paths.metricsFile],
      "history-file": paths.historyFile === undefined ? [] : [paths.historyFile],
      "model-path": [modelPath],
      "data-paths": paths.dataPaths,
      "code-paths": paths.codePaths,
      "data-profile": paths.dataProfile === undefined ? [] : [paths.dataProfile],
    },
    workingDirectory,
    pathRootsInput,
  );
  return {
    command: inputs.required(
      "command",
      "Set 'command' to the shell command that trains, e.g. 'python train.py'.",
    ),
    workingDirectory,
    params: inputs.optional("params"),
    ...paths,
    modelName,
    pathRoots: pathRootsInput,
    cache: inputs.boolean("cache", true),
    cacheMaxBytes: (inputs.number("cache-max-size", { min: 0 }) ?? 2048) * 1024 * 1024,
    upload: inputs.boolean("upload", true),
    artifactName,
    retentionDays: inputs.number("retention-days", { integer: true, min: 1, max: 90 }),
    timeoutMs: timeoutMinutes === undefined ? undefined : Math.round(timeoutMinutes * 60_000),
    envPassthrough: envPassthrough(inputs.lines("env-passthrough")),
  };
}

/** Variable names, one a line (or separated by spaces or commas). */
function envPassthrough(lines: string[]): string[] {
  const names = lines.flatMap((line) => line.split(/[\s,]+/)).filter((name) => name !== "");
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new InputError(
        "env-passthrough",
        name,
        "is not an environment variable name",
        "Give variable names, one a line, e.g. ACTIONS_STEP_DEBUG.",
      );
    }
    if (NEVER_PASSED.includes(name.toUpperCase())) {
      throw new InputError(
        "env-passthrough",
        name,
        "cannot be passed to the command: with it the command could write train-model's own outputs",
        `Remove ${name}; write results to files (MLOPS_OUTPUT_DIR) and set outputs in a later step.`,
      );
    }
  }
  return names;
}
