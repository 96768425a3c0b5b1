// The GitHub side of a test: the REST double serving the results service's artifacts, one repository,
// and helpers that make a rig step look like a job of a seeded workflow run.
import {
  fakeSha,
  readOnlyPermissions,
  startGitHubDouble,
  type GitHubDouble,
} from "../services/github/index.ts";
import type { RunActionOptions } from "../rig/index.ts";
import type { ArtifactServices } from "./services.ts";

export const REPO = "acme/digits";
export const TOKEN = "ghs_writable_token";
export const FORK_TOKEN = "ghs_fork_read_only";

export async function startGitHub(services: ArtifactServices): Promise<GitHubDouble> {
  const double = await startGitHubDouble({
    artifactSource: services.results,
    repos: [{ fullName: REPO, defaultBranch: "main" }],
  });
  double.addToken(TOKEN);
  double.addToken(FORK_TOKEN, { permissions: readOnlyPermissions() });
  return double;
}

export interface SimulatedRun {
  runId: number;
  headSha: string;
  /** The rig options that make a step part of this run. */
  step: (token?: string) => Pick<RunActionOptions, "github" | "env" | "event">;
}

let nextRun = 5000;

/** Seeds a workflow run for a push to a branch. */
export function pushRun(
  double: GitHubDouble,
  services: ArtifactServices,
  branch = "main",
  headSha = fakeSha("push", String(nextRun)),
): SimulatedRun {
  const runId = nextRun++;
  double.state.seedWorkflowRun(REPO, { id: runId, headSha, headBranch: branch, event: "push" });
  return {
    runId,
    headSha,
    step: (token = TOKEN) => ({
      github: {
        repository: REPO,
        repositoryId: double.state.repo(REPO).id,
        runId,
        sha: headSha,
        ref: `refs/heads/${branch}`,
        token,
        apiUrl: double.url,
      },
      env: services.actionsEnv(runId),
      event: {
        name: "push",
        patch: (payload) => {
          const p = payload as { ref: string; after: string; repository: { default_branch: string } };
          p.ref = `refs/heads/${branch}`;
          p.after = headSha;
          p.repository.default_branch = "main";
        },
      },
    }),
  };
}

export interface PullRequestSpec {
  number: number;
  headSha: string;
  baseSha: string;
  headRef?: string;
  fork?: boolean;
}

/** Seeds a pull_request workflow run for a PR (the PR itself must be seeded with seedPull). */
export function pullRequestRun(
  double: GitHubDouble,
  services: ArtifactServices,
  pr: PullRequestSpec,
  runId = nextRun++,
): SimulatedRun {
  const headRef = pr.headRef ?? `feature-${pr.number}`;
  const headRepo = pr.fork ? "contributor/digits" : REPO;
  double.state.seedWorkflowRun(REPO, {
    id: runId,
    headSha: pr.headSha,
    headBranch: headRef,
    event: "pull_request",
    pullRequests: pr.fork ? [] : [pr.number],
    headRepo,
  });
  return {
    runId,
    headSha: pr.headSha,
    step: (token = pr.fork ? FORK_TOKEN : TOKEN) => ({
      github: {
        repository: REPO,
        repositoryId: double.state.repo(REPO).id,
        runId,
        token,
        apiUrl: double.url,
        sha: fakeSha("merge", String(pr.number), pr.headSha),
      },
      env: services.actionsEnv(runId),
      event: {
        name: "pull_request",
        patch: (payload) => {
          const p = payload as {
            number: number;
            pull_request: {
              number: number;
              head: { sha: string; ref: string; repo: { full_name: string } };
              base: { sha: string; ref: string };
            };
          };
          p.number = pr.number;
          p.pull_request.number = pr.number;
          p.pull_request.head.sha = pr.headSha;
          p.pull_request.head.ref = headRef;
          p.pull_request.head.repo.full_name = headRepo;
          p.pull_request.base.sha = pr.baseSha;
          p.pull_request.base.ref = "main";
        },
      },
    }),
  };
}

export { fakeSha };
