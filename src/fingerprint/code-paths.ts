// Fingerprint the `code-paths` entries (files or folders, relative to the working directory).
//
// A path with no uncommitted changes (`git status --porcelain` shows nothing under it, untracked files
// included) is identified by its git object id at HEAD: the tree for a folder, the blob for a file
// (source "git-tree"). This is free to compute and matches across clones.
// A path with changes, or outside a git work tree, is hashed from its files (source "files"): in a
// repository the files git would commit (tracked and untracked, minus .gitignore'd); otherwise every file.
// The digest is then the sha256 over "<sha256>  <path>\n" lines, as for data.
import { lstat, readlink } from "node:fs/promises";
import { InputError } from "../formats/errors.ts";
import type { RunRecord } from "../record/run-record.ts";
import { git, isGitWorkTree } from "./git.ts";
import { hashFiles, type HashOptions } from "./hash-pool.ts";
import { pathsDigest, symlinkHash, type ManifestLine } from "./manifest.ts";
import { normaliseEntry, relPath, resolveIn, walkEntry, type TreeNode } from "./tree-walk.ts";

export type CodeFingerprint = Pick<RunRecord["code"], "dirty" | "paths">;

export async function fingerprintCode(
  workingDirectory: string,
  codePaths: readonly string[],
  options: HashOptions = {},
): Promise<CodeFingerprint> {
  const inGit = await isGitWorkTree(workingDirectory);
  const paths: CodeFingerprint["paths"] = [];
  let dirty = !inGit;
  for (const entry of codePaths) {
    const path = normaliseEntry(entry);
    const abs = resolveIn(workingDirectory, path);
    const exists = await lstat(abs).then(
      () => true,
      () => false,
    );
    if (!exists) {
      throw new InputError(
        "code-paths",
        entry,
        "does not exist",
        `Give files or folders relative to the working directory (${workingDirectory}).`,
      );
    }
    if (inGit) {
      const status = await git(workingDirectory, [
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--",
        path,
      ]);
      if (status.ok && status.stdout === "") {
        const object = await git(workingDirectory, [
          "rev-parse",
          "--verify",
          "--quiet",
          `HEAD:./${path === "." ? "" : path}`,
        ]);
        if (object.ok && object.stdout.trim() !== "") {
          paths.push({ path: entry, digest: object.stdout.trim(), source: "git-tree" });
          continue;
        }
      }
      dirty = true;
      paths.push({
        path: entry,
        digest: await hashGitFiles(workingDirectory, path, options),
        source: "files",
      });
    } else {
      paths.push({
        path: entry,
        digest: await hashWalkedFiles(workingDirectory, path, options),
        source: "files",
      });
    }
  }
  return { dirty, paths };
}

/** The files git would commit under `path`, hashed. */
async function hashGitFiles(workingDirectory: string, path: string, options: HashOptions): Promise<string> {
  const listed = await git(workingDirectory, [
    "ls-files",
    "-z",
    "--cached",
    "--others",
    "--exclude-standard",
    "--",
    path,
  ]);
  const nodes: TreeNode[] = [];
  const seen = new Set<string>();
  for (const rel of listed.stdout.split("\0")) {
    if (rel === "" || seen.has(rel)) continue; // a file both staged and changed is listed twice
    seen.add(rel);
    const abs = resolveIn(workingDirectory, rel);
    const stat = await lstat(abs).catch(() => undefined);
    if (stat === undefined) continue; // deleted in the work tree: absent from the digest
    if (stat.isFile())
      nodes.push({ abs, rel: relPath(workingDirectory, abs), kind: "file", size: stat.size });
    else if (stat.isSymbolicLink())
      nodes.push({ abs, rel: relPath(workingDirectory, abs), kind: "symlink", size: 0 });
    // Folders listed here are submodules: their commit is outside these files and not part of the digest.
  }
  return digestOf(nodes, options);
}

async function hashWalkedFiles(
  workingDirectory: string,
  path: string,
  options: HashOptions,
): Promise<string> {
  const walk = walkEntry(workingDirectory, path);
  return digestOf(
    walk.nodes.filter((n) => n.kind === "file" || n.kind === "symlink"),
    options,
  );
}

async function digestOf(nodes: readonly TreeNode[], options: HashOptions): Promise<string> {
  const files = nodes.filter((n) => n.kind === "file");
  const hashes = await hashFiles(
    files.map((n) => ({ path: n.abs, size: n.size, label: n.rel })),
    options,
  );
  const lines: ManifestLine[] = files.map((n, i) => ({ path: n.rel, sha256: hashes[i]?.sha256 ?? "" }));
  for (const n of nodes)
    if (n.kind === "symlink") lines.push({ path: n.rel, sha256: symlinkHash(await readlink(n.abs)) });
  return pathsDigest(lines);
}
