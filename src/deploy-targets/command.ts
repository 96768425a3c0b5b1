// The command target: the user's bash command with the model in MLOPS_* variables; its exit code decides.
// Runs through train-model's command runner (src/training/command.ts): own process group, live output,
// the group stopped on timeout and on the job's cancellation.
import { commandEnvironment } from "../training/environment.ts";
import { runCommand } from "../training/command.ts";
import {
  TargetCancelled,
  TargetFailed,
  type DeployRequest,
  type DeployTarget,
  type TargetOutcome,
} from "./target.ts";

export interface CommandTargetOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** command-timeout: the process group is stopped after this long. */
  timeoutMs?: number;
  onOutput: (chunk: Buffer) => void;
  killGraceMs?: number;
}

function commandVariables(request: DeployRequest): Record<string, string> {
  return {
    MLOPS_MODEL_URI: request.model.uri,
    MLOPS_MODEL_DIGEST: request.model.digest,
    MLOPS_MODEL_VERSION: request.model.version,
    MLOPS_MODEL_DIR: request.model.dir,
    MLOPS_ENVIRONMENT: request.environment,
    MLOPS_DEPLOYMENT_ID: String(request.deploymentId),
    MLOPS_ROLLBACK: request.rollback ? "true" : "false",
  };
}

/** The command target needs the model's files on disk (MLOPS_MODEL_DIR). */
export function commandTarget(options: CommandTargetOptions): DeployTarget {
  return { name: "command", needsFiles: true, deploy: (request) => deployByCommand(options, request) };
}

async function deployByCommand(
  options: CommandTargetOptions,
  request: DeployRequest,
): Promise<TargetOutcome> {
  const result = await runCommand({
    command: options.command,
    cwd: options.cwd,
    env: commandEnvironment(options.env, [], commandVariables(request)),
    onOutput: options.onOutput,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
    tailLines: 10,
  });
  const took = `${result.durationSeconds.toFixed(1)} s`;
  const tail = result.tail.length > 0 ? `\n${result.tail.join("\n")}` : "";
  if (result.timedOut) {
    throw new TargetFailed(
      `The deploy command ran longer than command-timeout (${(options.timeoutMs ?? 0) / 1000} s) and was stopped with its whole process group. Raise 'command-timeout' if it needs longer.${tail}`,
    );
  }
  if (result.cancelledBy) {
    throw new TargetCancelled(
      `The job was cancelled (${result.cancelledBy}); the deploy command's process group was stopped.`,
    );
  }
  if (result.exitCode !== 0) {
    throw new TargetFailed(`The deploy command exited with code ${result.exitCode} after ${took}.${tail}`);
  }
  return { detail: `exit 0 in ${took}` };
}
