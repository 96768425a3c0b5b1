// Temp dirs and stray processes of the rig. Vitest ends its workers with a signal, so an exit hook cannot be
// relied on: each rig process marks what it creates with its pid, and the next rig process removes what
// belongs to processes that are gone.
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(tmpdir(), "mlops-rig");
const trackingPrefix = "mlops_rig_";
let processDir: string | undefined;

/** A fresh temp dir for this process (removed by a later rig process once this one has ended). */
export function freshDir(prefix: string): string {
  if (processDir === undefined) {
    sweepLeftovers();
    mkdirSync(root, { recursive: true });
    processDir = mkdtempSync(join(root, `${process.pid}.`));
  }
  return mkdtempSync(join(processDir, `${prefix}-`));
}

/**
 * The value for RUNNER_TRACKING_ID, which the runner also sets on step processes to find and kill what
 * they leave behind. It names this process, so orphans of a dead test process can be recognised.
 */
export function trackingId(): string {
  return `${trackingPrefix}${process.pid}_${randomUUID()}`;
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** The runner's grace periods when it stops a step: 7.5 s after SIGINT, 2.5 s after SIGTERM. */
export const RUNNER_GRACE = { sigintMs: 7500, sigtermMs: 2500 } as const;

/**
 * How the runner stops a step it cancels or times out, written once for both of the rig's runners:
 * SIGINT to the step's process; `sigintMs` later SIGTERM to it; `sigtermMs` after that SIGKILL to its
 * whole process group. The timers go into `timers`, for the caller to clear once the process has ended.
 * Returns false when the process was already gone.
 */
export function signalLadder(
  pid: number,
  grace: { sigintMs: number; sigtermMs: number },
  timers: NodeJS.Timeout[],
): boolean {
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return false;
  }
  timers.push(
    setTimeout(() => {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        return;
      }
      timers.push(setTimeout(() => killGroup(pid, "SIGKILL"), grace.sigtermMs));
    }, grace.sigintMs),
  );
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Kill step processes and remove temp dirs whose rig process has ended. */
function sweepLeftovers(): void {
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "latin1");
    } catch {
      continue;
    }
    const match = new RegExp(`(?:^|\\0)RUNNER_TRACKING_ID=${trackingPrefix}(\\d+)_`).exec(environ);
    if (match?.[1] !== undefined && !alive(Number(match[1]))) {
      try {
        process.kill(Number(entry), "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
  }
  if (process.env.RIG_KEEP_FILES === "1") return;
  for (const entry of safeReaddir(root)) {
    const owner = Number(entry.split(".")[0]);
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
