// Fingerprint the `data-paths` entries (files, folders, globs; relative to the working directory).
//
// Per entry, one digest over the sorted (path, sha256) pairs of its files (see manifest.ts), where:
//   - paths are relative to the working directory;
//   - a Git LFS pointer file counts with the oid and size it names, so a pulled file and its pointer give
//     the same digest; the entry's source is then "lfs-pointer" and a note names the pointers;
//   - a symlink is not followed (it might lead out of the tree); it counts with the hash of its target
//     text, so re-pointing it changes the digest, and a note names it;
//   - FIFOs, sockets and devices are never opened; a note names them;
//   - an entry that dvc.lock records (an out or dep with an md5) is not read at all: its digest is the
//     sha256 of "md5:<md5>  <path>\n" and its source is "dvc.lock".
import { statSync } from "node:fs";
import { readlink } from "node:fs/promises";
import { InputError } from "../formats/errors.ts";
import { checkedPath, type PathRoots } from "../workspace/paths.ts";
import type { DataPathEntry } from "../record/run-record.ts";
import { readDvcLock, type DvcLockedPath } from "./dvc-lock.ts";
import { HashPool, type FileHash, type HashOptions } from "./hash-pool.ts";
import { byteOrder, pathsDigest, sha256Hex, symlinkHash, type ManifestLine } from "./manifest.ts";
import { isGlob } from "./glob.ts";
import { normaliseEntry, resolveIn, walkEntry, type TreeNode, type WalkResult } from "./tree-walk.ts";

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export interface DataFingerprint {
  paths: DataPathEntry[];
  /** sha256 over "<digest>  <path>\n" of every entry, sorted by path; "" when no paths were given. */
  digest: string;
  files: number;
  bytes: number;
}

export interface PathListOptions extends HashOptions {
  /** The input the entries came from, for error messages. */
  inputName?: string;
  /** When given, every glob match must resolve inside these (a symlink matched by a glob may not lead out). */
  roots?: PathRoots;
}

/** Split a multi-line path list input: one entry per line; blank lines and `#` comments dropped. */
export function parsePathList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

const MAX_NAMED = 20;

export async function fingerprintDataPaths(
  workingDirectory: string,
  entries: readonly string[],
  options: PathListOptions = {},
): Promise<DataFingerprint> {
  const inputName = options.inputName ?? "data-paths";
  if (entries.length === 0) return { paths: [], digest: "", files: 0, bytes: 0 };
  const dvc = await readDvcLock(workingDirectory);
  // A folder or glob may hold many files: start the workers now, so they boot while the tree is walked.
  // Single files are usually small enough to hash in this thread, starting no workers at all.
  const pool = new HashPool(options);
  if (
    entries.some((entry) => isGlob(entry) || isDirectory(resolveIn(workingDirectory, normaliseEntry(entry))))
  ) {
    pool.prestart();
  }
  try {
    return await fingerprintWith(pool, workingDirectory, entries, dvc, inputName, options.roots);
  } finally {
    await pool.close();
  }
}

type EntryWalk = { entry: string; dvc?: DvcLockedPath; walk?: WalkResult };
type HashOf = Map<TreeNode, FileHash | undefined>;

async function fingerprintWith(
  pool: HashPool,
  workingDirectory: string,
  entries: readonly string[],
  dvc: Map<string, DvcLockedPath>,
  inputName: string,
  roots: PathRoots | undefined,
): Promise<DataFingerprint> {
  const walks: EntryWalk[] = entries.map((entry) => {
    const locked = dvc.get(normaliseEntry(entry));
    if (locked !== undefined) return { entry, dvc: locked };
    return { entry, walk: walkDataEntry(workingDirectory, entry, inputName, roots) };
  });

  // One hashing pass over every file of every entry keeps all cores busy.
  const allFiles: TreeNode[] = walks.flatMap((w) => (w.walk?.nodes ?? []).filter((n) => n.kind === "file"));
  const hashes = await pool.hash(allFiles.map((n) => ({ path: n.abs, size: n.size, label: n.rel })));
  const hashOf: HashOf = new Map(allFiles.map((n, i) => [n, hashes[i]]));

  const paths: DataPathEntry[] = [];
  for (const { entry, dvc: locked, walk } of walks) {
    paths.push(locked !== undefined ? dvcLockedEntry(entry, locked) : await walkedEntry(entry, walk, hashOf));
  }
  const sorted = [...paths].sort((a, b) => byteOrder(a.path, b.path));
  return {
    paths,
    digest: sha256Hex(sorted.map((p) => `${p.digest}  ${p.path}\n`).join("")),
    files: paths.reduce((n, p) => n + p.files, 0),
    bytes: paths.reduce((n, p) => n + p.bytes, 0),
  };
}

