// Runs the user's training command the way a careful runner step would: bash in its own process group,
// output streamed live, the last lines kept for the error annotation, peak memory sampled from /proc,
// the whole group killed on timeout, and the job's SIGINT/SIGTERM passed on to it. A process that left
// the group (setsid, a double fork) is found afterwards by the mark in its environment and stopped too.
import { spawn, type ChildProcess } from "node:child_process";
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
  const grace = options.killGraceMs ?? 5000;
  const tail = new OutputTail(options.tailLines ?? 30);

  const mark = randomBytes(16).toString("hex");
  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", options.command], {
    cwd: options.cwd,
    env: { ...options.env, [STEP_MARK_VARIABLE]: mark },
    detached: true, // its own process group, so the whole tree can be signalled at once
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pgid = child.pid;

  const onData = (chunk: Buffer): void => {
    options.onOutput(chunk);
    tail.add(chunk);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);

  const memory = sampleGroupMemory(pgid);
  const group = new GroupStopper(pgid, grace);

  let timedOut = false;
  const timeout =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          group.stop("SIGTERM");
        }, options.timeoutMs);

  let cancelledBy: NodeJS.Signals | null = null;
  const unforward = forwardSignals((signal) => {
    cancelledBy = signal;
    group.stop(signal);
  });
  const escaped = stopLeftoversOnExit(child, pgid, mark, grace);
  const cleanup = (): void => {
    memory.stop();
    if (timeout) clearTimeout(timeout);
    group.clear();
    unforward();
  };

  return new Promise((resolve, reject) => {
    child.on("error", (error) => {
      cleanup();
      reject(error);
    });
    child.on("close", (code, signal) => {
      const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      void escaped.then((stopped) => {
        cleanup();
        resolve({
          exitCode: code ?? 128 + signalNumber(signal),
          signal,
          timedOut,
          cancelledBy,
          durationSeconds,
          peakMemoryBytes: memory.peak(),
          tail: tail.lines(),
          escaped: stopped,
        });
      });
    });
  });
}

/** The last lines of the output, for the error message and the summary. */
class OutputTail {
  private readonly tail: string[] = [];
  private readonly size: number;
  private partial = "";

  constructor(size: number) {
    this.size = size;
  }

  add(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString("utf8")).split(/\r?\n/);
    this.partial = lines.pop() ?? "";
    this.tail.push(...lines);
    this.trim();
  }

  /** The tail with the unfinished last line, once the output has ended. */
  lines(): string[] {
    if (this.partial !== "") this.tail.push(this.partial);
    this.partial = "";
    this.trim();
    return this.tail;
  }

  private trim(): void {
    if (this.tail.length > this.size) this.tail.splice(0, this.tail.length - this.size);
  }
}

/** Samples the process group's resident memory every 100 ms; the peak is what the run record reports. */
function sampleGroupMemory(pgid: number | undefined): { peak(): number | undefined; stop(): void } {
  let peak: number | undefined;
  const sample = (): void => {
    if (pgid === undefined) return;
    const bytes = groupResidentBytes(pgid);
    if (bytes !== undefined) peak = Math.max(peak ?? 0, bytes);
  };
  const sampler = setInterval(sample, 100);
  sample();
  return { peak: () => peak, stop: () => clearInterval(sampler) };
}

/** Signals the whole process group, then SIGKILL after the grace period if it is still there. */
class GroupStopper {
  private killTimer: NodeJS.Timeout | undefined;
  private readonly pgid: number | undefined;
  private readonly grace: number;

  constructor(pgid: number | undefined, grace: number) {
    this.pgid = pgid;
    this.grace = grace;
  }

  stop(signal: NodeJS.Signals): void {
    const pgid = this.pgid;
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, signal);
    } catch {
      return; // already gone
    }
    this.killTimer ??= setTimeout(() => {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }, this.grace);
  }

  clear(): void {
    if (this.killTimer) clearTimeout(this.killTimer);
  }
}

/** The runner cancels a step with SIGINT, then SIGTERM: both go on to the command. Returns the undo. */
function forwardSignals(forward: (signal: NodeJS.Signals) => void): () => void {
  const onSigint = (): void => forward("SIGINT");
  const onSigterm = (): void => forward("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  return () => {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
  };
}

/**
 * When the command's own process ends, whatever it left running in its group (a background job holding
 * the output pipe open, say) is stopped too: otherwise 'close' would wait for it. Then every process
 * that escaped the group but still carries the mark is stopped and named.
 */
function stopLeftoversOnExit(
  child: ChildProcess,
  pgid: number | undefined,
  mark: string,
  grace: number,
): Promise<EscapedProcess[]> {
  return new Promise<EscapedProcess[]>((resolveEscaped) => {
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
