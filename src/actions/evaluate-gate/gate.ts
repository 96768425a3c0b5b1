// evaluate-gate's work, in the order that keeps the verdict whatever GitHub does:
//   1. load the candidates and find the baseline, judge;
//   2. the step outputs, then the report files, the job summary and the annotations (no network);
//   3. the gate record (mlops-gate.json), uploaded as the artifact mlops-gate-<comment-key>;
//   4. the network writes: the sticky PR comment and the check run (publish.ts).
// The uploaded record cannot know how step 4 went, so it says `posted: false` ("not posted yet"): the
// fork companion recomputes and posts from it regardless, and a GitHub fault in step 4 (or a job
// cancelled while the client waits out a rate limit) then still leaves it everything it needs. After
// step 4 the local record is rewritten with the outcome, for later steps of the job.
import * as core from "@actions/core";
import { join, resolve } from "node:path";
import type { GateCheckCandidate } from "../../verdict/check-marker.ts";
import { buildGateRecord, gateArtifactName, type GateRecord } from "../../verdict/gate-record.ts";
import { evaluateGate, type CandidateInput } from "../../verdict/evaluate.ts";
import type { GateReport, PolicyFileSource } from "../../verdict/report.ts";
import { artifactServiceProblem, assertArtifactsSupported, uploadArtifact } from "../../lib/artifacts.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { defaultBranch, pullRequestBase, readEventPayload, repositoryId } from "../../lib/event.ts";
import { describeGitHubFailure } from "../../formats/github-errors.ts";
import type { GitHubClient } from "../../lib/octokit.ts";
import { writeFileAtomic } from "../../formats/atomic-write.ts";
import { readRunContext, runUrl, type RunContext } from "../../lib/run-context.ts";
import { resolveBaseline, type BaselineContext, type ResolvedBaseline } from "./baseline.ts";
import { expandCandidates, loadMetricsSource } from "./candidates.ts";
import type { GateInputs } from "./inputs.ts";
import { policyAsOfBase } from "./policy-files.ts";
import { publishReport } from "./publish.ts";
import { reportFiles, setVerdictOutputs, writeReports } from "./report-files.ts";
import type { CommentOutcome } from "./sticky-comment.ts";

export interface GateResult {
  report: GateReport;
  markdownPath: string;
  jsonPath: string;
  recordPath: string;
  comment: CommentOutcome | undefined;
}

/** This run, as the gate needs it: from the environment and the event payload. */
interface GateRun {
  context: RunContext;
  payload: unknown;
  owner: string;
  repo: string;
  runnerTemp: string;
  headSha: string;
  runUrl: string;
  /** Created on first use: gates with a file baseline and no comment never need the API. */
  github: () => Promise<GitHubClient>;
}

interface Candidates {
  inputs: CandidateInput[];
  /** sha256 of each run record's bytes, by label, as the gate record pins them. */
  recordDigests: Map<string, string>;
  modelName: string;
}

export async function gate(given: GateInputs, env: NodeJS.ProcessEnv = process.env): Promise<GateResult> {
  const run = gateRun(given, env);
  // A pull request is judged by the rules and directions of its base commit.
  const { inputs, policyFiles } = await policyAsOfBase(given, {
    eventName: run.context.event,
    payload: run.payload,
    repository: { owner: run.owner, repo: run.repo },
    github: run.github,
  });
  const candidates = await loadCandidates(inputs, run);
  const commentKey = inputs.commentKey ?? candidates.modelName;
  const baseline = await core.group("Find the baseline", () =>
    findBaseline(inputs.baseline, baselineContext(inputs, run, candidates.modelName)),
  );
  const report = judge(inputs, candidates.inputs, baseline, run.runUrl, policyFiles);

  setVerdictOutputs(report);
  const files = reportFiles(run.runnerTemp, commentKey);
  await writeReports(report, files, inputs.rules.file);
  const record = gateRecord(inputs, run, { report, candidates, baseline, commentKey });
  await writeFileAtomic(files.recordPath, recordText(record));
  await uploadGateArtifact(
    commentKey,
    [files.recordPath, files.jsonPath, files.markdownPath],
    files.outputDir,
  );

  const published = await publishReport(
    inputs,
    {
      owner: run.owner,
      repo: run.repo,
      pullNumber: run.context.pullRequest,
      headSha: run.headSha,
      runId: Number(run.context.runId),
      runAttempt: run.context.runAttempt,
      runUrl: run.runUrl,
      commentKey,
      rulesFile: inputs.rules.file,
      checkCandidates: checkCandidates(record),
    },
    report,
    run.github,
  );
  await writeFileAtomic(files.recordPath, recordText(withPostedOutcome(record, published.comment)));
  if (published.problem) throw published.problem;
  return { ...files, report, comment: published.comment };
}

/** Candidates judged on a run record, with their verdicts: what the check run embeds for publish-model. */
function checkCandidates(record: GateRecord): GateCheckCandidate[] {
  return record.candidates.flatMap((c) => {
    const reported = record.report.candidates.find((r) => r.label === c.label);
    return c.recordSha256 && reported
      ? [{ model: c.model, recordSha256: c.recordSha256, verdict: reported.verdict, passed: reported.passed }]
      : [];
  });
}

