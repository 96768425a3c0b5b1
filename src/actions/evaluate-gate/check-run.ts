// The optional check run: the verdict on the PR's head commit (pull_request.head.sha, not GITHUB_SHA,
// which is the merge commit), with annotations on the rules file's lines when the rules came from one.
// Its text embeds each candidate's run record sha256 and verdict, which publish-model's require-gate reads.
import { gateCheckText, type GateCheckCandidate } from "../../verdict/check-marker.ts";
import { isReportOnly, REPORT_ONLY } from "../../verdict/render.ts";
import type { GateReport, RuleResult } from "../../verdict/report.ts";
import { needsPermission } from "../../formats/github-errors.ts";
import type { GitHubClient } from "../../lib/octokit.ts";

const SUMMARY_LIMIT = 65_535;
const ANNOTATIONS_PER_REQUEST = 50;

export interface CheckRunTarget {
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  detailsUrl?: string;
  rulesFile?: string;
  /** The candidates with the sha256 of the run record each was judged on. */
  candidates?: readonly GateCheckCandidate[];
}

function conclusionOf(report: GateReport): "success" | "neutral" | "failure" {
  if (!report.passed) return "failure";
  return report.verdict === "pass" ? "success" : "neutral";
}

function annotationsOf(report: GateReport, rulesFile: string | undefined) {
  if (rulesFile === undefined) return [];
  const champion = report.candidates[report.champion ?? 0];
  const rules: RuleResult[] = champion?.rules ?? [];
  return rules
    .filter((rule) => rule.status === "fail" || rule.status === "inconclusive")
    .map((rule) => ({
      path: rulesFile,
      start_line: rule.line,
      end_line: rule.line,
      annotation_level:
        rule.status === "fail" && rule.countsAs === "error" ? ("failure" as const) : ("warning" as const),
      title: `${rule.status}: ${rule.text}`.slice(0, 255),
      message: rule.message.slice(0, 64_000),
    }));
}

export async function createGateCheckRun(
  github: GitHubClient,
  target: CheckRunTarget,
  report: GateReport,
  summary: string,
): Promise<number> {
  const annotations = annotationsOf(report, target.rulesFile);
  const output = (batch: typeof annotations) => ({
    title: isReportOnly(report) ? REPORT_ONLY : `Gate: ${report.verdict}`,
    summary:
      summary.length > SUMMARY_LIMIT
        ? `${summary.slice(0, SUMMARY_LIMIT - 40)}\n\n… (cut; see the job summary)`
        : summary,
    ...(target.candidates && target.candidates.length > 0 ? { text: gateCheckText(target.candidates) } : {}),
    annotations: batch,
  });
  const created = await needsPermission("checks: write", "create a check run", () =>
    github.rest.checks.create({
      owner: target.owner,
      repo: target.repo,
      name: target.name,
      head_sha: target.headSha,
      status: "completed",
      conclusion: conclusionOf(report),
      ...(target.detailsUrl ? { details_url: target.detailsUrl } : {}),
      output: output(annotations.slice(0, ANNOTATIONS_PER_REQUEST)),
    }),
  );
  // GitHub takes at most 50 annotations a request; the rest are appended by updates.
  for (let start = ANNOTATIONS_PER_REQUEST; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
    await github.rest.checks.update({
      owner: target.owner,
      repo: target.repo,
      check_run_id: created.data.id,
      output: output(annotations.slice(start, start + ANNOTATIONS_PER_REQUEST)),
    });
  }
  return created.data.id;
}
