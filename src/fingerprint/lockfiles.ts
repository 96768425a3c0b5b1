// Dependency lock files (requirements.txt, poetry.lock, uv.lock, ...) hashed for the environment record
// and the run fingerprint; the file names come from src/python-env/managers.ts. A changed
// dependency changes the fingerprint, so the model retrains.
import { existsSync, readdirSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { MANAGER_SPECS, OTHER_LOCKFILES } from "../python-env/managers.ts";
import { hashFiles, type HashOptions } from "./hash-pool.ts";
import { normaliseEntry, resolveIn } from "./tree-walk.ts";

/** Files that pin a Python environment: each manager's, from the one table of managers. */
const LOCKFILE_PATTERNS: readonly RegExp[] = [
  ...MANAGER_SPECS.flatMap((spec) => spec.fingerprinted),
  ...OTHER_LOCKFILES,
];

/** Names of the lockfiles at the project's root (where managers look for them), sorted. */
export function lockfileNames(projectDir: string): string[] {
  if (!existsSync(projectDir)) return [];
  return readdirSync(projectDir)
    .filter((name) => LOCKFILE_PATTERNS.some((pattern) => pattern.test(name)))
    .sort();
}

export async function hashLockfiles(
  workingDirectory: string,
  candidates: readonly string[],
  options: HashOptions = {},
): Promise<Array<{ path: string; sha256: string }>> {
  const present: Array<{ path: string; abs: string; size: number }> = [];
  for (const candidate of candidates) {
    const path = normaliseEntry(candidate);
    const abs = resolveIn(workingDirectory, path);
    const stat = await lstat(abs).catch(() => undefined);
    if (stat?.isFile()) present.push({ path, abs, size: stat.size });
  }
  const hashes = await hashFiles(
    present.map((p) => ({ path: p.abs, size: p.size, label: p.path })),
    options,
  );
  return present.map((p, i) => ({ path: p.path, sha256: hashes[i]?.sha256 ?? "" }));
}
