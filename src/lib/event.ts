// The webhook payload of the event that started the workflow (GITHUB_EVENT_PATH), and the few fields of
// it the actions read. Payload shapes differ by event, so every reader checks what it gets.
import { existsSync, readFileSync } from "node:fs";

export function readEventPayload(env: NodeJS.ProcessEnv = process.env): unknown {
  const path = env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as unknown;
}

export function pullRequestBase(payload: unknown): { sha: string; ref: string } | undefined {
  const base = (payload as { pull_request?: { base?: { sha?: unknown; ref?: unknown } } } | undefined)
    ?.pull_request?.base;
  return typeof base?.sha === "string" && typeof base.ref === "string"
    ? { sha: base.sha, ref: base.ref }
    : undefined;
}

export function defaultBranch(payload: unknown): string | undefined {
  const branch = (payload as { repository?: { default_branch?: unknown } } | undefined)?.repository
    ?.default_branch;
  return typeof branch === "string" ? branch : undefined;
}

/** The repository's numeric id (`repository.id`), which tells its own workflow runs from forks' runs. */
export function repositoryId(payload: unknown): number | undefined {
  const id = (payload as { repository?: { id?: unknown } } | undefined)?.repository?.id;
  return typeof id === "number" && Number.isSafeInteger(id) ? id : undefined;
}
