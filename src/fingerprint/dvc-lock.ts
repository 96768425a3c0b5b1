// dvc.lock records an md5 for every stage's deps and outs. When a data path is exactly one of those,
// we take DVC's hash instead of reading the data: the data may not even be pulled on the runner, and
// DVC's own hash is what the team already trusts for that path.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { posix } from "node:path";
import { isPlainObject } from "../formats/flatten.ts";
import { parseYamlText } from "../formats/yaml-text.ts";
import { normaliseEntry } from "./tree-walk.ts";

export interface DvcLockedPath {
  /** Path relative to the folder holding dvc.lock, forward slashes. */
  path: string;
  /** DVC's md5; folders end in ".dir". */
  md5: string;
  size: number | undefined;
  nfiles: number | undefined;
  stage: string;
}

const DVC_LOCK_FILE = "dvc.lock";

/** The paths dvc.lock in `folder` records, keyed by normalised path; empty when there is no dvc.lock. */
export async function readDvcLock(folder: string): Promise<Map<string, DvcLockedPath>> {
  const out = new Map<string, DvcLockedPath>();
  const file = join(folder, DVC_LOCK_FILE);
  if (!existsSync(file)) return out;
  const { value } = parseYamlText(await readFile(file, "utf8"), DVC_LOCK_FILE, "a DVC lock file");
  if (!isPlainObject(value) || !isPlainObject(value.stages)) return out;
  for (const [stage, body] of Object.entries(value.stages)) {
    if (!isPlainObject(body)) continue;
    const wdir = typeof body.wdir === "string" ? body.wdir : ".";
    for (const list of [body.outs, body.deps]) {
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        if (!isPlainObject(item) || typeof item.path !== "string" || typeof item.md5 !== "string") continue;
        const path = normaliseEntry(posix.normalize(posix.join(wdir, item.path)));
        if (out.has(path)) continue; // an out of one stage is a dep of the next: same md5
        out.set(path, {
          path,
          md5: item.md5,
          size: typeof item.size === "number" ? item.size : undefined,
          nfiles: typeof item.nfiles === "number" ? item.nfiles : undefined,
          stage,
        });
      }
    }
  }
  return out;
}
