// The run record train-model writes, built in one place from what the run found out. Pure (no @actions/*,
// no file system): tests call the builders directly. Two cases: a trained run, and a cache hit, whose
// model and measurements are an earlier run's while the record describes this run.
import type { CodeFingerprint } from "../../fingerprint/code-paths.ts";
import type { ModelFingerprint } from "../../fingerprint/model-files.ts";
import type { FlatMetrics } from "../../metrics/metrics-file.ts";
import type { DataProfile } from "../../profile/data-profile.ts";
import { RUN_RECORD_SCHEMA_VERSION, type RunRecord } from "../../record/run-record.ts";
import type { CommandResult } from "../../training/command.ts";
import type { RunContext } from "../../lib/run-context.ts";

/** Everything a trained run's record is made of. */
export interface TrainedRun {
  toolkitVersion: string;
  context: RunContext;
  modelName: string;
  /** model-path relative to the workspace (as the record states it); metrics-file as given. */
  modelPath: string;
  metricsFile: string;
  model: ModelFingerprint;
  metrics: FlatMetrics;
  history: { file: string; steps: Array<Record<string, number>> } | undefined;
  params: Record<string, unknown>;
  data: RunRecord["data"];
  profile: DataProfile | undefined;
  code: CodeFingerprint;
  python: string | undefined;
  lockfiles: RunRecord["environment"]["lockfiles"];
  runner: RunRecord["environment"]["runner"];
  startedAt: Date;
  command: string;
  result: Pick<CommandResult, "durationSeconds" | "exitCode" | "peakMemoryBytes">;
  fingerprint: string;
}

export function buildRunRecord(run: TrainedRun): RunRecord {
  const { notes: _notes, ...model } = run.model;
  return {
    schema: "mlops-actions/run-record",
    schemaVersion: RUN_RECORD_SCHEMA_VERSION,
    toolkitVersion: run.toolkitVersion,
    model: { name: run.modelName, path: run.modelPath, ...model },
    metrics: run.metrics.metrics,
    ignoredMetrics: run.metrics.ignored,
    metricsFile: run.metricsFile,
    ...(run.history ? { history: { file: run.history.file, steps: run.history.steps } } : {}),
    params: run.params,
    data: { ...run.data, ...(run.profile ? { profile: run.profile } : {}) },
    code: codeRecord(run.context, run.code),
    environment: {
      ...(run.python === undefined ? {} : { python: run.python }),
      lockfiles: run.lockfiles,
      runner: run.runner,
    },
    run: {
      ...runIdentity(run.context),
      startedAt: run.startedAt.toISOString(),
      durationSeconds: Math.round(run.result.durationSeconds * 1000) / 1000,
      exitCode: run.result.exitCode,
      ...(run.result.peakMemoryBytes === undefined ? {} : { peakMemoryBytes: run.result.peakMemoryBytes }),
      command: run.command,
      cacheHit: false,
    },
    fingerprint: run.fingerprint,
  };
}

/**
 * On a training-cache hit: the restored record with this run's commit, event and actor, saying which run
 * trained the model (the first one, when the restored record was itself a cache hit).
 */
export function restoredRunRecord(
  restored: RunRecord,
  now: { toolkitVersion: string; context: RunContext; code: CodeFingerprint; startedAt: Date },
): RunRecord {
  return {
    ...restored,
    schemaVersion: RUN_RECORD_SCHEMA_VERSION,
    toolkitVersion: now.toolkitVersion,
    code: codeRecord(now.context, now.code),
    run: {
      ...restored.run,
      ...runIdentity(now.context),
      startedAt: now.startedAt.toISOString(),
      durationSeconds: 0,
      cacheHit: true,
      restoredFrom: restored.run.restoredFrom ?? {
        id: restored.run.id,
        attempt: restored.run.attempt,
        sha: restored.code.headSha ?? restored.code.sha,
        startedAt: restored.run.startedAt,
        durationSeconds: restored.run.durationSeconds,
      },
    },
  };
}

function runIdentity(
  context: RunContext,
): Pick<RunRecord["run"], "workflow" | "id" | "attempt" | "event" | "actor"> {
  return {
    workflow: context.workflow,
    id: context.runId,
    attempt: context.runAttempt,
    event: context.event,
    actor: context.actor,
  };
}

function codeRecord(context: RunContext, code: CodeFingerprint): RunRecord["code"] {
  return {
    repository: context.repository,
    sha: context.sha,
    ...(context.headSha === undefined ? {} : { headSha: context.headSha }),
    ref: context.ref,
    ...(context.pullRequest === undefined ? {} : { pullRequest: context.pullRequest }),
    dirty: code.dirty,
    paths: code.paths,
  };
}
