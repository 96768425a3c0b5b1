// What the gate leaves on the runner, before it talks to GitHub: the step outputs, the report files
// (gate-report.md, gate-report.json, mlops-gate.json), the job summary and the annotations. Shared by the
// gate and the fork companion, which both judge and then show a report.
import * as core from "@actions/core";
import { join } from "node:path";
import { GATE_RECORD_FILE } from "../../verdict/report.ts";
import { GATE_REPORT_JSON_FILE, GATE_REPORT_MARKDOWN_FILE } from "../../verdict/gate-record.ts";
import { isReportOnly, renderFullReport } from "../../verdict/render.ts";
import type { GateReport } from "../../verdict/report.ts";
import { appendSummary } from "../../lib/summary.ts";
import { writeFileAtomic } from "../../formats/atomic-write.ts";

export interface ReportFiles {
  outputDir: string;
  markdownPath: string;
  jsonPath: string;
  recordPath: string;
}

export function reportFiles(runnerTemp: string, commentKey: string): ReportFiles {
  const outputDir = join(runnerTemp, "mlops", commentKey.replace(/[^A-Za-z0-9._-]/g, "_"));
  return {
    outputDir,
    markdownPath: join(outputDir, GATE_REPORT_MARKDOWN_FILE),
    jsonPath: join(outputDir, GATE_REPORT_JSON_FILE),
    recordPath: join(outputDir, GATE_RECORD_FILE),
  };
}

/** The verdict outputs: set first, so that nothing after the verdict (disk, GitHub) can lose them. */
export function setVerdictOutputs(report: GateReport): void {
  core.setOutput("passed", String(report.passed));
  core.setOutput("verdict", report.verdict);
  const champion = report.champion === undefined ? undefined : report.candidates[report.champion];
  core.setOutput("champion", champion?.model ?? "");
}

/** Writes the full report (markdown and JSON), sets `report`/`report-json`, the summary and annotations. */
export async function writeReports(
  report: GateReport,
  files: ReportFiles,
  rulesFile: string | undefined,
): Promise<void> {
  const fullReport = renderFullReport(report);
  await writeFileAtomic(files.markdownPath, fullReport);
  await writeFileAtomic(files.jsonPath, `${JSON.stringify(report)}\n`);
  core.setOutput("report", files.markdownPath);
  core.setOutput("report-json", files.jsonPath);
  await appendSummary(fullReport);
  annotateFailedRules(report, rulesFile);
  if (isReportOnly(report)) {
    core.warning(
      "No rules: nothing is gated, so this step passes whatever the metrics are (the report is only a report). Give 'rules', one a line, e.g. 'accuracy >= 0.90' and 'f1 >= baseline - 0.01'.",
      { title: "evaluate-gate: no rules" },
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
