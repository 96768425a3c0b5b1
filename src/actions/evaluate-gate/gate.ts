// evaluate-gate's work: load candidates and the baseline, judge, write the report files, show the
// report (job summary, sticky PR comment, check run) and upload the gate record.
import * as core from "@actions/core";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  GATE_RECORD_FILE,
  GATE_RECORD_SCHEMA,
  GATE_RECORD_SCHEMA_VERSION,
  GATE_REPORT_JSON_FILE,
  GATE_REPORT_MARKDOWN_FILE,
  gateArtifactName,
  type GateRecord,
} from "../../gate/gate-record.ts";
import {
  evaluateGate,
  isReportOnly,
  renderComment,
  renderFullReport,
  type CandidateInput,
  type GateReport,
} from "../../gate/index.ts";
import { artifactServiceProblem, assertArtifactsSupported, uploadArtifact } from "../../lib/artifacts.ts";
import type { GitHubClient } from "../../lib/octokit.ts";
import { defaultBranch, pullRequestBase, readEventPayload, repositoryId } from "../../lib/event.ts";
import { appendSummary } from "../../lib/summary.ts";
import { readRunContext } from "../../train/run-context.ts";
import { resolveBaseline } from "./baseline.ts";
import { expandCandidates, loadMetricsSource } from "./candidates.ts";
import { createGateCheckRun } from "./check-run.ts";
import type { GateInputs } from "./inputs.ts";
import { policyAsOfBase } from "./policy-files.ts";
import { postStickyComment, type CommentOutcome } from "./sticky-comment.ts";

export interface GateResult {
  report: GateReport;
  markdownPath: string;
  jsonPath: string;
  recordPath: string;
  comment: CommentOutcome | undefined;
}

/** The comment leaves room for the run marker and the link to the full report. */
const COMMENT_BUDGET = 65_536 - 512;