/** The files and folders one data-paths entry names; errors name the input, the entry and the fix. */
function walkDataEntry(
  workingDirectory: string,
  entry: string,
  inputName: string,
  roots: PathRoots | undefined,
): WalkResult {
  let walk: WalkResult;
  try {
    walk = walkEntry(workingDirectory, entry);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("unbalanced")) {
      throw new InputError(
        inputName,
        entry,
        "is not a valid glob (unbalanced '{')",
        "Close every '{' with '}'.",
      );
    }
    throw error;
  }
  if (walk.matched === "none") {
    throw new InputError(
      inputName,
      entry,
      "matches no file or folder",
      `Paths and globs are relative to the working directory (${workingDirectory}); check the spelling, and that the data is checked out or pulled before this step.`,
    );
  }
  if (roots !== undefined && walk.matched === "glob") {
    for (const node of walk.nodes) checkedPath(inputName, node.rel, workingDirectory, roots);
  }
  return walk;
}

/** An entry dvc.lock already hashed: its md5 stands for the files, which are not read. */
function dvcLockedEntry(entry: string, locked: DvcLockedPath): DataPathEntry {
  return {
    path: entry,
    digest: sha256Hex(`md5:${locked.md5}  ${locked.path}\n`),
    files: locked.nfiles ?? (locked.md5.endsWith(".dir") ? 0 : 1),
    bytes: locked.size ?? 0,
    source: "dvc.lock",
    notes: [
      `Hash taken from dvc.lock (stage '${locked.stage}', md5 ${locked.md5}); the files were not read.`,
    ],
  };
}

/** An entry read from disk: its manifest digest, counts, and notes on what was not read as content. */
async function walkedEntry(
  entry: string,
  walk: WalkResult | undefined,
  hashOf: HashOf,
): Promise<DataPathEntry> {
  const nodes = walk?.nodes ?? [];
  const lines: ManifestLine[] = [];
  const lfs: string[] = [];
  const symlinks: string[] = [];
  const special: string[] = [];
  let files = 0;
  let bytes = 0;
  for (const node of nodes) {
    if (node.kind === "file") {
      const hash = hashOf.get(node);
      if (hash === undefined) throw new Error(`no hash for ${node.rel}`);
      if (hash.lfs) {
        lfs.push(node.rel);
        lines.push({ path: node.rel, sha256: hash.lfs.oid });
        bytes += hash.lfs.size;
      } else {
        lines.push({ path: node.rel, sha256: hash.sha256 });
        bytes += hash.size;
      }
      files++;
    } else if (node.kind === "symlink") {
      const target = await readlink(node.abs);
      symlinks.push(`${node.rel} -> ${target}`);
      lines.push({ path: node.rel, sha256: symlinkHash(target) });
    } else {
      special.push(`${node.rel} (${node.kind})`);
    }
  }
  const notes = setAsideNotes(lfs, symlinks, special);
  if (walk?.matched === "folder" && nodes.length === 0) notes.push("The folder is empty.");
  return {
    path: entry,
    digest: pathsDigest(lines),
    files,
    bytes,
    source: lfs.length > 0 ? "lfs-pointer" : "files",
    notes,
  };
}

function setAsideNotes(
  lfs: readonly string[],
  symlinks: readonly string[],
  special: readonly string[],
): string[] {
  const notes: string[] = [];
  if (lfs.length > 0) {
    notes.push(
      `${lfs.length} Git LFS pointer file(s), counted by the oid they name (the content was not pulled): ${named(lfs)}`,
    );
  }
  if (symlinks.length > 0) {
    notes.push(
      `${symlinks.length} symlink(s), not followed (their target text is hashed): ${named(symlinks)}`,
    );
  }
  if (special.length > 0) {
    notes.push(
      `${special.length} special file(s) (FIFO, socket, device or unreadable folder), not read: ${named(special)}`,
    );
  }
  return notes;
}

function named(items: readonly string[]): string {
  const shown = [...items].sort(byteOrder).slice(0, MAX_NAMED).join(", ");
  return items.length > MAX_NAMED ? `${shown}, and ${items.length - MAX_NAMED} more` : shown;
}
