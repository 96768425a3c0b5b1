// List what a path list entry (file, folder or glob) covers, without following symlinks. Every node is
// classified: regular files are hashed; symlinks and special files (FIFOs, sockets, devices) are returned
// so the caller can report them. `.git` folders are never data and are not entered.
import type { Dirent, Stats } from "node:fs";
import { lstatSync, readdirSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { globToRegExp, isGlob, staticPrefix } from "./glob.ts";

export type NodeKind = "file" | "symlink" | "fifo" | "socket" | "block-device" | "char-device" | "other";

export interface TreeNode {
  /** Absolute path. */
  abs: string;
  /** Path relative to the working directory, forward slashes. */
  rel: string;
  kind: NodeKind;
  size: number;
}

export interface WalkResult {
  nodes: TreeNode[];
  /** What the entry named: nothing, a file, a folder, or a glob. */
  matched: "none" | "file" | "folder" | "glob" | "symlink" | "special";
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

/** Normalise a path list entry: forward slashes, no leading "./", no trailing "/". */
export function normaliseEntry(entry: string): string {
  let out = toPosix(entry.trim());
  while (out.startsWith("./")) out = out.slice(2);
  while (out.length > 1 && out.endsWith("/")) out = out.slice(0, -1);
  return out === "" ? "." : out;
}

export function walkEntry(workingDirectory: string, entry: string): WalkResult {
  const normal = normaliseEntry(entry);
  if (isGlob(normal)) {
    const matcher = globToRegExp(normal);
    const prefix = staticPrefix(normal);
    const start = prefix === "" ? workingDirectory : resolveIn(workingDirectory, prefix);
    const nodes: TreeNode[] = [];
    const walked = safeLstat(start);
    if (walked?.isDirectory()) {
      walkFolder(workingDirectory, start, nodes, (rel) => matcher.test(rel));
    }
    return { nodes, matched: nodes.length > 0 ? "glob" : "none" };
  }
  const abs = resolveIn(workingDirectory, normal);
  const stat = safeLstat(abs);
  if (stat === undefined) return { nodes: [], matched: "none" };
  const rel = relPath(workingDirectory, abs);
  if (stat.isDirectory()) {
    const nodes: TreeNode[] = [];
    walkFolder(workingDirectory, abs, nodes, () => true);
    return { nodes, matched: "folder" };
  }
  const kind = kindOf(stat);
  const matched = kind === "file" ? "file" : kind === "symlink" ? "symlink" : "special";
  return { nodes: [{ abs, rel, kind, size: kind === "file" ? stat.size : 0 }], matched };
}

/**
 * Walk a folder. When `select` is given, nodes whose relative path it accepts are taken; a selected
 * folder is taken whole (as @actions/glob does).
 * Synchronous on purpose: readdir + lstat from the page cache cost microseconds, and the promise API's
 * round trips through the thread pool made a 10,000-file walk take 200 ms instead of 25 ms.
 */
function walkFolder(
  workingDirectory: string,
  folder: string,
  out: TreeNode[],
  select: (rel: string) => boolean,
  selected = false,
): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    // A folder we may not read is reported like a special file, not skipped silently.
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    out.push({ abs: folder, rel: `${relPath(workingDirectory, folder)} (${code})`, kind: "other", size: 0 });
    return;
  }
  for (const dirent of entries) {
    const abs = join(folder, dirent.name);
    const rel = relPath(workingDirectory, abs);
    const take = selected || select(rel);
    if (dirent.isDirectory()) {
      if (dirent.name !== ".git") walkFolder(workingDirectory, abs, out, select, take);
      continue;
    }
    if (!take) continue;
    const kind = kindOf(dirent);
    // The size plans the hashing tasks; lstat (not stat) so a file swapped for a symlink is not followed.
    const size = kind === "file" ? (lstatSync(abs, { throwIfNoEntry: false })?.size ?? 0) : 0;
    out.push({ abs, rel, kind, size });
  }
}

/** Dirent and Stats answer the same is…() questions. */
function kindOf(d: Dirent | Stats): NodeKind {
  if (d.isFile()) return "file";
  if (d.isSymbolicLink()) return "symlink";
  if (d.isFIFO()) return "fifo";
  if (d.isSocket()) return "socket";
  if (d.isBlockDevice()) return "block-device";
  if (d.isCharacterDevice()) return "char-device";
  return "other";
}

function safeLstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ENOTDIR"
    ) {
      return undefined;
    }
    throw error;
  }
}

export function resolveIn(workingDirectory: string, path: string): string {
  return isAbsolute(path) ? path : join(workingDirectory, path);
}

export function relPath(workingDirectory: string, abs: string): string {
  const rel = toPosix(relative(workingDirectory, abs));
  return rel === "" ? "." : rel;
}
