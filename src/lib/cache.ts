// The Actions cache through the real @actions/cache, loaded only when a step uses it.
import * as core from "@actions/core";

/** Restores the first matching entry; returns the key that matched, or undefined on a miss. */
export async function restoreCache(
  paths: string[],
  key: string,
  restoreKeys: string[] = [],
): Promise<string | undefined> {
  const cache = await import("@actions/cache");
  if (!cache.isFeatureAvailable()) {
    core.info("The Actions cache is not available to this runner; continuing without it.");
    return undefined;
  }
  try {
    return await cache.restoreCache(paths, key, restoreKeys);
  } catch (error) {
    // A cache outage must not fail training: it only costs time.
    core.warning(`Cache restore failed, continuing without it: ${String(error)}`);
    return undefined;
  }
}

/** Saves an entry; returns false (with a warning) when it could not, e.g. another job saved the key first. */
export async function saveCache(paths: string[], key: string): Promise<boolean> {
  const cache = await import("@actions/cache");
  if (!cache.isFeatureAvailable()) return false;
  try {
    const id = await cache.saveCache(paths, key);
    return id !== -1;
  } catch (error) {
    core.warning(`Cache save failed, continuing: ${String(error)}`);
    return false;
  }
}
