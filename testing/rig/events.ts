// Webhook payloads for GITHUB_EVENT_PATH (real examples from @octokit/webhooks-examples) and the GITHUB_*
// variables the runner derives from the event, kept consistent with the payload.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, resolve } from "node:path";

const fixturesDir = resolve(import.meta.dirname, "../fixtures/events");

export interface EventOptions {
  name: "pull_request" | "push" | "workflow_dispatch" | "workflow_run" | (string & {});
  /** Use this payload instead of an example (deep-copied). */
  payload?: object;
  /**
   * Which payload: a `.json` file (absolute, or relative to tests/fixtures/events/), or the `action` of a
   * @octokit/webhooks-examples example for this event ("opened", "synchronize", "completed", …).
   * Default: pull_request "opened", push to a branch, workflow_run "completed" with conclusion success.
   */
  fixture?: string;
  /** Adjust the payload in place (head sha, fork repository…) before it is written and env is derived. */
  patch?: (payload: Record<string, unknown>) => void;
}

export interface GitHubOptions {
  token?: string;
  apiUrl?: string;
  repository?: string;
  /**
   * The repository's id (payload `repository.id`, GITHUB_REPOSITORY_ID): pass the GitHub double's id for
   * the repository, so code that tells the repository's own runs from forks' sees one repository.
   */
  repositoryId?: number;
  sha?: string;
  ref?: string;
  runId?: number;
  runNumber?: number;
  runAttempt?: number;
  actor?: string;
  workflow?: string;
  job?: string;
  /** GITHUB_SERVER_URL; keep the default https://github.com unless testing GHES behaviour. */
  serverUrl?: string;
  /** The workflow file of the run, for GITHUB_WORKFLOW_REF (default .github/workflows/ci.yml). */
  workflowPath?: string;
}

interface WebhookDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

let definitions: WebhookDefinition[] | undefined;

function examplesFor(event: string): Record<string, unknown>[] {
  definitions ??= createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];
  return definitions.find((definition) => definition.name === event)?.examples ?? [];
}

/** A fresh copy of the payload the options ask for, with the repository retargeted and `patch` applied. */
export function buildPayload(event: EventOptions, github: GitHubOptions): Record<string, unknown> {
  const payload = structuredClone(selectPayload(event)) as Record<string, unknown>;
  if (github.repository !== undefined) retargetRepository(payload, github.repository);
  if (github.repositoryId !== undefined) retargetRepositoryId(payload, github.repositoryId);
  if (event.name === "push" || event.name === "workflow_dispatch") {
    if (github.ref !== undefined) payload.ref = github.ref;
  }
  if (event.name === "push" && github.sha !== undefined) {
    payload.after = github.sha;
    if (isRecord(payload.head_commit)) payload.head_commit.id = github.sha;
  }
  event.patch?.(payload);
  return payload;
}

function selectPayload(event: EventOptions): object {
  if (event.payload !== undefined) return event.payload;
  const { fixture } = event;
  if (fixture?.endsWith(".json")) {
    const file = isAbsolute(fixture) ? fixture : resolve(fixturesDir, fixture);
    return JSON.parse(readFileSync(file, "utf8")) as object;
  }
  const examples = examplesFor(event.name);
  if (fixture !== undefined) {
    const match = examples.find((example) => example.action === fixture);
    if (match === undefined) {
      const actions = [...new Set(examples.map((example) => String(example.action)))].join(", ");
      throw new Error(
        `@octokit/webhooks-examples has no ${event.name} example with action '${fixture}'` +
          (actions === "" ? "; pass event.payload instead." : ` (it has: ${actions}).`),
      );
    }
    return match;
  }
  const preferred =
    event.name === "pull_request"
      ? examples.find((example) => example.action === "opened")
      : event.name === "push"
        ? examples.find((example) => typeof example.ref === "string" && example.ref.startsWith("refs/heads/"))
        : event.name === "workflow_run"
          ? examples.find(
              (example) =>
                example.action === "completed" &&
                isRecord(example.workflow_run) &&
                example.workflow_run.conclusion === "success",
            )
          : undefined;
  return preferred ?? examples[0] ?? {};
}

