// Reading and writing the run record (mlops-run.json). Both sides validate against the zod schema:
// the writer so that a bug in this toolkit never ships a record readers would reject, the reader so that
// a hand-edited or foreign file fails with the file and the field named, not deep inside a gate.
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { ConfigurationError } from "../formats/errors.ts";
import { parseJsonText } from "../formats/json-text.ts";
import { writeFileAtomic } from "../formats/atomic-write.ts";
import { RUN_RECORD_SCHEMA_VERSION, RunRecord } from "./run-record.ts";

const SUPPORTED_MAJOR = RUN_RECORD_SCHEMA_VERSION.split(".")[0] ?? "1";

/** Validate, then write atomically (temp file + rename) as 2-space JSON with a trailing newline. */
export async function writeRunRecord(path: string, record: RunRecord): Promise<RunRecord> {
  const result = RunRecord.safeParse(record);
  if (!result.success) {
    // Our own output is wrong: a bug in this toolkit, not something the user can fix.
    throw new Error(
      `Refusing to write an invalid run record to ${path}: ${describeIssues(result.error.issues)}`,
    );
  }
  await writeFileAtomic(path, `${JSON.stringify(result.data, null, 2)}\n`);
  return result.data;
}

/** Read and validate a run record. `label` names the file in messages (e.g. the artifact it came from). */
export async function readRunRecord(path: string, label = path): Promise<RunRecord> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ConfigurationError(
        `${label}: run record not found. It is written by the train-model action; check that the artifact or path holds mlops-run.json.`,
        { file: label },
      );
    }
    throw error;
  }
  return parseRunRecord(text, label);
}

export function parseRunRecord(text: string, label: string): RunRecord {
  const { value, nonFinite } = parseJsonText(text, label);
  const bad = nonFinite[0];
  if (bad !== undefined) {
    throw new ConfigurationError(
      `${label}:${bad.line}: ${bad.token} at '${bad.path.join(".")}' is not valid in a run record.`,
      {
        file: label,
        line: bad.line,
      },
    );
  }
  const header = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (header.schema !== "mlops-actions/run-record") {
    throw new ConfigurationError(
      `${label}: not a run record ('schema' is ${JSON.stringify(header.schema) ?? "missing"}, expected "mlops-actions/run-record").`,
      { file: label },
    );
  }
  const version = header.schemaVersion;
  const major = typeof version === "string" ? version.split(".")[0] : undefined;
  if (major !== SUPPORTED_MAJOR) {
    throw new ConfigurationError(
      `${label}: run record schema version ${JSON.stringify(version) ?? "(missing)"} is not supported; this toolkit reads ${SUPPORTED_MAJOR}.x ` +
        `(it writes ${RUN_RECORD_SCHEMA_VERSION}). Use the same major version of train-model and the action reading the record.`,
      { file: label },
    );
  }
  const result = RunRecord.safeParse(value);
  if (!result.success) {
    throw new ConfigurationError(`${label}: invalid run record: ${describeIssues(result.error.issues)}`, {
      file: label,
    });
  }
  return result.data;
}

/** "model.digest: a lowercase hex sha256; metrics.loss: expected number" (first 5 issues). */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join(".");
    return `${path === "" ? "(top level)" : path}: ${issue.message}`;
  });
  const more = issues.length > 5 ? `; and ${issues.length - 5} more` : "";
  return `${shown.join("; ")}${more}`;
}