function gateRun(inputs: GateInputs, env: NodeJS.ProcessEnv): GateRun {
  const payload = readEventPayload(env);
  const context = readRunContext(env, payload);
  const [owner = "", repo = ""] = context.repository.split("/");
  let client: GitHubClient | undefined;
  return {
    context,
    payload,
    owner,
    repo,
    runnerTemp: resolve(env.RUNNER_TEMP ?? join(inputs.workspace, ".mlops-tmp")),
    headSha: context.headSha ?? context.sha,
    runUrl: runUrl(context.serverUrl, context.repository, context.runId),
    github: async () => {
      if (!client) {
        const { createOctokit } = await import("../../lib/octokit.ts");
        client = createOctokit(inputs.token);
      }
      return client;
    },
  };
}

async function loadCandidates(inputs: GateInputs, run: GateRun): Promise<Candidates> {
  const loaded: CandidateInput[] = [];
  const recordDigests = new Map<string, string>();
  for (const file of expandCandidates(inputs.candidate, inputs.workspace, inputs.pathRoots)) {
    const source = await loadMetricsSource(file, inputs.workspace, run.runnerTemp);
    loaded.push({
      label: source.label,
      metrics: source.metrics,
      ...(source.ignored ? { ignored: source.ignored } : {}),
      ...(source.record ? { record: source.record } : {}),
    });
    if (source.recordSha256) recordDigests.set(source.label, source.recordSha256);
  }
  return { inputs: loaded, recordDigests, modelName: loaded[0]?.record?.model.name ?? run.repo };
}

function baselineContext(inputs: GateInputs, run: GateRun, modelName: string): BaselineContext {
  return {
    workspace: inputs.workspace,
    runnerTemp: run.runnerTemp,
    repository: { owner: run.owner, repo: run.repo },
    repositoryId: repositoryId(run.payload),
    runId: Number(run.context.runId),
    serverUrl: run.context.serverUrl,
    artifactName: `mlops-run-${modelName}`,
    pullRequestBase: pullRequestBase(run.payload),
    defaultBranch: defaultBranch(run.payload),
    github: run.github,
    token: inputs.token,
    modelName,
    registry: { registry: inputs.registry, env: process.env },
  };
}

/**
 * Resolves the baseline. GitHub failing here (after the client's retries) leaves no verdict to keep —
 * "no baseline" would skip rules and pass — so it is an error that says what failed, without a stack.
 */
export async function findBaseline(
  spec: GateInputs["baseline"],
  context: BaselineContext,
): Promise<ResolvedBaseline> {
  let resolved: ResolvedBaseline;
  try {
    resolved = await resolveBaseline(spec, context);
  } catch (error) {
    const failure = error instanceof ConfigurationError ? undefined : describeGitHubFailure(error);
    if (failure === undefined) throw error;
    throw new ConfigurationError(
      `Could not look up the baseline: GitHub failed (${failure}), also after retries. Re-run the job; if it persists, see https://www.githubstatus.com.`,
    );
  }
  core.info(
    resolved.input.available
      ? `Baseline: ${resolved.input.description}`
      : `No baseline: ${resolved.input.reason}`,
  );
  return resolved;
}

/** The verdict: the step's own rules and options, the candidates, the baseline. */
export function judge(
  inputs: GateInputs,
  candidates: readonly CandidateInput[],
  baseline: ResolvedBaseline,
  candidateRunUrl: string,
  policyFiles: readonly PolicyFileSource[] = [],
): GateReport {
  return evaluateGate({
    rules: inputs.rules.text,
    ...(inputs.rules.file ? { rulesFile: inputs.rules.file } : {}),
    directions: inputs.directions.text,
    ...(inputs.directions.file ? { directionsFile: inputs.directions.file } : {}),
    ...(inputs.rankBy ? { rankBy: inputs.rankBy } : {}),
    policyFiles,
    failOn: inputs.failOn,
    requireBaseline: inputs.requireBaseline,
    candidates: candidates.map((c) => ({ ...c, links: { run: candidateRunUrl, ...c.links } })),
    baseline: baseline.input,
  });
}

function gateRecord(
  inputs: GateInputs,
  run: GateRun,
  judged: { report: GateReport; candidates: Candidates; baseline: ResolvedBaseline; commentKey: string },
): GateRecord {
  return buildGateRecord({
    report: judged.report,
    commentKey: judged.commentKey,
    rules: inputs.rules,
    baseline: judged.baseline.source,
    candidates: judged.candidates.inputs,
    recordDigests: judged.candidates.recordDigests,
    modelName: judged.candidates.modelName,
    run: {
      repository: run.context.repository,
      headSha: run.headSha,
      sha: run.context.sha,
      pullRequest: run.context.pullRequest,
      runId: Number(run.context.runId),
      runAttempt: run.context.runAttempt,
    },
  });
}

function withPostedOutcome(record: GateRecord, comment: CommentOutcome | undefined): GateRecord {
  const { postedReason: _notYet, ...rest } = record;
  if (comment?.posted) return { ...rest, posted: true, commentId: comment.commentId };
  return { ...rest, posted: false, postedReason: comment?.reason ?? "the step does not comment here" };
}

function recordText(record: GateRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
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