/** Point every reference to the example's repository at `fullName` (URLs, base/head repos, names). */
function retargetRepository(payload: Record<string, unknown>, fullName: string): void {
  const repository = payload.repository;
  if (!isRecord(repository) || typeof repository.full_name !== "string") return;
  const original = repository.full_name;
  const [owner = "", name = ""] = fullName.split("/");
  const replace = (value: unknown): unknown => {
    if (typeof value === "string") return value.replaceAll(original, fullName);
    if (Array.isArray(value)) return value.map(replace);
    if (isRecord(value)) {
      for (const [key, item] of Object.entries(value)) value[key] = replace(item);
      if (value.full_name === fullName) {
        value.name = name;
        if (isRecord(value.owner)) value.owner.login = owner;
      }
    }
    return value;
  };
  replace(payload);
}

/** Gives the repository (and a pull request's base repository, and a same-repository head) the id. */
function retargetRepositoryId(payload: Record<string, unknown>, id: number): void {
  const repository = payload.repository;
  if (!isRecord(repository)) return;
  const original = repository.id;
  repository.id = id;
  const pull = payload.pull_request;
  if (!isRecord(pull)) return;
  for (const side of [pull.base, pull.head]) {
    if (isRecord(side) && isRecord(side.repo) && side.repo.id === original) side.repo.id = id;
  }
}

/** GITHUB_* values that follow from the event, as the runner sets them. */
export interface EventDerived {
  repository: string;
  repositoryId: string;
  repositoryOwnerId: string;
  sha: string;
  ref: string;
  refName: string;
  refType: "branch" | "tag";
  headRef: string;
  baseRef: string;
  actor: string;
  actorId: string;
}

const placeholderSha = "0123456789abcdef0123456789abcdef01234567";

export function deriveFromEvent(
  eventName: string,
  payload: Record<string, unknown>,
  github: GitHubOptions,
): EventDerived {
  const repository = record(payload.repository);
  const fullName = github.repository ?? string(repository.full_name) ?? "octo-org/octo-repo";
  const defaultBranch = string(repository.default_branch) ?? "main";
  const pull = record(payload.pull_request);
  let sha: string | undefined;
  let ref: string | undefined;
  let headRef = "";
  let baseRef = "";
  switch (eventName) {
    case "pull_request":
    case "pull_request_target": {
      headRef = string(record(pull.head).ref) ?? "";
      baseRef = string(record(pull.base).ref) ?? "";
      if (eventName === "pull_request") {
        // The runner checks out the merge commit refs/pull/<n>/merge; the payload knows it once computed.
        ref = `refs/pull/${String(payload.number ?? pull.number)}/merge`;
        sha = string(pull.merge_commit_sha) ?? string(record(pull.head).sha);
      } else {
        ref = `refs/heads/${baseRef}`;
        sha = string(record(pull.base).sha);
      }
      break;
    }
    case "push":
      ref = string(payload.ref);
      sha = string(payload.after);
      break;
    case "workflow_dispatch":
      ref = string(payload.ref);
      break;
    default:
      // workflow_run, schedule, …: the run is on the default branch.
      ref = `refs/heads/${defaultBranch}`;
  }
  ref = github.ref ?? ref ?? `refs/heads/${defaultBranch}`;
  const sender = record(payload.sender);
  const actor = github.actor ?? string(sender.login) ?? "octocat";
  return {
    repository: fullName,
    repositoryId: idOf(repository.id),
    repositoryOwnerId: idOf(record(repository.owner).id),
    sha: github.sha ?? sha ?? placeholderSha,
    ref,
    refName: ref.replace(/^refs\/(?:heads|tags)\//, "").replace(/^refs\/pull\//, ""),
    // A pull request's refs/pull/<n>/merge counts as a branch too.
    refType: ref.startsWith("refs/tags/") ? "tag" : "branch",
    headRef,
    baseRef,
    actor,
    actorId: sender.login === actor ? idOf(sender.id) : "1",
  };
}

function idOf(value: unknown): string {
  return typeof value === "number" || typeof value === "string" ? String(value) : "1";
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function string(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
