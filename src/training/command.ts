// Runs the user's training command the way a careful runner step would: bash in its own process group,
// output streamed live, the last lines kept for the error annotation, peak memory sampled from /proc,
// the whole group killed on timeout, and the job's SIGINT/SIGTERM passed on to it. A process that left
// the group (setsid, a double fork) is found afterwards by the mark in its environment and stopped too.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
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

/** The variable that marks every process the command starts (unless it clears its environment). */
const STEP_MARK_VARIABLE = "MLOPS_STEP_MARK";

/** A process that outlived the command outside its process group, and was stopped. */
export interface EscapedProcess {
  pid: number;
  command: string;
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
  /** Processes still carrying the step's mark after the command ended; they were stopped. */
  escaped: EscapedProcess[];
}

const PAGE_SIZE = 4096;

/** Sums the resident memory of every process in a process group, from /proc (Linux only). */
function groupResidentBytes(pgid: number): number | undefined {
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

  const mark = randomBytes(16).toString("hex");
  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", options.command], {
    cwd: options.cwd,
    env: { ...options.env, [STEP_MARK_VARIABLE]: mark },
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
  // the output pipe open, say) is stopped too: otherwise 'close' would wait for it. Then every process
  // that escaped the group but still carries the mark is stopped and named.
  const escaped = new Promise<EscapedProcess[]>((resolveEscaped) => {
    child.on("exit", () => {
      if (pgid !== undefined) {
        try {
          process.kill(-pgid, "SIGKILL");
        } catch {
          // nothing left
        }
      }
      stopMarkedProcesses(mark, grace).then(resolveEscaped, () => resolveEscaped([]));
    });
  });

  return new Promise((resolve, reject) => {
    child.on("error", (error) => {
      cleanup();
      reject(error);
    });
    child.on("close", (code, signal) => {
      const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      void escaped.then((stopped) => {
        cleanup();
        if (partial !== "") tail.push(partial);
        if (tail.length > tailSize) tail.splice(0, tail.length - tailSize);
        resolve({
          exitCode: code ?? 128 + signalNumber(signal),
          signal,
          timedOut,
          cancelledBy,
          durationSeconds,
          peakMemoryBytes: peak,
          tail,
          escaped: stopped,
        });
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

/** Processes (other than this one) whose environment holds `MLOPS_STEP_MARK=<mark>`, from /proc. */
function markedProcesses(mark: string): EscapedProcess[] {
  const needle = `${STEP_MARK_VARIABLE}=${mark}`;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return []; // no /proc (macOS): only the process group is stopped
  }
  const found: EscapedProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (!environ.includes(needle)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      found.push({ pid: Number(entry), command });
    } catch {
      // Ended while we looked, or another user's process.
    }
  }
  return found;
}

/** SIGTERM every marked process, SIGKILL what is left after `graceMs`; returns those that were found. */
async function stopMarkedProcesses(mark: string, graceMs: number): Promise<EscapedProcess[]> {
  const found = markedProcesses(mark);
  if (found.length === 0) return [];
  const signal = (signalName: NodeJS.Signals): void => {
    for (const { pid } of markedProcesses(mark)) {
      try {
        process.kill(pid, signalName);
      } catch {
        // already gone
      }
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && markedProcesses(mark).length > 0) {
    await new Promise((wait) => setTimeout(wait, 50));
  }
  // A process forking as it dies leaves new ones: SIGKILL until none is left, and name them all.
  const named = new Map(found.map((p) => [p.pid, p]));
  for (let round = 0; round < 20; round++) {
    const left = markedProcesses(mark);
    if (left.length === 0) break;
    for (const late of left) if (!named.has(late.pid)) named.set(late.pid, late);
    signal("SIGKILL");
    await new Promise((wait) => setTimeout(wait, 20));
  }
  return [...named.values()];
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return signal === null ? 0 : (numbers[signal] ?? 1);
}
