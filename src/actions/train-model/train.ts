// train-model's work: fingerprint, restore from the training cache or run the command, record, upload.
// The pure parts (params, fingerprints, metrics, the record) live in domain modules; this file does the
// orchestration that needs the runner: log groups, annotations, the cache and the artifact.
import * as core from "@actions/core";
import { copyFile, link, mkdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { ConfigurationError } from "../../formats/errors.ts";
import { checkPathInputs } from "../../workspace/paths.ts";
import { artifactServiceProblem, assertArtifactsSupported, uploadArtifact } from "../../lib/artifacts.ts";
import { restoreCache, saveCache } from "../../lib/cache.ts";
import { readEventPayload } from "../../lib/event.ts";
import { readMetricsFile } from "../../metrics/metrics-file.ts";
import { readHistoryFile } from "../../metrics/history-file.ts";
import { loadParams, writeParamsJson, type Params } from "../../params/params.ts";
import { type CodeFingerprint, fingerprintCode } from "../../fingerprint/code-paths.ts";
import { type DataFingerprint, fingerprintDataPaths } from "../../fingerprint/data-paths.ts";
import { computeRunFingerprint } from "../../fingerprint/run-fingerprint.ts";
import { fingerprintModel } from "../../fingerprint/model-files.ts";
import { hashLockfiles, lockfileNames } from "../../fingerprint/lockfiles.ts";
import { profileCsv } from "../../profile/data-profile.ts";
import { diskFullError } from "../../formats/disk-space.ts";
import { readRunRecord, writeRunRecord } from "../../record/record-io.ts";
import { ARTIFACT_MODEL_DIR, RUN_RECORD_FILE, type RunRecord } from "../../record/run-record.ts";
import { runCommand, type CommandResult } from "../../training/command.ts";
import { commandEnvironment, pythonVersion, runnerInfo } from "../../training/environment.ts";
import { readRunContext, type RunContext } from "../../lib/run-context.ts";
import type { TrainInputs } from "./inputs.ts";
import { buildRunRecord, restoredRunRecord, type TrainedRun } from "./run-record.ts";

declare const __MLOPS_VERSION__: string;
const TOOLKIT_VERSION = typeof __MLOPS_VERSION__ === "string" ? __MLOPS_VERSION__ : "0.0.0-dev";
/**
 * Bumped when what the training cache holds changes shape. v2: the record's model.path is relative to the
 * workspace (v1 entries hold it relative to working-directory).
 */
const CACHE_LAYOUT = "v2";

export interface TrainResult {
  ok: true;
  record: RunRecord;
  recordPath: string;
  cacheHit: boolean;
  artifactId: number | undefined;
}

/** The command failed, timed out or was cancelled: the step fails with this exit code (already annotated). */
export interface TrainFailure {
  ok: false;
  exitCode: number;
}

export async function train(
  inputs: TrainInputs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TrainResult | TrainFailure> {
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const runnerTemp = resolve(env.RUNNER_TEMP ?? join(workspace, ".mlops-tmp"));
  const outputDir = join(runnerTemp, "mlops", inputs.modelName);
  const recordPath = join(outputDir, RUN_RECORD_FILE);
  checkBeforeTraining(inputs, workspace);
  await rm(outputDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });
  const context = readRunContext(env, readEventPayload(env));
  // Asked now, answered while the fingerprint is computed and the command runs.
  const python = pythonVersion(commandEnvironment(env, inputs.envPassthrough, {}));
  const inputsOfRun = await fingerprintInputs(inputs, outputDir);

  const cache = inputs.cache ? trainingCache(inputs, workspace, inputsOfRun.fingerprint) : undefined;
  if (cache) {
    const restored = await core.group("Restore from the training cache", () =>
      restoreFromCache(cache, recordPath),
    );
    if (restored) {
      const record = await writeRunRecord(
        recordPath,
        restoredRunRecord(restored, {
          toolkitVersion: TOOLKIT_VERSION,
          context,
          code: inputsOfRun.code,
          startedAt: new Date(),
        }),
      );
      core.exportVariable("MLOPS_RUN_RECORD", recordPath);
      const artifactId = inputs.upload ? await uploadRun(inputs, record, recordPath, outputDir) : undefined;
      return { ok: true, record, recordPath, cacheHit: true, artifactId };
    }
  }

  const startedAt = new Date();
  const result = await runTraining(inputs, env, context, outputDir, inputsOfRun.paramsPath);
  if (!result.ok) return result;
  const outputs = await readTrainingOutputs(inputs, workspace);
  const record = buildRunRecord({
    toolkitVersion: TOOLKIT_VERSION,
    context,
    modelName: inputs.modelName,
    modelPath: workspacePath(workspace, inputs.workingDirectory, inputs.modelPath),
    metricsFile: inputs.metricsFile,
    ...outputs,
    params: inputsOfRun.params,
    data: inputsOfRun.data,
    code: inputsOfRun.code,
    python: await python,
    lockfiles: inputsOfRun.lockfiles,
    runner: runnerInfo(env),
    startedAt,
    command: inputs.command,
    result: result.command,
    fingerprint: inputsOfRun.fingerprint,
  });
  await writeRunRecord(recordPath, record);
  core.exportVariable("MLOPS_RUN_RECORD", recordPath);

  if (cache) {
    if (record.model.size > inputs.cacheMaxBytes) {
      core.notice(
        `The model (${record.model.size} bytes) is larger than cache-max-size; it is not saved to the training cache.`,
      );
    } else {
      await core.group("Save to the training cache", () => saveToCache(cache, recordPath));
    }
  }
  const artifactId = inputs.upload ? await uploadRun(inputs, record, recordPath, outputDir) : undefined;
  return { ok: true, record, recordPath, cacheHit: false, artifactId };
}

/** What can be known to fail before any work is done: no hour of training lost to a missing folder. */
function checkBeforeTraining(inputs: TrainInputs, workspace: string): void {
  const wd = inputs.workingDirectory;
  if (!existsSync(wd)) {
    throw new ConfigurationError(
      `Input 'working-directory' (${relative(workspace, wd) || "."}) does not exist in the workspace. Check out the repository first (actions/checkout) and check the path.`,
    );
  }
  if (inputs.upload) {
    assertArtifactsSupported(
      "Uploading the model (upload: true)",
      "Set 'upload: false' on GitHub Enterprise Server.",
    );
    const problem = artifactServiceProblem("Uploading the model (upload: true)");
    if (problem !== undefined) {
      throw new ConfigurationError(
        `${problem} Or set 'upload: false' to keep the model and run record on the runner only (evaluate-gate can still read the record in the same job).`,
      );
    }
  }
}

interface FingerprintedInputs {
  params: Params;
  paramsPath: string;
  code: CodeFingerprint;
  data: DataFingerprint;
  lockfiles: Array<{ path: string; sha256: string }>;
  fingerprint: string;
}

/** What decides the model: params, code, data, lockfiles and the command. */
async function fingerprintInputs(inputs: TrainInputs, outputDir: string): Promise<FingerprintedInputs> {
  const wd = inputs.workingDirectory;
  const fingerprintStart = Date.now();
  const { params } = await loadParams({
    workingDirectory: wd,
    paramsFile: inputs.paramsFile,
    override: inputs.params,
  });
  const paramsPath = join(outputDir, "params.json");
  await writeParamsJson(paramsPath, params);
  const [code, data, lockfiles] = await Promise.all([
    fingerprintCode(wd, inputs.codePaths.length > 0 ? inputs.codePaths : ["."]),
    fingerprintDataPaths(wd, inputs.dataPaths, { roots: inputs.pathRoots }),
    hashLockfiles(wd, lockfileNames(wd)),
  ]);
  for (const entry of data.paths)
    for (const note of entry.notes) core.notice(`data-paths '${entry.path}': ${note}`);
  const fingerprint = computeRunFingerprint({
    code: code.paths,
    data: data.paths,
    params,
    lockfiles,
    command: inputs.command,
  });
  core.info(
    `Fingerprint ${fingerprint} (code ${code.paths.length} paths${code.dirty ? ", uncommitted changes" : ""}, data ${data.files} files / ${data.bytes} bytes, ${lockfiles.length} lockfiles; ${Date.now() - fingerprintStart} ms)`,
  );
  return { params, paramsPath, code, data, lockfiles, fingerprint };
}

/** Runs the command in its log group; a failure, timeout or cancellation is annotated here. */
async function runTraining(
  inputs: TrainInputs,
  env: NodeJS.ProcessEnv,
  context: RunContext,
  outputDir: string,
  paramsPath: string,
): Promise<{ ok: true; command: CommandResult } | TrainFailure> {
  const wd = inputs.workingDirectory;
  const commandEnv = commandEnvironment(env, inputs.envPassthrough, {
    MLOPS_PARAMS_FILE: paramsPath,
    MLOPS_OUTPUT_DIR: join(outputDir, "scratch"),
    MLOPS_MODEL_PATH: resolve(wd, inputs.modelPath),
    MLOPS_METRICS_FILE: resolve(wd, inputs.metricsFile),
    MLOPS_RUN_ID: `${context.runId}-${context.runAttempt}`,
  });
  await mkdir(join(outputDir, "scratch"), { recursive: true });
  core.startGroup(`Train: ${inputs.command}`);
  let result;
  try {
    result = await runCommand({
      command: inputs.command,
      cwd: wd,
      env: commandEnv,
      timeoutMs: inputs.timeoutMs,
      onOutput: (chunk) => process.stdout.write(chunk),
    });
  } finally {
    process.stdout.write("\n");
    core.endGroup();
  }
  for (const escaped of result.escaped) {
    core.warning(
      `The training command left process ${escaped.pid} running outside its process group (${escaped.command || "no command line"}); it was stopped. Wait for every process the command starts before it exits.`,
      { title: "Training process outlived the command" },
    );
  }
  if (result.timedOut) {
    core.error(
      `The training command ran longer than timeout-minutes (${(inputs.timeoutMs ?? 0) / 60_000} min) and was stopped with its whole process group.`,
      { title: "Training timed out" },
    );
    return failed(result.exitCode);
  }
  if (result.cancelledBy !== null) {
    core.error(`The job was cancelled (${result.cancelledBy}); the training process group was stopped.`, {
      title: "Training cancelled",
    });
    return failed(result.exitCode);
  }
  if (result.exitCode !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
    core.error(`The training command ${how}. Last lines of its output:\n${result.tail.join("\n")}`, {
      title: "Training failed",
    });
    return failed(result.exitCode);
  }
  return { ok: true, command: result };
}

/** What the command produced: the model, metrics, history and data profile, read and checked. */
async function readTrainingOutputs(
  inputs: TrainInputs,
  workspace: string,
): Promise<Pick<TrainedRun, "model" | "metrics" | "history" | "profile">> {
  const wd = inputs.workingDirectory;
  // The command may have made these paths symlinks, so they are checked again.
  checkPathInputs(
    {
      "model-path": [inputs.modelPath],
      "metrics-file": [inputs.metricsFile],
      "history-file": inputs.historyFile === undefined ? [] : [inputs.historyFile],
    },
    wd,
    inputs.pathRoots,
  );
  const metricsAbs = resolve(wd, inputs.metricsFile);
  const metricsLabel = relative(workspace, metricsAbs);
  const metrics = await readMetricsFile(metricsAbs, metricsLabel);
  for (const item of metrics.ignored)
    core.notice(`${metricsLabel}: '${item.name}' left out of the metrics: ${item.reason}`);
  const history = inputs.historyFile
    ? {
        file: inputs.historyFile,
        ...(await readHistoryFile(resolve(wd, inputs.historyFile), inputs.historyFile)),
      }
    : undefined;
  for (const note of history?.notes ?? []) core.notice(`${inputs.historyFile ?? ""}: ${note}`);
  const model = await fingerprintModel(wd, inputs.modelPath);
  for (const note of model.notes) core.warning(`model-path '${inputs.modelPath}': ${note}`);
  const profile = inputs.dataProfile
    ? await profileCsv(resolve(wd, inputs.dataProfile), inputs.dataProfile)
    : undefined;
  return { model, metrics, history, profile };
}

function failed(exitCode: number): TrainFailure {
  return { ok: false, exitCode: exitCode === 0 ? 1 : exitCode };
}

// The training cache holds the model, metrics, history and the record, at the paths they have in the
// workspace (the cache's version covers the path list, so the same inputs give the same entry).
interface TrainingCache {
  key: string;
  /** Relative to the workspace, as @actions/cache resolves them. */
  paths: string[];
  /** Where the record is stashed inside the workspace while saving or restoring. */
  recordStash: string;
}

/**
 * A path input (relative to working-directory) as the run record and @actions/cache name it: relative to
 * the workspace, with forward slashes (readers such as publish-model resolve model.path there).
 */
function workspacePath(workspace: string, workingDirectory: string, path: string): string {
  return relative(workspace, resolve(workingDirectory, path)).split("\\").join("/") || ".";
}

function trainingCache(inputs: TrainInputs, workspace: string, fingerprint: string): TrainingCache {
  const rel = (p: string): string => workspacePath(workspace, inputs.workingDirectory, p);
  const recordStash = join(workspace, ".mlops-cache", inputs.modelName, RUN_RECORD_FILE);
  const paths = [rel(inputs.modelPath), rel(inputs.metricsFile)];
  if (inputs.historyFile) paths.push(rel(inputs.historyFile));
  paths.push(relative(workspace, recordStash).split("\\").join("/"));
  return { key: `mlops-train-${CACHE_LAYOUT}-${inputs.modelName}-${fingerprint}`, paths, recordStash };
}

async function restoreFromCache(cache: TrainingCache, recordPath: string): Promise<RunRecord | undefined> {
  const matched = await restoreCache(cache.paths, cache.key);
  if (matched === undefined) {
    core.info(`No training cache entry for ${cache.key}: training.`);
    return undefined;
  }
  try {
    const record = await readRunRecord(cache.recordStash, `training cache entry ${cache.key}`);
    await mkdir(dirname(recordPath), { recursive: true });
    core.info(`Restored the model, metrics and record of run ${record.run.id} from ${cache.key}.`);
    return record;
  } catch (error) {
    core.warning(`The training cache entry ${cache.key} is unusable (${String(error)}); training instead.`);
    return undefined;
  } finally {
    await rm(dirname(dirname(cache.recordStash)), { recursive: true, force: true });
  }
}

async function saveToCache(cache: TrainingCache, recordPath: string): Promise<void> {
  await mkdir(dirname(cache.recordStash), { recursive: true });
  await copyFile(recordPath, cache.recordStash);
  try {
    if (await saveCache(cache.paths, cache.key)) core.info(`Saved ${cache.key}.`);
  } finally {
    await rm(dirname(dirname(cache.recordStash)), { recursive: true, force: true });
  }
}

/** Uploads model/… and mlops-run.json as one artifact; weights are stored, not compressed. */
async function uploadRun(
  inputs: TrainInputs,
  record: RunRecord,
  recordPath: string,
  outputDir: string,
): Promise<number> {
  return core.group(`Upload artifact ${inputs.artifactName}`, async () => {
    const staging = join(outputDir, "artifact");
    await rm(staging, { recursive: true, force: true });
    const modelRoot = resolve(
      inputs.workingDirectory,
      record.model.kind === "file" ? dirname(inputs.modelPath) : inputs.modelPath,
    );
    const files: string[] = [];
    const stage = async (from: string, to: string): Promise<void> => {
      try {
        await mkdir(dirname(to), { recursive: true });
        await linkOrCopy(from, to);
      } catch (error) {
        // Nothing half-staged is left to fill the disk further.
        await rm(staging, { recursive: true, force: true });
        throw await diskFullError(error, to, `stage the artifact (${record.model.size} bytes of model) at`);
      }
      files.push(to);
    };
    for (const file of record.model.files)
      await stage(join(modelRoot, file.path), join(staging, ARTIFACT_MODEL_DIR, file.path));
    await stage(recordPath, join(staging, basename(recordPath)));
    const uploaded = await uploadArtifact(inputs.artifactName, files, staging, {
      retentionDays: inputs.retentionDays,
      compressionLevel: 0,
    });
    core.info(`Uploaded ${inputs.artifactName} (id ${uploaded.id}, ${uploaded.size} bytes).`);
    return uploaded.id;
  });
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to); // no copy of large weights when staging is on the same file system
  } catch {
    await copyFile(from, to);
  }
}
