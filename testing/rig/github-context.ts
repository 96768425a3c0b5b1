// The `github` expression context of a step, as the runner builds it: one builder for the action runner
// (run-action.ts) and the workflow runner (workflow/job-state.ts), so both show actions the same values.
import type { EventDerived, GitHubOptions } from "./events.ts";

export const DEFAULT_RUN_ID = 4242424242;
export const DEFAULT_WORKFLOW_PATH = ".github/workflows/ci.yml";

export interface GitHubContextArgs {
  token: string;
  github: GitHubOptions;
  derived: EventDerived;
  payload: Record<string, unknown>;
  eventName: string;
  eventPath: string;
  workspace: string;
  job: string;
  workflow: string;
  /** The running action's id and folder (empty outside an action step). */
  action?: { id: string; path: string };
}

export function githubContext(args: GitHubContextArgs) {
  const { derived, github } = args;
  const apiUrl = (github.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  return {
    token: args.token,
    action: args.action?.id ?? "",
    action_path: args.action?.path ?? "",
    action_ref: "",
    action_repository: "",
    actor: derived.actor,
    actor_id: derived.actorId,
    api_url: apiUrl,
    base_ref: derived.baseRef,
    event: args.payload,
    event_name: args.eventName,
    event_path: args.eventPath,
    graphql_url: apiUrl === "https://api.github.com" ? "https://api.github.com/graphql" : `${apiUrl}/graphql`,
    head_ref: derived.headRef,
    job: args.job,
    ref: derived.ref,
    ref_name: derived.refName,
    ref_protected: "false",
    ref_type: derived.refType,
    repository: derived.repository,
    repository_id: derived.repositoryId,
    repository_owner: derived.repository.split("/")[0] ?? "",
    repository_owner_id: derived.repositoryOwnerId,
    retention_days: "90",
    run_attempt: String(github.runAttempt ?? 1),
    run_id: String(github.runId ?? DEFAULT_RUN_ID),
    run_number: String(github.runNumber ?? 42),
    server_url: github.serverUrl ?? "https://github.com",
    sha: derived.sha,
    triggering_actor: derived.actor,
    workflow: args.workflow,
    workflow_ref: `${derived.repository}/${github.workflowPath ?? DEFAULT_WORKFLOW_PATH}@${derived.ref}`,
    workflow_sha: derived.sha,
    workspace: args.workspace,
  } satisfies Record<string, unknown>;
}

export type GitHubContext = ReturnType<typeof githubContext>;
