// What the gate leaves on the runner, before it talks to GitHub: the step outputs, the report files
// (gate-report.md, gate-report.json, mlops-gate.json), the job summary and the annotations. Shared by the
// gate and the fork companion, which both judge and then show a report.
import * as core from "@actions/core";
import { statfs } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  GATE_RECORD_FILE,
  GATE_REPORT_JSON_FILE,
  GATE_REPORT_MARKDOWN_FILE,
} from "../../gate/gate-record.ts";
import { renderFullReport, type GateReport } from "../../gate/index.ts";
import { ConfigurationError } from "../../lib/errors.ts";
import { appendSummary } from "../../lib/summary.ts";
import { writeFileAtomic } from "../../record/atomic-write.ts";

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
  await writeReportFile(files.markdownPath, fullReport);
  await writeReportFile(files.jsonPath, `${JSON.stringify(report)}\n`);
  core.setOutput("report", files.markdownPath);
  core.setOutput("report-json", files.jsonPath);
  await appendSummary(fullReport);
  annotateFailedRules(report, rulesFile);
}

/**
 * Writes one report file whole or not at all (temp file + rename: a full disk once left gate-report.json
 * cut mid-way, which a later step would have read as the report). A failure names the file and the
 * space left on its file system.
 */
export async function writeReportFile(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    const free = await freeSpace(dirname(path));
    throw new ConfigurationError(
      `Could not write ${path} (${Buffer.byteLength(text)} bytes): ${code === "ENOSPC" ? "no space left on the device" : (error as Error).message}${free === undefined ? "" : `; ${free} free there`}. Nothing was left half written. Free space on that disk (RUNNER_TEMP) or use a runner with a larger one.`,
    );
  }
}

async function freeSpace(directory: string): Promise<string | undefined> {
  try {
    const stats = await statfs(directory);
    const bytes = stats.bavail * stats.bsize;
    return bytes >= 1024 * 1024
      ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
      : `${Math.floor(bytes / 1024)} KiB`;
  } catch {
    return undefined;
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
