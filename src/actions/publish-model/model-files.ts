// Before any upload: are the model files still the ones the run record describes? Size and mtime only
// (no second hashing pass over a model that may be gigabytes); the registry's own digest check on each
// blob upload catches a same-size rewrite that kept its mtime. A file modified after the record was
// written was changed since training.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError } from "../../formats/errors.ts";
import type { RunRecord } from "../../record/run-record.ts";

/** File systems and archive extraction round mtimes; anything later than this after the record counts. */
const MTIME_SLACK_MS = 2000;

export interface ModelFilesCheck {
  modelRoot: string;
  /** The record file's mtime; undefined when the files were just downloaded (their mtimes say nothing). */
  recordWrittenAtMs: number | undefined;
  recordLabel: string;
}

export async function checkModelFiles(record: RunRecord, check: ModelFilesCheck): Promise<void> {
  const problems: string[] = [];
  for (const file of record.model.files) {
    const path = join(check.modelRoot, file.path);
    try {
      const info = await stat(path);
      if (!info.isFile()) problems.push(`${file.path}: not a regular file any more`);
      else if (info.size !== file.size)
        problems.push(`${file.path}: ${info.size} bytes, the record says ${file.size}`);
      else if (
        check.recordWrittenAtMs !== undefined &&
        info.mtimeMs > check.recordWrittenAtMs + MTIME_SLACK_MS
      ) {
        problems.push(
          `${file.path}: modified at ${new Date(info.mtimeMs).toISOString()}, after the record was written (${new Date(check.recordWrittenAtMs).toISOString()})`,
        );
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      problems.push(`${file.path}: missing`);
    }
  }
  if (problems.length === 0) return;
  const shown = problems.slice(0, 10).map((p) => `- ${p}`);
  if (problems.length > 10) shown.push(`- and ${problems.length - 10} more`);
  throw new ConfigurationError(
    `The model files in ${check.modelRoot} are not the ones the run record ${check.recordLabel} describes (nothing was uploaded):\n${shown.join("\n")}\n` +
      "Publish the model the record was written for: run train-model again in this job, or set 'run-record' to the record that belongs to these files (or 'artifact:mlops-run-<model>' to publish the uploaded copy).",
    { file: check.recordLabel },
  );
}
