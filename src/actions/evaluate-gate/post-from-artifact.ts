// mode: post-from-artifact — the workflow_run companion that posts a fork PR's gate report. The PR's own
// run had a read-only token; this run has a writable one, so it trusts nothing the PR run produced:
// it finds the PR through the API by the triggering run's head (the event's pull_requests list is empty
// for forks), validates the gate record field by field, re-renders the comment from the report data
// (never posting the artifact's markdown), posts only when the PR run could not, and checks out nothing.
import * as core from "@actions/core";
import { mkdtemp, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GATE_RECORD_FILE, gateArtifactName, parseGateRecord } from "../../gate/gate-record.ts";
import { renderComment } from "../../gate/index.ts";
import { ConfigurationError } from "../../lib/errors.ts";
import { readEventPayload } from "../../lib/event.ts";
import { needsPermission } from "../../lib/github-errors.ts";
import { createOctokit, type GitHubClient } from "../../lib/octokit.ts";
import type { GateInputs } from "./inputs.ts";
import { postStickyComment } from "./sticky-comment.ts";

interface TriggeringRun {
  id: number;
  attempt: number;
  event: string;
  headSha: string;
  headBranch: string;
  headOwner: string | undefined;
  url: string;
}

function triggeringRun(payload: unknown): TriggeringRun {
  const run = (payload as { workflow_run?: Record<string, unknown> } | undefined)?.workflow_run;
  if (!run || typeof run.id !== "number" || typeof run.head_sha !== "string") {
    throw new ConfigurationError(
      "mode: post-from-artifact runs in a workflow triggered by `on: workflow_run` (the companion of the PR workflow); this event has no workflow_run.",
    );
  }
  const headRepository = run.head_repository as { owner?: { login?: unknown } } | undefined;
  const owner = headRepository?.owner?.login;
  return {
    id: run.id,
    attempt: typeof run.run_attempt === "number" ? run.run_attempt : 1,
    event: typeof run.event === "string" ? run.event : "",
    headSha: run.head_sha,
    headBranch: typeof run.head_branch === "string" ? run.head_branch : "",
    headOwner: typeof owner === "string" ? owner : undefined,
    url: typeof run.html_url === "string" ? run.html_url : "",
  };
}

async function findPullRequest(
  github: GitHubClient,
  owner: string,
  repo: string,
  run: TriggeringRun,
): Promise<number | undefined> {
  if (run.headOwner && run.headBranch) {
    const pulls = await github.rest.pulls.list({
      owner,
      repo,
      state: "open",
      head: `${run.headOwner}:${run.headBranch}`,
      per_page: 100,
    });
    const match = pulls.data.find((pr) => pr.head.sha === run.headSha);
    if (match) return match.number;
  }
  // Same-repository PRs are also found by commit (for forks this list is empty).
  const byCommit = await github.rest.repos.listPullRequestsAssociatedWithCommit({
    owner,
    repo,
    commit_sha: run.headSha,
  });
  return byCommit.data.find((pr) => pr.state === "open" && pr.head.sha === run.headSha)?.number;
}

export async function postFromArtifact(
  inputs: GateInputs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const run = triggeringRun(readEventPayload(env));
  if (run.event !== "pull_request") {
    core.info(`The triggering run was a ${run.event} run, not a pull request: nothing to post.`);
    return;
  }
  const [owner = "", repo = ""] = (env.GITHUB_REPOSITORY ?? "").split("/");
  const github = createOctokit(inputs.token);
  const artifacts = await needsPermission("actions: read", `list the artifacts of run ${run.id}`, () =>
    github.paginate(github.rest.actions.listWorkflowRunArtifacts, {
      owner,
      repo,
      run_id: run.id,
      per_page: 100,
    }),
  );
  const wanted = inputs.commentKey ? gateArtifactName(inputs.commentKey) : undefined;
  const gateArtifacts = artifacts.filter(
    (a) => !a.expired && (wanted ? a.name === wanted : a.name.startsWith("mlops-gate-")),
  );
  if (gateArtifacts.length === 0) {
    core.notice(`Run ${run.id} uploaded no ${wanted ?? "mlops-gate-*"} artifact: nothing to post.`);
    return;
  }
  const runnerTemp = resolve(env.RUNNER_TEMP ?? ".");
  for (const artifact of gateArtifacts) {
    const directory = await mkdtemp(join(runnerTemp, "mlops-gate-"));
    const { DefaultArtifactClient } = await import("@actions/artifact");
    await new DefaultArtifactClient().downloadArtifact(artifact.id, {
      path: directory,
      findBy: { token: inputs.token, workflowRunId: run.id, repositoryOwner: owner, repositoryName: repo },
    });
    const label = `${artifact.name} of run ${run.id}`;
    const record = parseGateRecord(
      JSON.parse(await readFile(join(directory, GATE_RECORD_FILE), "utf8")) as unknown,
      label,
    );
    if (gateArtifactName(record.commentKey) !== artifact.name) {
      throw new ConfigurationError(
        `${label} names comment key '${record.commentKey}', which does not match its artifact name: refusing to post.`,
      );
    }
    if (record.headSha !== run.headSha) {
      throw new ConfigurationError(
        `${label} is about ${record.headSha.slice(0, 7)}, but the run built ${run.headSha.slice(0, 7)}: refusing to post.`,
      );
    }
    core.setOutput("verdict", record.verdict);
    core.setOutput("passed", String(record.passed));
    if (record.posted) {
      core.info(`${label}: the PR run already posted its comment.`);
      continue;
    }
    const pullNumber = await findPullRequest(github, owner, repo, run);
    if (pullNumber === undefined) {
      core.notice(`No open pull request has head ${run.headSha.slice(0, 7)} any more: nothing to post.`);
      continue;
    }
    const body = renderComment(record.report, {
      commentKey: record.commentKey,
      fullReportUrl: run.url,
      maxChars: 65_536 - 512,
    });
    const outcome = await postStickyComment(
      github,
      { owner, repo, pullNumber, headSha: run.headSha, runId: run.id, runAttempt: run.attempt },
      record.commentKey,
      body,
    );
    if (outcome.posted)
      core.info(`Posted the gate report of run ${run.id} to #${pullNumber}: ${outcome.url}`);
    else if (outcome.readOnly)
      throw new ConfigurationError(
        `Cannot post to #${pullNumber}: ${outcome.reason}. The companion job needs \`permissions: pull-requests: write\`.`,
      );
    else core.notice(`Not posting to #${pullNumber}: ${outcome.reason}.`);
  }
}
