// mode: post-from-artifact — the workflow_run companion that posts a fork PR's gate report. The PR's own
// run had a read-only token; this run has a writable one and posts as github-actions[bot], so it takes
// nothing from the PR's run but the candidate's numbers. The fork ran its own code and its own workflow
// file and could have written anything into the gate record: a verdict, rules, links, text. So:
// - the verdict is recomputed here, by this step's own `rules` (and directions, fail-on…), which come
//   from the default branch's workflow and files;
// - the baseline is resolved here, as the gate resolves it (the repository's own runs only);
// - from the artifact come only the candidates' metrics and learning-curve steps, shown as reported by
//   the pull request's run;
// - links are rebuilt from run and artifact ids on GITHUB_SERVER_URL; free-text fields are dropped.
// The PR is found through the API by the triggering run's head (the event's pull_requests list is
// empty for forks). Nothing of the PR is checked out or run.
import * as core from "@actions/core";
import { mkdtemp, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GATE_RECORD_FILE } from "../../verdict/report.ts";
import { gateArtifactName, parseGateRecord, type GateRecord } from "../../verdict/gate-record.ts";
import { COMMENT_BUDGET, renderComment } from "../../verdict/render.ts";
import type { CandidateInput } from "../../verdict/evaluate.ts";
import type { GateReport } from "../../verdict/report.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { readEventPayload, repositoryId } from "../../lib/event.ts";
import { describeGitHubFailure, needsPermission } from "../../formats/github-errors.ts";
import { createOctokit, type GitHubClient } from "../../lib/octokit.ts";
import { runUrl } from "../../lib/run-context.ts";
import { findBaseline, judge } from "./gate.ts";
import type { GateInputs } from "./inputs.ts";
import { reportFiles, setVerdictOutputs, writeReports } from "./report-files.ts";
import { postStickyComment } from "./sticky-comment.ts";

/** Names the companion keeps from the record; anything else is replaced (it would be the fork's text). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SAFE_LABEL = /^[A-Za-z0-9$][A-Za-z0-9._/$-]{0,199}$/;

const REPORTED_BY_PR_RUN =
  "The candidate's metrics and learning curves are as reported by the pull request's run; the rules, the baseline and the verdict are this workflow's own.";

interface Companion {
  inputs: GateInputs;
  github: GitHubClient;
  owner: string;
  repo: string;
  serverUrl: string;
  run: TriggeringRun;
  pullNumber: number;
  base: { sha: string; ref: string };
  defaultBranch: string | undefined;
  runnerTemp: string;
  /** This repository's id (the event's): only its own runs can be the baseline. */
  repositoryId: number | undefined;
  /** This (the companion's) run: where the full, recomputed report is. */
  ownRunUrl: string;
}

interface TriggeringRun {
  id: number;
  attempt: number;
  event: string;
  headSha: string;
  headBranch: string;
  headOwner: string | undefined;
}

/** The PR's run, from the workflow_run event (GitHub's own data about it, not the run's). */
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
  const payload = readEventPayload(env);
  const run = triggeringRun(payload);
  if (run.event !== "pull_request") {
    core.info(`The triggering run was a ${run.event} run, not a pull request: nothing to post.`);
    return;
  }
  try {
    await postForRun(inputs, env, run, repositoryId(payload));
  } catch (error) {
    const failure = error instanceof ConfigurationError ? undefined : describeGitHubFailure(error);
    if (failure === undefined) throw error;
    throw new ConfigurationError(
      `Could not post the report of run ${run.id}: GitHub failed (${failure}), also after retries. Re-run this job: the PR run's artifact is still there.`,
    );
  }
}

async function postForRun(
  inputs: GateInputs,
  env: NodeJS.ProcessEnv,
  run: TriggeringRun,
  ownRepositoryId: number | undefined,
): Promise<void> {
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
  const pullNumber = await findPullRequest(github, owner, repo, run);
  if (pullNumber === undefined) {
    core.notice(`No open pull request has head ${run.headSha.slice(0, 7)} any more: nothing to post.`);
    return;
  }
  const pull = await github.rest.pulls.get({ owner, repo, pull_number: pullNumber });
  const serverUrl = env.GITHUB_SERVER_URL ?? "https://github.com";
  const companion: Companion = {
    inputs,
    github,
    owner,
    repo,
    serverUrl,
    run,
    pullNumber,
    base: { sha: pull.data.base.sha, ref: pull.data.base.ref },
    defaultBranch: pull.data.base.repo.default_branch,
    runnerTemp: resolve(env.RUNNER_TEMP ?? "."),
    repositoryId: ownRepositoryId,
    ownRunUrl: runUrl(serverUrl, `${owner}/${repo}`, env.GITHUB_RUN_ID ?? "0"),
  };
  for (const artifact of gateArtifacts) await postOne(companion, artifact);
}

