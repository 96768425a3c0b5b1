// What the workflow run tells us about itself: from the runner's environment variables and the event
// payload. Pure: the caller passes env and the parsed payload.
import { basename, resolve } from "node:path";

export interface RunContext {
  repository: string;
  sha: string;
  /** The PR's head commit: for pull_request events GITHUB_SHA is the merge commit, not this. */
  headSha: string | undefined;
  ref: string;
  pullRequest: number | undefined;
  workflow: string;
  runId: string;
  runAttempt: number;
  event: string;
  actor: string;
  serverUrl: string;
}

export function readRunContext(env: NodeJS.ProcessEnv, payload: unknown): RunContext {
  const pr = pullRequestOf(payload);
  return {
    repository: env.GITHUB_REPOSITORY ?? "",
    sha: env.GITHUB_SHA ?? "",
    headSha: pr?.headSha,
    ref: env.GITHUB_REF ?? "",
    pullRequest: pr?.number,
    workflow: env.GITHUB_WORKFLOW ?? "",
    runId: env.GITHUB_RUN_ID ?? "0",
    runAttempt: Number(env.GITHUB_RUN_ATTEMPT ?? "1") || 1,
    event: env.GITHUB_EVENT_NAME ?? "",
    actor: env.GITHUB_ACTOR ?? "",
    serverUrl: env.GITHUB_SERVER_URL ?? "https://github.com",
  };
}

function pullRequestOf(payload: unknown): { number: number; headSha: string } | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const pr = (payload as { pull_request?: { number?: unknown; head?: { sha?: unknown } } }).pull_request;
  if (typeof pr?.number !== "number" || typeof pr.head?.sha !== "string") return undefined;
  return { number: pr.number, headSha: pr.head.sha };
}

/** The page of a workflow run: `<server>/<owner>/<repo>/actions/runs/<id>`. */
export function runUrl(serverUrl: string, repository: string, runId: string | number): string {
  return `${serverUrl}/${repository}/actions/runs/${String(runId)}`;
}

/**
 * The default model name of train-model, deploy and the rest: the repository's name, or <repo>-<folder>
 * when the project is in a sub-folder, so models don't collide.
 */
export function defaultModelName(env: NodeJS.ProcessEnv, workingDirectory: string): string {
  const repository = env.GITHUB_REPOSITORY?.split("/")[1] ?? "model";
  const folder = basename(resolve("/", workingDirectory));
  return workingDirectory === "." || folder === "" ? repository : `${repository}-${folder}`;
}