export async function gate(given: GateInputs, env: NodeJS.ProcessEnv = process.env): Promise<GateResult> {
  const payload = readEventPayload(env);
  const context = readRunContext(env, payload);
  const [owner = "", repo = ""] = context.repository.split("/");
  const runnerTemp = resolve(env.RUNNER_TEMP ?? join(given.workspace, ".mlops-tmp"));
  let client: GitHubClient | undefined;
  const github = async (): Promise<GitHubClient> => {
    if (!client) {
      const { createOctokit } = await import("../../lib/octokit.ts");
      client = createOctokit(given.token);
    }
    return client;
  };
  // A pull request is judged by the rules and directions of its base commit.
  const { inputs, policyFiles } = await policyAsOfBase(given, {
    eventName: context.event,
    payload,
    repository: { owner, repo },
    github,
  });

  const candidates: CandidateInput[] = [];
  const recordDigests = new Map<string, string>();
  for (const file of expandCandidates(inputs.candidate, inputs.workspace, inputs.pathRoots)) {
    const loaded = await loadMetricsSource(file, inputs.workspace, runnerTemp);
    candidates.push({
      label: loaded.label,
      metrics: loaded.metrics,
      ...(loaded.ignored ? { ignored: loaded.ignored } : {}),
      ...(loaded.record ? { record: loaded.record } : {}),
    });
    if (loaded.recordSha256) recordDigests.set(loaded.label, loaded.recordSha256);
  }
  const modelName = candidates[0]?.record?.model.name ?? repo;
  const commentKey = inputs.commentKey ?? modelName;

  const baseline = await core.group("Find the baseline", async () => {
    const resolved = await resolveBaseline(inputs.baseline, {
      workspace: inputs.workspace,
      runnerTemp,
      repository: { owner, repo },
      repositoryId: repositoryId(payload),
      runId: Number(context.runId),
      serverUrl: context.serverUrl,
      artifactName: `mlops-run-${modelName}`,
      pullRequestBase: pullRequestBase(payload),
      defaultBranch: defaultBranch(payload),
      github,
      token: inputs.token,
    });
    core.info(
      resolved.input.available
        ? `Baseline: ${resolved.input.description}`
        : `No baseline: ${resolved.input.reason}`,
    );
    return resolved;
  });

  const report = evaluateGate({
    rules: inputs.rules.text,
    ...(inputs.rules.file ? { rulesFile: inputs.rules.file } : {}),
    directions: inputs.directions.text,
    ...(inputs.directions.file ? { directionsFile: inputs.directions.file } : {}),
    ...(inputs.rankBy ? { rankBy: inputs.rankBy } : {}),
    policyFiles,
    failOn: inputs.failOn,
    requireBaseline: inputs.requireBaseline,
    candidates: candidates.map((c) => ({
      ...c,
      links: { run: runUrl(context.serverUrl, context.repository, context.runId) },
    })),
    baseline: baseline.input,
  });

  const outputDir = join(runnerTemp, "mlops", commentKey.replace(/[^A-Za-z0-9._-]/g, "_"));
  await mkdir(outputDir, { recursive: true });
  const markdownPath = join(outputDir, GATE_REPORT_MARKDOWN_FILE);
  const jsonPath = join(outputDir, GATE_REPORT_JSON_FILE);
  const recordPath = join(outputDir, GATE_RECORD_FILE);
  const fullReport = renderFullReport(report);
  await writeFile(markdownPath, fullReport);
  await writeFile(jsonPath, `${JSON.stringify(report)}\n`);
  await appendSummary(fullReport);
  annotateFailedRules(report, inputs.rules.file);
  if (isReportOnly(report)) {
    core.warning(
      "No rules: nothing is gated, so this step passes whatever the metrics are (the report is only a report). Give 'rules', one a line, e.g. 'accuracy >= 0.90' and 'f1 >= baseline - 0.01'.",
      { title: "evaluate-gate: no rules" },
    );
  }

  const pullNumber = context.pullRequest;
  const headSha = context.headSha ?? context.sha;
  let comment: CommentOutcome | undefined;
  const wantsComment = inputs.comment === "always" || (inputs.comment === "auto" && pullNumber !== undefined);
  if (wantsComment) {
    if (pullNumber === undefined) {
      comment = { posted: false, readOnly: false, reason: "this run is not for a pull request" };
    } else {
      const body = renderComment(report, {
        commentKey,
        fullReportUrl: runUrl(context.serverUrl, context.repository, context.runId),
        maxChars: COMMENT_BUDGET,
      });
      comment = await core.group("Post the PR comment", async () =>
        postStickyComment(
          await github(),
          { owner, repo, pullNumber, headSha, runId: Number(context.runId), runAttempt: context.runAttempt },
          commentKey,
          body,
        ),
      );
    }
    if (comment.posted) core.info(`PR comment ${comment.action}: ${comment.url}`);
    else if (comment.readOnly) {
      core.warning(
        `Not commenting: ${comment.reason}. The report is in the job summary and in the ${gateArtifactName(commentKey)} artifact; the workflow_run companion (evaluate-gate with mode: post-from-artifact) can post it.`,
      );
    } else core.notice(`Not commenting: ${comment.reason}.`);
  }

  if (inputs.checkRun) {
    const summary = renderComment(report, { maxChars: 60_000 });
    try {
      const id = await createGateCheckRun(
        await github(),
        {
          owner,
          repo,
          headSha,
          name: `mlops gate: ${commentKey}`,
          detailsUrl: runUrl(context.serverUrl, context.repository, context.runId),
          ...(inputs.rules.file ? { rulesFile: inputs.rules.file } : {}),
        },
        report,
        summary,
      );
      core.info(`Check run ${id} created on ${headSha.slice(0, 7)}.`);
    } catch (error) {
      if (comment !== undefined && !comment.posted && comment.readOnly)
        core.warning(`No check run: the token is read-only (${String(error)}).`);
      else throw error;
    }
  }

  const record: GateRecord = {
    schema: GATE_RECORD_SCHEMA,
    schemaVersion: GATE_RECORD_SCHEMA_VERSION,
    verdict: report.verdict,
    passed: report.passed,
    commentKey,
    rules: {
      sha256: createHash("sha256").update(inputs.rules.text).digest("hex"),
      ...(inputs.rules.file ? { file: inputs.rules.file } : {}),
      count: report.candidates[0]?.rules.length ?? 0,
    },
    baseline: baseline.source,
    candidates: report.candidates.map((c, index) => {
      const recordSha256 = recordDigests.get(c.label);
      const modelDigest = candidates[index]?.record?.model.digest;
      return {
        label: c.label,
        model: c.model,
        ...(recordSha256 ? { recordSha256 } : {}),
        ...(modelDigest ? { modelDigest } : {}),
      };
    }),
    repository: context.repository,
    headSha,
    sha: context.sha,
    ...(pullNumber === undefined ? {} : { pullRequest: pullNumber }),
    runId: Number(context.runId),
    runAttempt: context.runAttempt,
    posted: comment?.posted ?? false,
    ...(comment && !comment.posted ? { postedReason: comment.reason } : {}),
    ...(comment?.posted ? { commentId: comment.commentId } : {}),
    report,
  };
  await writeFile(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  await uploadGateArtifact(commentKey, [recordPath, jsonPath, markdownPath], outputDir);
  return { report, markdownPath, jsonPath, recordPath, comment };
}

async function uploadGateArtifact(commentKey: string, files: string[], root: string): Promise<void> {
  const name = gateArtifactName(commentKey);
  try {
    assertArtifactsSupported("Uploading the gate record", "");
  } catch (error) {
    core.warning(`${String(error)} The gate record stays at ${root}.`);
    return;
  }
  // The verdict stands without the artifact: where no artifact service exists the gate still works.
  const problem = artifactServiceProblem(`Uploading the gate record (${name})`);
  if (problem !== undefined) {
    core.warning(
      `${problem} The gate record stays at ${root}; only the fork-PR companion and publish-model need it.`,
    );
    return;
  }
  try {
    const uploaded = await core.group(`Upload artifact ${name}`, () => uploadArtifact(name, files, root, {}));
    core.info(`Uploaded ${name} (id ${uploaded.id}).`);
  } catch (error) {
    // The verdict stands without it; only the fork companion and publish-model need the upload.
    core.warning(
      `Could not upload ${name}: ${error instanceof Error ? error.message : String(error)}. The gate record stays at ${root}.`,
    );
  }
}

function annotateFailedRules(report: GateReport, rulesFile: string | undefined): void {
  const champion = report.candidates[report.champion ?? 0];
  for (const rule of champion?.rules ?? []) {
    if (rule.status !== "fail" && rule.status !== "inconclusive") continue;
    const properties = {
      title: `Gate rule ${rule.status}: ${rule.text}`,
      ...(rulesFile ? { file: rulesFile, startLine: rule.line } : {}),
    };
    if (rule.status === "fail" && rule.countsAs === "error") core.error(rule.message, properties);
    else core.warning(rule.message, properties);
  }
}

function runUrl(serverUrl: string, repository: string, runId: string): string {
  return `${serverUrl}/${repository}/actions/runs/${runId}`;
}
