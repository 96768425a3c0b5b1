// Write a file so that a reader sees either the old content or the new, never half of it: write a temp
// file in the same folder (same file system), then rename it over the target.
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { diskFullError } from "./disk-space.ts";

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, text, "utf8");
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw await diskFullError(error, path);
  }
}
