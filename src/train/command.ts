// Runs the user's training command the way a careful runner step would: bash in its own process group,
// output streamed live, the last lines kept for the error annotation, peak memory sampled from /proc,
// the whole group killed on timeout, and the job's SIGINT/SIGTERM passed on to it.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

export interface CommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the process group after this long; undefined = no limit. */
  timeoutMs?: number;
  /** Called with every chunk of output, as it arrives. */
  onOutput: (chunk: Buffer) => void;
  /** How many output lines to keep for the error message. */
  tailLines?: number;
  /** Time between SIGTERM and SIGKILL when stopping the group. */
  killGraceMs?: number;
}

export interface CommandResult {
  exitCode: number;
  /** The signal that ended the command, if one did. */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The signal this process received and passed on (job cancellation). */
  cancelledBy: NodeJS.Signals | null;
  durationSeconds: number;
  /** Highest summed resident memory of the process group (Linux only). */
  peakMemoryBytes: number | undefined;
  tail: string[];
}

const PAGE_SIZE = 4096;

/** Sums the resident memory of every process in a process group, from /proc (Linux only). */
export function groupResidentBytes(pgid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  let total = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name, which is in parentheses and may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      total += Number(fields[21]) * PAGE_SIZE; // rss in pages
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const started = process.hrtime.bigint();
  const tailSize = options.tailLines ?? 30;
  const grace = options.killGraceMs ?? 5000;
  const tail: string[] = [];
  let partial = "";

  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", options.command], {
    cwd: options.cwd,
    env: options.env,
    detached: true, // its own process group, so the whole tree can be signalled at once
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pgid = child.pid;

  const keepTail = (chunk: Buffer): void => {
    const lines = (partial + chunk.toString("utf8")).split(/\r?\n/);
    partial = lines.pop() ?? "";
    tail.push(...lines);
    if (tail.length > tailSize) tail.splice(0, tail.length - tailSize);
  };
  const onData = (chunk: Buffer): void => {
    options.onOutput(chunk);
    keepTail(chunk);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);

  let peak: number | undefined;
  const sample = (): void => {
    if (pgid === undefined) return;
    const bytes = groupResidentBytes(pgid);
    if (bytes !== undefined) peak = Math.max(peak ?? 0, bytes);
  };
  const sampler = setInterval(sample, 100);
  sample();

  let killTimer: NodeJS.Timeout | undefined;
  const stopGroup = (signal: NodeJS.Signals): void => {
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, signal);
    } catch {
      return; // already gone
    }
    killTimer ??= setTimeout(() => {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }, grace);
  };

  let timedOut = false;
  const timeout =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          stopGroup("SIGTERM");
        }, options.timeoutMs);

  let cancelledBy: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals): void => {
    cancelledBy = signal;
    stopGroup(signal);
  };
  const onSigint = (): void => forward("SIGINT");
  const onSigterm = (): void => forward("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);

  // When the command's own process ends, whatever it left running in its group (a background job holding
  // the output pipe open, say) is stopped too: otherwise 'close' would wait for it.
  child.on("exit", () => {
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // nothing left
    }
  });

  return new Promise((resolve, reject) => {
    child.on("error", (error) => {
      cleanup();
      reject(error);
    });
    child.on("close", (code, signal) => {
      cleanup();
      if (partial !== "") tail.push(partial);
      if (tail.length > tailSize) tail.splice(0, tail.length - tailSize);
      resolve({
        exitCode: code ?? 128 + signalNumber(signal),
        signal,
        timedOut,
        cancelledBy,
        durationSeconds: Number(process.hrtime.bigint() - started) / 1e9,
        peakMemoryBytes: peak,
        tail,
      });
    });
  });

  function cleanup(): void {
    clearInterval(sampler);
    if (timeout) clearTimeout(timeout);
    if (killTimer) clearTimeout(killTimer);
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return signal === null ? 0 : (numbers[signal] ?? 1);
}