async function postOne(companion: Companion, artifact: { id: number; name: string }): Promise<void> {
  const { inputs, run } = companion;
  const record = await downloadRecord(companion, artifact);
  const prRunUrl = runUrl(companion.serverUrl, `${companion.owner}/${companion.repo}`, run.id);
  const links = { run: prRunUrl, artifact: `${prRunUrl}/artifacts/${artifact.id}` };
  const modelName = record.modelName ?? record.candidates[0]?.model ?? "";
  if (!SAFE_NAME.test(modelName)) {
    throw new ConfigurationError(
      `${artifact.name} of run ${run.id} names the model ${JSON.stringify(modelName.slice(0, 100))}, which is not a model name train-model accepts: refusing to post.`,
    );
  }
  if (modelName !== inputs.companionModel) {
    throw new ConfigurationError(
      `${artifact.name} of run ${run.id} is a gate of the model ${JSON.stringify(modelName)}, but this companion judges the model ${JSON.stringify(inputs.companionModel)} (input model-name): refusing to post, since the model name chooses the baseline. For a repository with several models, run one companion step per model, each with its own model-name.`,
    );
  }
  const baseline = await core.group("Find the baseline", () =>
    findBaseline(inputs.baseline, {
      workspace: inputs.workspace,
      runnerTemp: companion.runnerTemp,
      repository: { owner: companion.owner, repo: companion.repo },
      repositoryId: companion.repositoryId,
      // The PR's run: its own artifacts are never the baseline.
      runId: run.id,
      serverUrl: companion.serverUrl,
      artifactName: `mlops-run-${modelName}`,
      pullRequestBase: companion.base,
      defaultBranch: companion.defaultBranch,
      github: () => Promise.resolve(companion.github),
      token: inputs.token,
      modelName,
      registry: { registry: inputs.registry, env: process.env },
    }),
  );
  const report = judge(inputs, reportedCandidates(record, links), baseline, prRunUrl);
  report.notes.unshift(REPORTED_BY_PR_RUN);
  setVerdictOutputs(report);
  await writeReports(report, reportFiles(companion.runnerTemp, record.commentKey), inputs.rules.file);
  await postComment(companion, record.commentKey, report);
}

async function downloadRecord(
  companion: Companion,
  artifact: { id: number; name: string },
): Promise<GateRecord> {
  const { run } = companion;
  const directory = await mkdtemp(join(companion.runnerTemp, "mlops-gate-"));
  const { DefaultArtifactClient } = await import("@actions/artifact");
  await new DefaultArtifactClient().downloadArtifact(artifact.id, {
    path: directory,
    findBy: {
      token: companion.inputs.token,
      workflowRunId: run.id,
      repositoryOwner: companion.owner,
      repositoryName: companion.repo,
    },
  });
  const label = `${artifact.name} of run ${run.id}`;
  const record = parseGateRecord(
    JSON.parse(await readFile(join(directory, GATE_RECORD_FILE), "utf8")) as unknown,
    label,
  );
  if (gateArtifactName(record.commentKey) !== artifact.name || !SAFE_LABEL.test(record.commentKey)) {
    throw new ConfigurationError(
      `${label} names a comment key that does not match its artifact name: refusing to post.`,
    );
  }
  if (record.headSha !== run.headSha) {
    throw new ConfigurationError(
      `${label} is about ${record.headSha.slice(0, 7)}, but the run built ${run.headSha.slice(0, 7)}: refusing to post.`,
    );
  }
  if (record.candidates.some((c) => c.metrics === undefined)) {
    throw new ConfigurationError(
      `${label} is a gate record ${record.schemaVersion} without the candidates' metrics (written by an older evaluate-gate): the companion cannot judge it. Use the same mlops-actions version in both workflows.`,
    );
  }
  return record;
}

/** The candidates as the PR's run reported them: metrics and steps, with safe names and our links. */
function reportedCandidates(record: GateRecord, links: { run: string; artifact: string }): CandidateInput[] {
  return record.candidates.map((candidate, index) => {
    const name = SAFE_LABEL.test(candidate.label) ? candidate.label : `candidate ${index + 1}`;
    const label = `${name}, reported by the pull request's run`;
    return {
      label,
      metrics: candidate.metrics ?? {},
      ...(candidate.steps ? { steps: candidate.steps } : {}),
      model: SAFE_NAME.test(candidate.model) ? candidate.model : name,
      links,
    };
  });
}

async function postComment(companion: Companion, commentKey: string, report: GateReport): Promise<void> {
  const { run, pullNumber } = companion;
  const body = renderComment(report, {
    commentKey,
    fullReportUrl: companion.ownRunUrl,
    maxChars: COMMENT_BUDGET,
  });
  const outcome = await postStickyComment(
    companion.github,
    {
      owner: companion.owner,
      repo: companion.repo,
      pullNumber,
      headSha: run.headSha,
      runId: run.id,
      runAttempt: run.attempt,
    },
    commentKey,
    body,
  );
  if (outcome.posted) core.info(`Posted the gate report of run ${run.id} to #${pullNumber}: ${outcome.url}`);
  else if (outcome.readOnly)
    throw new ConfigurationError(
      `Cannot post to #${pullNumber}: ${outcome.reason}. The companion job needs \`permissions: pull-requests: write\`.`,
    );
  else core.notice(`Not posting to #${pullNumber}: ${outcome.reason}.`);
}
