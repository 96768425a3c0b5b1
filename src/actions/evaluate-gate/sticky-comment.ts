// The sticky PR comment: one comment per gate (found by its hidden marker and a bot author, across every
// page), updated in place and never duplicated, even when two runs of the gate race.
//
// Race safety: the comment carries the head SHA and run of the run that wrote it. Before writing, a run
// checks that the PR's head is still its head (a run for an older push must not overwrite the report of
// a newer one) and that no later run of the same head has reported already. After creating a comment,
// it re-reads and deletes older duplicates (two runs that both found no comment both create one: the
// newest survives). GitHub offers no conditional comment update, so a push landing in the milliseconds between
// a run's head check and its write can still let that run's report through; the next run replaces it.
import * as core from "@actions/core";
import { commentMarker } from "../../formats/markdown.ts";
import { isPermissionDenied } from "../../formats/github-errors.ts";
import type { GitHubClient } from "../../lib/octokit.ts";

export interface CommentTarget {
  owner: string;
  repo: string;
  pullNumber: number;
  /** The PR head this report is about. */
  headSha: string;
  runId: number;
  runAttempt: number;
}

export type CommentOutcome =
  | { posted: true; commentId: number; action: "created" | "updated"; url: string }
  | { posted: false; reason: string; readOnly: boolean };

const RUN_MARKER = /<!-- mlops-actions:gate-run head=([0-9a-f]+) run=(\d+) attempt=(\d+) -->/;

function runMarker(target: Pick<CommentTarget, "headSha" | "runId" | "runAttempt">): string {
  return `<!-- mlops-actions:gate-run head=${target.headSha} run=${target.runId} attempt=${target.runAttempt} -->`;
}

/** Adds the run marker after the key marker (the rendered comment's first line). */
function withRunMarker(body: string, target: CommentTarget): string {
  const newline = body.indexOf("\n");
  return newline < 0
    ? `${body}\n${runMarker(target)}`
    : `${body.slice(0, newline + 1)}${runMarker(target)}\n${body.slice(newline + 1)}`;
}

interface ExistingComment {
  id: number;
  body: string;
  html_url: string;
  bot: boolean;
}

async function listGateComments(
  github: GitHubClient,
  target: CommentTarget,
  marker: string,
): Promise<ExistingComment[]> {
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.pullNumber,
    per_page: 100,
  });
  return comments
    .map((c) => ({ id: c.id, body: c.body ?? "", html_url: c.html_url, bot: c.user?.type === "Bot" }))
    .filter((c) => c.bot && c.body.split("\n", 1)[0] === marker)
    .sort((a, b) => a.id - b.id);
}

/**
 * A later run (or attempt) for the same head already reported. Across heads, the PR's current head
 * decides (checked before writing), not run ids: a run for the newest push may have the smaller id.
 */
function isNewerRun(body: string, target: CommentTarget): boolean {
  const match = RUN_MARKER.exec(body);
  if (!match || match[1] !== target.headSha) return false;
  const run = Number(match[2]);
  const attempt = Number(match[3]);
  return run > target.runId || (run === target.runId && attempt > target.runAttempt);
}

async function currentHead(github: GitHubClient, target: CommentTarget): Promise<string> {
  const pr = await github.rest.pulls.get({
    owner: target.owner,
    repo: target.repo,
    pull_number: target.pullNumber,
  });
  return pr.data.head.sha;
}

export async function postStickyComment(
  github: GitHubClient,
  target: CommentTarget,
  key: string,
  body: string,
): Promise<CommentOutcome> {
  const marker = commentMarker(key);
  const text = withRunMarker(body, target);
  try {
    // Both reads only have to precede the write: sent together, they cost one round trip.
    const [head, existing] = await Promise.all([
      currentHead(github, target),
      listGateComments(github, target, marker),
    ]);
    if (head !== target.headSha) {
      return {
        posted: false,
        readOnly: false,
        reason: `the pull request's head moved to ${head.slice(0, 7)} since this run (${target.headSha.slice(0, 7)}); the newer run reports`,
      };
    }
    if (existing.some((c) => isNewerRun(c.body, target))) {
      return {
        posted: false,
        readOnly: false,
        reason: "a newer run of the gate for this head has already reported",
      };
    }
    const oldest = existing[0];
    const repository = { owner: target.owner, repo: target.repo };
    const action: "created" | "updated" = oldest ? "updated" : "created";
    const written: { id: number; html_url: string } = (
      oldest
        ? await github.rest.issues.updateComment({ ...repository, comment_id: oldest.id, body: text })
        : await github.rest.issues.createComment({
            ...repository,
            issue_number: target.pullNumber,
            body: text,
          })
    ).data;
    // Two runs that both found no comment have both created one: keep the newest, delete the older.
    // Only a comment this run created can have such a twin: an update rewrote the oldest comment found,
    // and comment ids only grow, so there is nothing older to delete (and no re-read to pay for).
    const after = action === "created" ? await listGateComments(github, target, marker) : [];
    for (const duplicate of after.filter((c) => c.id < written.id)) {
      core.info(`Deleting the older duplicate gate comment ${duplicate.id}.`);
      await github.rest.issues
        .deleteComment({ owner: target.owner, repo: target.repo, comment_id: duplicate.id })
        .catch((error: unknown) => {
          // The racing run may have deleted it first.
          core.debug(`Deleting comment ${duplicate.id}: ${String(error)}`);
        });
    }
    return { posted: true, commentId: written.id, action, url: written.html_url };
  } catch (error) {
    if (isPermissionDenied(error)) {
      return {
        posted: false,
        readOnly: true,
        reason:
          "the token may not write pull request comments (a fork's or Dependabot's read-only token, or a job without `permissions: pull-requests: write`)",
      };
    }
    throw error;
  }
}
