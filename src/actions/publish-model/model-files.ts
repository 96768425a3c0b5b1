// Before any upload: are the model files still the ones the run record describes? For this job's own
// training output, size and mtime only (no second hashing pass over a model that may be gigabytes; the
// registry's own digest check on each blob upload catches a same-size rewrite that kept its mtime): a file
// modified after the record was written was changed since training. For a download (artifact:<name>, or a
// record that is not this job's own), mtimes say nothing and the artifact could have been replaced by any
// step of the run, so every file is hashed once and checked against the record's sha256.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError } from "../../formats/errors.ts";
import { hashFiles } from "../../fingerprint/hash-pool.ts";
import type { RunRecord } from "../../record/run-record.ts";

/** File systems and archive extraction round mtimes; anything later than this after the record counts. */
const MTIME_SLACK_MS = 2000;

export interface ModelFilesCheck {
  modelRoot: string;
  /** The record file's mtime; undefined when the files were just downloaded (their mtimes say nothing). */
  recordWrittenAtMs: number | undefined;
  recordLabel: string;
}

/** Resolves to how the files were checked, for the log; throws naming every file that differs. */
export async function checkModelFiles(record: RunRecord, check: ModelFilesCheck): Promise<string> {
  const problems: string[] = [];
  const present: RunRecord["model"]["files"] = [];
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
      } else present.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      problems.push(`${file.path}: missing`);
    }
  }
  const hashed = check.recordWrittenAtMs === undefined && problems.length === 0;
  if (hashed) problems.push(...(await digestProblems(present, check.modelRoot)));
  if (problems.length === 0) {
    const files = `${record.model.files.length} model file(s) in ${check.modelRoot}`;
    return hashed
      ? `${files}: each one's sha256 matches the record.`
      : `${files}: sizes match the record and none was modified after it was written.`;
  }
  const shown = problems.slice(0, 10).map((p) => `- ${p}`);
  if (problems.length > 10) shown.push(`- and ${problems.length - 10} more`);
  throw new ConfigurationError(
    `The model files in ${check.modelRoot} are not the ones the run record ${check.recordLabel} describes (nothing was uploaded):\n${shown.join("\n")}\n` +
      (hashed
        ? "The files were changed after train-model recorded them (a step that uploaded over the artifact, or a modified download). "
        : "") +
      "Publish the model the record was written for: run train-model again in this job, or set 'run-record' to the record that belongs to these files (or 'artifact:mlops-run-<model>' to publish the uploaded copy).",
    { file: check.recordLabel },
  );
}

/** Each file's sha256 against the record's: what a downloaded copy must prove before it is published. */
async function digestProblems(files: RunRecord["model"]["files"], modelRoot: string): Promise<string[]> {
  const hashes = await hashFiles(
    files.map((file) => ({ path: join(modelRoot, file.path), size: file.size, label: file.path })),
  );
  return files.flatMap((file, i) => {
    const actual = hashes[i]?.sha256;
    return actual === file.sha256
      ? []
      : [`${file.path}: sha256 ${actual ?? "(none)"}, the record says ${file.sha256}`];
  });
}
