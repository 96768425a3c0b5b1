// A full disk is the runner's state, not a bug: say which file could not be written and how much room
// its file system has left, instead of a stack trace ending in ENOSPC.
import { statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { ConfigurationError } from "./errors.ts";

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] ?? "TiB"}`;
}

/** Whether an error is the file system's "no space left on device" (or a quota that ran out). */
function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

/**
 * The error to throw for `error` met while writing `path`: a ConfigurationError naming the path and the
 * free space when the disk is full, else `error` itself.
 */
export async function diskFullError(error: unknown, path: string, what = "write"): Promise<unknown> {
  if (!isDiskFull(error)) return error;
  let free = "unknown space";
  // The file's folder may be gone (cleaned up after the failure): ask the nearest one that exists.
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      const stats = await statfs(dir);
      free = `${formatBytes(stats.bavail * stats.bsize)} free of ${formatBytes(stats.blocks * stats.bsize)}`;
      break;
    } catch {
      if (dirname(dir) === dir) break; // the size stays unknown; the path is what matters
    }
  }
  return new ConfigurationError(
    `No space left on the device to ${what} ${path} (its file system has ${free}). Free disk space on the runner (earlier outputs, caches, Docker images) or use a runner with a bigger disk, then re-run.`,
  );
}
