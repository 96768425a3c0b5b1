// Candidates and file baselines: run records (mlops-run.json from train-model) or plain metrics files.
import { createHash } from "node:crypto";
import { globSync, readFileSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { InputError } from "../../formats/errors.ts";
import { checkedPath, type PathRoots } from "../../workspace/paths.ts";
import { readMetricsFile } from "../../metrics/metrics-file.ts";
import { parseRunRecord } from "../../record/record-io.ts";
import type { RunRecord } from "../../record/run-record.ts";

export interface LoadedMetrics {
  /** Workspace-relative path, as reports and messages name it. */
  label: string;
  metrics: Record<string, unknown>;
  /** Values of a metrics file that are not numbers (a run record keeps them in `ignoredMetrics`). */
  ignored?: { name: string; value: unknown }[];
  record?: RunRecord;
  /** sha256 of the run record's bytes, as mlops-gate.json pins the candidate. */
  recordSha256?: string;
}

/**
 * Expands a path or glob (relative to the workspace) to files, sorted for a stable leaderboard; each
 * match must resolve inside the allowed roots.
 */
export function expandCandidates(
  pattern: string,
  workspace: string,
  roots: PathRoots,
  input = "candidate",
): string[] {
  const patterns = pattern
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const files = new Set<string>();
  for (const entry of patterns) {
    const matches = /[*?[{]/.test(entry)
      ? globSync(entry, { cwd: workspace }).map((match) => resolve(workspace, match))
      : [resolve(workspace, entry)];
    for (const match of matches) {
      checkedPath(input, match, workspace, roots);
      files.add(match);
    }
  }
  const found = [...files].sort();
  if (found.length === 0) {
    throw new InputError(
      input,
      pattern,
      "matches no files",
      "Give run records (mlops-run.json) or metrics files; globs are relative to the workspace.",
    );
  }
  return found;
}

/** How reports name a file: relative to the workspace, or under $RUNNER_TEMP (where train-model's record is). */
function displayPath(path: string, workspace: string, runnerTemp?: string): string {
  if (!isAbsolute(path)) return path;
  const inWorkspace = relative(workspace, path);
  if (!inWorkspace.startsWith("..")) return inWorkspace;
  if (runnerTemp !== undefined) {
    const inTemp = relative(runnerTemp, path);
    if (!inTemp.startsWith("..")) return `$RUNNER_TEMP/${inTemp}`;
  }
  return path;
}

/** Reads a run record, or else a metrics file (JSON, YAML or CSV). */
export async function loadMetricsSource(
  path: string,
  workspace: string,
  runnerTemp?: string,
): Promise<LoadedMetrics> {
  const label = displayPath(path, workspace, runnerTemp);
  if (/\.json$/i.test(path)) {
    let text: string | undefined;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      // Not readable here: readMetricsFile below says so with the file named.
    }
    if (text !== undefined && /"schema"\s*:\s*"mlops-actions\/run-record"/.test(text)) {
      const record = parseRunRecord(text, label);
      return {
        label,
        metrics: record.metrics,
        record,
        recordSha256: createHash("sha256").update(text).digest("hex"),
      };
    }
  }
  const { metrics, ignored } = await readMetricsFile(path, label);
  return { label, metrics, ignored };
}
