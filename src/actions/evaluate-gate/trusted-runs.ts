// Which workflow runs may provide a baseline. A fork PR's run is listed in this repository's Actions and
// uploads its artifacts here, with the fork's branch name as head_branch (often `main`), and any run
// started by a pull request or comment event ran code or inputs that a PR author controls. So a baseline
// artifact counts only when its run's head repository is this repository and it ran on an event that only
// people with write access cause: push, workflow_dispatch or schedule. Every run passed over is reported.
import type { PassedOverRun } from "../../verdict/report.ts";
import { httpStatus, needsPermission } from "../../formats/github-errors.ts";
import type { GitHubClient } from "../../lib/octokit.ts";

/** Events whose runs only people with write access start, on this repository's own branches. */
const TRUSTED_EVENTS: readonly string[] = ["push", "workflow_dispatch", "schedule"];

/** What a baseline needs of a workflow run (from the run API, or an artifact's `workflow_run`). */
export interface RunFacts {
  id: number;
  event?: string;
  headRepositoryId?: number | undefined;
  headRepositoryName?: string | undefined;
}

export type Trust =
  | { trusted: true }
  | {
      trusted: false;
      reason: string;
      /** For a fork's run: the fork's "owner/name" when it is known. */
      fork?: string;
    };

/** Forks' runs read only to name the fork: a flood of fork runs costs at most this many requests. */
const FORK_NAME_LOOKUPS = 10;

interface ListedRun {
  id: number;
  event?: string;
  head_repository_id?: number;
  head_repository?: { id?: number; full_name?: string } | null;
}

export function runFacts(run: ListedRun): RunFacts {
  return {
    id: run.id,
    ...(run.event === undefined ? {} : { event: run.event }),
    headRepositoryId: run.head_repository?.id ?? run.head_repository_id,
    headRepositoryName: run.head_repository?.full_name,
  };
}

export interface RunTrustOptions {
  repository: { owner: string; repo: string };
  /** The repository's id from the event payload (`repository.id`); read from the API when absent. */
  repositoryId: number | undefined;
  github: () => Promise<GitHubClient>;
}

/**
 * Judges runs, reading each run from the API at most once (an artifact's `workflow_run` carries the head
 * repository id but no event), and keeps the list of runs passed over, in the order they were judged.
 */
export class RunTrust {
  private readonly runs = new Map<number, Promise<RunFacts | undefined>>();
  private readonly judged = new Map<number, Trust>();
  private repositoryId: Promise<number> | undefined;
  private forkLookups = 0;

  constructor(private readonly options: RunTrustOptions) {}

  /** Runs already read (e.g. listed by head commit): no second request for them. */
  remember(run: RunFacts): void {
    if (!this.runs.has(run.id)) this.runs.set(run.id, Promise.resolve(run));
  }

  /** The runs passed over so far, each once, with the reason. */
  passedOver(): PassedOverRun[] {
    return [...this.judged].flatMap(([runId, trust]) =>
      trust.trusted ? [] : [{ runId, reason: trust.reason }],
    );
  }

  /** Whether an artifact of run `runId` may be a baseline; `headRepositoryId` from the artifact if known. */
  async judge(runId: number, headRepositoryId?: number | null): Promise<Trust> {
    const known = this.judged.get(runId);
    if (known) return known;
    const trust = await this.decide(runId, headRepositoryId ?? undefined);
    this.judged.set(runId, trust);
    return trust;
  }

  /** A run named explicitly (`baseline: run:<id>`): only a fork's run is refused, whatever its event. */
  async judgeNamed(runId: number): Promise<Trust> {
    const run = await this.run(runId);
    if (run === undefined) return { trusted: true }; // its artifact list says what is missing
    const trust = await this.fromFork(run);
    if (!trust.trusted) this.judged.set(runId, trust);
    return trust;
  }

  private async decide(runId: number, headRepositoryId: number | undefined): Promise<Trust> {
    const own = await this.ownId();
    if (headRepositoryId !== undefined && headRepositoryId !== own) {
      const named = this.runs.has(runId) || this.forkLookups++ < FORK_NAME_LOOKUPS;
      const run = named ? await this.run(runId) : undefined;
      return forkTrust(run?.headRepositoryName, headRepositoryId);
    }
    const run = await this.run(runId);
    if (run === undefined) return { trusted: false, reason: "run not found" };
    const fork = await this.fromFork(run);
    if (!fork.trusted) return fork;
    if (run.event === undefined || !TRUSTED_EVENTS.includes(run.event))
      return { trusted: false, reason: `event ${run.event ?? "unknown"}` };
    return { trusted: true };
  }

  private async fromFork(run: RunFacts): Promise<Trust> {
    const own = await this.ownId();
    if (run.headRepositoryId === own) return { trusted: true };
    return forkTrust(run.headRepositoryName, run.headRepositoryId);
  }

  private run(runId: number): Promise<RunFacts | undefined> {
    let pending = this.runs.get(runId);
    if (!pending) {
      pending = this.readRun(runId);
      this.runs.set(runId, pending);
    }
    return pending;
  }

  private async readRun(runId: number): Promise<RunFacts | undefined> {
    const github = await this.options.github();
    try {
      const response = await needsPermission("actions: read", `read workflow run ${runId}`, () =>
        github.rest.actions.getWorkflowRun({ ...this.options.repository, run_id: runId }),
      );
      return runFacts(response.data);
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw error;
    }
  }

  private ownId(): Promise<number> {
    if (this.options.repositoryId !== undefined) return Promise.resolve(this.options.repositoryId);
    this.repositoryId ??= (async () => {
      const github = await this.options.github();
      const response = await needsPermission("contents: read", "read the repository", () =>
        github.rest.repos.get(this.options.repository),
      );
      return response.data.id;
    })();
    return this.repositoryId;
  }
}

function forkTrust(name: string | undefined, id: number | undefined): Trust {
  if (name !== undefined) return { trusted: false, reason: `from fork ${name}`, fork: name };
  const reason = id === undefined ? "from an unknown head repository" : `from a fork (repository id ${id})`;
  return { trusted: false, reason };
}
