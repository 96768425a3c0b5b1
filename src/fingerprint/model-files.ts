// The model the run produced: a file or a folder of files, listed with sha256 and size, and one digest
// "sha256:<hex>" over the sorted (path, sha256, size) lines (see manifest.ts). Paths are relative to the
// model root (a single file is listed under its own name), matching the artifact layout under model/.
// Unlike data, a Git LFS pointer here is hashed as the bytes it is (that is what would be published) and
// a note warns about it; symlinks and special files are not listed and a note names them.
import { basename, dirname } from "node:path";
import { InputError } from "../formats/errors.ts";
import type { FileEntry, RunRecord } from "../record/run-record.ts";
import { hashFiles, type HashOptions } from "./hash-pool.ts";
import { byteOrder, filesDigest } from "./manifest.ts";
import { relPath, resolveIn, walkEntry } from "./tree-walk.ts";

export type ModelFingerprint = Pick<RunRecord["model"], "kind" | "files" | "digest" | "size"> & {
  notes: string[];
};

export async function fingerprintModel(
  workingDirectory: string,
  modelPath: string,
  options: HashOptions = {},
): Promise<ModelFingerprint> {
  const walk = walkEntry(workingDirectory, modelPath);
  if (walk.matched === "none" || walk.matched === "glob") {
    throw new InputError(
      "model-path",
      modelPath,
      walk.matched === "glob"
        ? "is a glob; it must name one file or folder"
        : "does not exist after the command ran",
      "Give the file or folder the training command writes the model to, relative to the working directory.",
    );
  }
  if (walk.matched !== "file" && walk.matched !== "folder") {
    throw new InputError(
      "model-path",
      modelPath,
      `is a ${walk.matched === "symlink" ? "symlink" : "special file"}, not a file or folder`,
      "Point model-path at the real file or folder.",
    );
  }
  const kind = walk.matched === "file" ? "file" : "directory";
  const root =
    kind === "file"
      ? dirname(resolveIn(workingDirectory, modelPath))
      : resolveIn(workingDirectory, modelPath);
  const regular = walk.nodes.filter((n) => n.kind === "file");
  const hashes = await hashFiles(
    regular.map((n) => ({ path: n.abs, size: n.size, label: n.rel })),
    options,
  );
  const files: FileEntry[] = regular.map((n, i) => {
    const hash = hashes[i];
    if (hash === undefined) throw new Error(`no hash for ${n.rel}`);
    return {
      path: kind === "file" ? basename(n.abs) : relPath(root, n.abs),
      sha256: hash.sha256,
      size: hash.size,
    };
  });
  files.sort((a, b) => byteOrder(a.path, b.path));

  const notes: string[] = [];
  const pointers = regular.filter((_, i) => hashes[i]?.lfs !== undefined).map((n) => n.rel);
  if (pointers.length > 0) {
    notes.push(
      `Git LFS pointer file(s) instead of model content: ${pointers.join(", ")}. Run 'git lfs pull' or check that the command wrote the model.`,
    );
  }
  const skipped = walk.nodes.filter((n) => n.kind !== "file").map((n) => `${n.rel} (${n.kind})`);
  if (skipped.length > 0)
    notes.push(`Not part of the model (symlinks and special files are not published): ${skipped.join(", ")}`);
  if (kind === "directory" && files.length === 0) notes.push("The model folder is empty.");

  return {
    kind,
    files,
    digest: `sha256:${filesDigest(files)}`,
    size: files.reduce((n, f) => n + f.size, 0),
    notes,
  };
}
