// The gate's network writes, last: the sticky PR comment and the check run. By the time they run, the
// verdict is in the step outputs, the report files and the job summary, and the gate record is uploaded,
// so GitHub failing here (a 5xx or a secondary rate limit that outlasted the client's retries, a 404,
// a dropped connection) costs only the comment: a warning, `posted: false` with the reason in the gate
// record, and the step's result still follows the verdict. A rejected token (401) or a missing
// permission is the workflow's to fix: an error, returned so the caller can finish its files first.
import * as core from "@actions/core";
import { GATE_CHECK_NAME_PREFIX, type GateCheckCandidate } from "../../verdict/check-marker.ts";
import { gateArtifactName } from "../../verdict/gate-record.ts";
import { COMMENT_BUDGET, renderComment } from "../../verdict/render.ts";
import type { GateReport } from "../../verdict/report.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { describeGitHubFailure } from "../../formats/github-errors.ts";
import type { GitHubClient } from "../../lib/octokit.ts";
import { createGateCheckRun } from "./check-run.ts";
import type { GateInputs } from "./inputs.ts";
import { postStickyComment, type CommentOutcome } from "./sticky-comment.ts";

export interface PublishTarget {
  owner: string;
  repo: string;
  pullNumber: number | undefined;
  headSha: string;
  runId: number;
  runAttempt: number;
  /** This run's page: the comment's link to the full report, the check run's details. */
  runUrl: string;
  commentKey: string;
  rulesFile: string | undefined;
  /** Candidates judged on a run record, for the check run's text (publish-model's require-gate). */
  checkCandidates: readonly GateCheckCandidate[];
}

export interface Published {
  comment: CommentOutcome | undefined;
  /** An error for the workflow's author (token, permission), raised once everything else is done. */
  problem: ConfigurationError | undefined;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; reason: string; problem?: ConfigurationError };

/** Runs one GitHub write; a GitHub failure becomes a reason, a configuration error a problem, a bug throws. */
async function attempt<T>(call: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof ConfigurationError) return { ok: false, reason: error.message, problem: error };
    const failure = describeGitHubFailure(error);
    if (failure === undefined) throw error;
    return { ok: false, reason: `GitHub failed (${failure})` };
  }
}

export async function publishReport(
  inputs: GateInputs,
  target: PublishTarget,
  report: GateReport,
  github: () => Promise<GitHubClient>,
): Promise<Published> {
  const comment = await commentStep(inputs, target, report, github);
  let problem = comment.problem;
  if (inputs.checkRun) {
    const readOnly = comment.outcome !== undefined && !comment.outcome.posted && comment.outcome.readOnly;
    problem ??= await checkRunStep(target, report, github, readOnly);
  }
  return { comment: comment.outcome, problem };
}

async function commentStep(
  inputs: GateInputs,
  target: PublishTarget,
  report: GateReport,
  github: () => Promise<GitHubClient>,
): Promise<{ outcome: CommentOutcome | undefined; problem?: ConfigurationError }> {
  const { pullNumber } = target;
  const wanted = inputs.comment === "always" || (inputs.comment === "auto" && pullNumber !== undefined);
  if (!wanted) return { outcome: undefined };
  if (pullNumber === undefined) {
    core.notice("Not commenting: this run is not for a pull request.");
    return { outcome: { posted: false, readOnly: false, reason: "this run is not for a pull request" } };
  }
  const body = renderComment(report, {
    commentKey: target.commentKey,
    fullReportUrl: target.runUrl,
    maxChars: COMMENT_BUDGET,
  });
  const result = await core.group("Post the PR comment", () =>
    attempt(async () =>
      postStickyComment(
        await github(),
        { ...target, pullNumber, runId: target.runId, runAttempt: target.runAttempt },
        target.commentKey,
        body,
      ),
    ),
  );
  const artifact = gateArtifactName(target.commentKey);
  if (!result.ok) {
    if (!result.problem) {
      core.warning(
        `Could not post the PR comment: ${result.reason}. The verdict stands; the report is in the job summary and in the ${artifact} artifact (posted: false), from which the workflow_run companion (mode: post-from-artifact) can post it.`,
      );
    }
    return {
      outcome: { posted: false, readOnly: false, reason: result.reason },
      ...(result.problem ? { problem: result.problem } : {}),
    };
  }
  const outcome = result.value;
  if (outcome.posted) core.info(`PR comment ${outcome.action}: ${outcome.url}`);
  else if (outcome.readOnly) {
    core.warning(
      `Not commenting: ${outcome.reason}. The report is in the job summary and in the ${artifact} artifact; the workflow_run companion (evaluate-gate with mode: post-from-artifact) can post it.`,
    );
  } else core.notice(`Not commenting: ${outcome.reason}.`);
  return { outcome };
}

async function checkRunStep(
  target: PublishTarget,
  report: GateReport,
  github: () => Promise<GitHubClient>,
  readOnlyToken: boolean,
): Promise<ConfigurationError | undefined> {
  const summary = renderComment(report, { maxChars: COMMENT_BUDGET });
  const result = await attempt(async () =>
    createGateCheckRun(
      await github(),
      {
        owner: target.owner,
        repo: target.repo,
        headSha: target.headSha,
        name: `${GATE_CHECK_NAME_PREFIX}${target.commentKey}`,
        detailsUrl: target.runUrl,
        ...(target.rulesFile ? { rulesFile: target.rulesFile } : {}),
        candidates: target.checkCandidates,
      },
      report,
      summary,
    ),
  );
  if (result.ok) {
    core.info(`Check run ${result.value} created on ${target.headSha.slice(0, 7)}.`);
    return undefined;
  }
  if (result.problem && !readOnlyToken) return result.problem;
  core.warning(
    readOnlyToken
      ? `No check run: the token is read-only (${result.reason}).`
      : `Could not create the check run: ${result.reason}. The verdict stands and is in the job summary.`,
  );
  return undefined;
}
