// Dependency lock files (requirements.txt, poetry.lock, uv.lock, ...) hashed for the environment record
// and the run fingerprint. Which files count is the caller's choice; missing ones are left out.
import { lstat } from "node:fs/promises";
import { hashFiles, type HashOptions } from "./hash-pool.ts";
import { normaliseEntry, resolveIn } from "./tree-walk.ts";

export const COMMON_LOCKFILES = [
  "requirements.txt",
  "requirements.lock",
  "poetry.lock",
  "uv.lock",
  "Pipfile.lock",
  "pdm.lock",
  "environment.yml",
  "conda-lock.yml",
] as const;

export async function hashLockfiles(
  workingDirectory: string,
  candidates: readonly string[] = COMMON_LOCKFILES,
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
