// The run record to publish and where its model files are: a record file this job has (train-model's
// output: the files at model.path in the workspace; or a downloaded mlops-run-<model> artifact: the files
// under model/ beside the record), or `artifact:<name>` of this run, downloaded here.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { artifactServiceProblem } from "../../lib/artifacts.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { checkedFile, realPath, type PathRoots } from "../../workspace/paths.ts";
import { parseRunRecord } from "../../record/record-io.ts";
import { ARTIFACT_MODEL_DIR, RUN_RECORD_FILE, type RunRecord } from "../../record/run-record.ts";
import type { RecordSource } from "./inputs.ts";

export interface LoadedRecord {
  record: RunRecord;
  /** The record file's exact bytes: their sha256 is what a gate signed off. */
  bytes: Uint8Array;
  label: string;
  modelRoot: string;
  /** The record's mtime when the model files are this job's own; undefined for a fresh download. */
  writtenAtMs: number | undefined;
}

export async function loadRecord(
  source: RecordSource,
  context: { workspace: string; runnerTemp: string; roots: PathRoots; ownRecord: string | undefined },
): Promise<LoadedRecord> {
  const path =
    source.kind === "file" ? source.path : await downloadRecordArtifact(source.name, context.runnerTemp);
  const label = source.kind === "file" ? path : `artifact ${source.name}`;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new ConfigurationError(
      `Input 'run-record': ${label} does not exist. Run train-model earlier in this job (it sets MLOPS_RUN_RECORD), or download the mlops-run-<model> artifact first, or use 'artifact:mlops-run-<model>'.`,
    );
  }
  const record = parseRunRecord(bytes.toString("utf8"), label);
  // This job's own training output is at model.path in the workspace; a downloaded artifact (by us or
  // by actions/download-artifact) has the files under model/ beside the record, with fresh mtimes.
  const inWorkspace = join(context.workspace, record.model.path);
  const local = source.kind === "file" && existsSync(inWorkspace);
  const modelRoot = local
    ? record.model.kind === "file"
      ? dirname(inWorkspace)
      : inWorkspace
    : join(dirname(path), ARTIFACT_MODEL_DIR);
  if (existsSync(modelRoot)) checkedFile(`The model folder of ${label}`, modelRoot, context.roots);
  return {
    record,
    bytes,
    label,
    modelRoot,
    // Only this job's own record (train-model set MLOPS_RUN_RECORD to it) dates its files: a download
    // gives every file the time it was extracted.
    writtenAtMs:
      local && context.ownRecord !== undefined && realPath(resolve(context.ownRecord)) === realPath(path)
        ? (await stat(path)).mtimeMs
        : undefined,
  };
}

async function downloadRecordArtifact(name: string, runnerTemp: string): Promise<string> {
  const problem = artifactServiceProblem(`Downloading the artifact ${name} (run-record: artifact:${name})`);
  if (problem !== undefined) throw new ConfigurationError(problem);
  const { ArtifactNotFoundError, DefaultArtifactClient } = await import("@actions/artifact");
  const client = new DefaultArtifactClient();
  const found = await client.getArtifact(name).catch((error: unknown) => {
    if (error instanceof ArtifactNotFoundError) return undefined;
    throw error;
  });
  if (!found) {
    throw new ConfigurationError(
      `Input 'run-record': this workflow run has no artifact named ${name}. train-model uploads mlops-run-<model-name>; check the name and that the training job ran before this one (needs:).`,
    );
  }
  const directory = await mkdtemp(join(runnerTemp, "mlops-publish-"));
  const { artifact } = found;
  // The service's digest of the archive catches a download damaged on the way; the files' own sha256
  // against the record (checkModelFiles) catches an artifact replaced by another step.
  const downloaded = await client.downloadArtifact(artifact.id, {
    path: directory,
    ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
  });
  if (downloaded.digestMismatch) {
    throw new ConfigurationError(
      `Input 'run-record': the download of artifact ${name} (id ${artifact.id}) does not match the artifact service's digest ${artifact.digest ?? ""}: it was damaged on the way. Re-run the job.`,
    );
  }
  return join(directory, RUN_RECORD_FILE);
}
