// sha256 of many files on every core. Files are grouped into tasks so that per-message cost stays small
// (many small files share one task) and the cores stay balanced (large files get a task each and are
// dealt first, largest first; workers pull the next task as soon as they finish one).
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ConfigurationError } from "../formats/errors.ts";
import {
  HASH_WORKER_SOURCE,
  inThreadHasher,
  type WorkerFileResult,
  type WorkerReply,
  type WorkerTask,
} from "./hash-worker-source.ts";

export interface FileToHash {
  /** Absolute path (or relative to the process cwd) to open. */
  path: string;
  /** Size from lstat, used to plan the tasks. */
  size: number;
  /** How the user knows this file, for error messages. */
  label?: string;
}

export interface FileHash {
  sha256: string;
  size: number;
  /** Set when the file is a Git LFS pointer: the object it points to. */
  lfs?: { oid: string; size: number };
}

export interface HashOptions {
  /** Worker threads; default os.availableParallelism(). */
  threads?: number;
  /** A file at least this big is a task of its own. */
  largeFileBytes?: number;
  /** A batch of small files closes at this many bytes ... */
  batchBytes?: number;
  /** ... or at this many files. */
  batchFiles?: number;
  /** Inputs of at most this many files and bytes are hashed in this thread, starting no workers. */
  inThreadFiles?: number;
  inThreadBytes?: number;
}

// Below inThreadFiles/inThreadBytes, hashing in this thread beats starting workers (about 40 ms each).
const DEFAULTS = {
  largeFileBytes: 8 << 20,
  batchBytes: 32 << 20,
  batchFiles: 1024,
  inThreadFiles: 256,
  inThreadBytes: 16 << 20,
};

function isSmall(files: readonly FileToHash[], limits: typeof DEFAULTS): boolean {
  if (files.length > limits.inThreadFiles) return false;
  let bytes = 0;
  for (const file of files) bytes += file.size;
  return bytes <= limits.inThreadBytes;
}

let inThread: ((path: string) => WorkerFileResult) | undefined;
function hashInThread(): (path: string) => WorkerFileResult {
  inThread ??= inThreadHasher();
  return inThread;
}

/** Hash files in parallel with a pool that lives for this one call. Results are in the order of `files`. */
export async function hashFiles(
  files: readonly FileToHash[],
  options: HashOptions = {},
): Promise<FileHash[]> {
  const pool = new HashPool(options);
  try {
    return await pool.hash(files);
  } finally {
    await pool.close();
  }
}

/**
 * Worker threads that hash batches of files. The workers start on the first input too large to hash in
 * this thread, so a training run that only hashes a few small files starts none.
 */
export class HashPool {
  private workers: Worker[] = [];
  private readonly threads: number;
  private readonly limits: typeof DEFAULTS;
  private busy = false;

  constructor(options: HashOptions = {}) {
    this.limits = { ...DEFAULTS, ...definedOnly(options) };
    this.threads = Math.max(1, options.threads ?? availableParallelism());
  }

  async hash(files: readonly FileToHash[]): Promise<FileHash[]> {
    if (files.length === 0) return [];
    if (isSmall(files, this.limits))
      return toFileHashes(
        files,
        files.map((file) => hashInThread()(file.path)),
      );
    if (this.busy) throw new Error("HashPool.hash() is already running; await it before the next call");
    this.busy = true;
    try {
      return toFileHashes(files, await this.run(files));
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }

  /** Starts the workers ahead of hash(), when the caller expects a large input. */
  prestart(): void {
    this.start();
  }

  private start(): Worker[] {
    if (this.workers.length === 0) {
      this.workers = Array.from(
        { length: this.threads },
        () => new Worker(HASH_WORKER_SOURCE, { eval: true }),
      );
      // Until run() listens, a worker that fails to start must not crash the process as unhandled.
      for (const worker of this.workers) worker.on("error", () => undefined);
    }
    return this.workers;
  }

  private async run(files: readonly FileToHash[]): Promise<Array<WorkerFileResult | undefined>> {
    const tasks = planTasks(files, this.limits);
    const results = new Array<WorkerFileResult | undefined>(files.length);
    let next = 0;
    await Promise.all(
      this.start()
        .slice(0, tasks.length)
        .map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              const cleanup = (): void => {
                worker.off("message", onMessage);
                worker.off("error", onError);
                worker.off("exit", onExit);
              };
              const send = (): void => {
                const task = tasks[next];
                if (task === undefined) {
                  cleanup();
                  resolve();
                  return;
                }
                const message: WorkerTask = { id: next, paths: task.map((i) => files[i]?.path ?? "") };
                next++;
                worker.postMessage(message);
              };
              const onMessage = (reply: WorkerReply): void => {
                const task = tasks[reply.id] ?? [];
                reply.results.forEach((result, j) => {
                  const index = task[j];
                  if (index !== undefined) results[index] = result;
                });
                send();
              };
              const onError = (error: Error): void => {
                cleanup();
                reject(error);
              };
              const onExit = (code: number): void => {
                cleanup();
                reject(new Error(`hash worker exited early with code ${code}`));
              };
              worker.on("message", onMessage);
              worker.on("error", onError);
              worker.on("exit", onExit);
              send();
            }),
        ),
    );
    return results;
  }
}

function toFileHashes(
  files: readonly FileToHash[],
  results: ReadonlyArray<WorkerFileResult | undefined>,
): FileHash[] {
  return files.map((file, i) => {
    const result = results[i];
    const label = file.label ?? file.path;
    if (result?.sha256 === undefined || result.size === undefined) {
      const why = result?.error ?? "no result";
      throw new ConfigurationError(
        `${label}: cannot read the file to hash it (${why === "not-a-regular-file" ? "it is no longer a regular file" : why}). ` +
          "Check that it exists and is readable, and that nothing changes it while the action runs.",
        { file: label },
      );
    }
    const hash: FileHash = { sha256: result.sha256, size: result.size };
    if (result.lfsOid !== undefined && result.lfsSize !== undefined)
      hash.lfs = { oid: result.lfsOid, size: result.lfsSize };
    return hash;
  });
}

/** Task i lists indexes into `files`. Large files first (largest first), then batches of small ones. */
function planTasks(files: readonly FileToHash[], limits: typeof DEFAULTS): number[][] {
  const order = files.map((_, i) => i).sort((a, b) => (files[b]?.size ?? 0) - (files[a]?.size ?? 0));
  const tasks: number[][] = [];
  let batch: number[] = [];
  let batchBytes = 0;
  for (const i of order) {
    const size = files[i]?.size ?? 0;
    if (size >= limits.largeFileBytes) {
      tasks.push([i]);
      continue;
    }
    batch.push(i);
    batchBytes += size;
    if (batchBytes >= limits.batchBytes || batch.length >= limits.batchFiles) {
      tasks.push(batch);
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) tasks.push(batch);
  return tasks;
}

function definedOnly(options: HashOptions): Partial<typeof DEFAULTS> {
  const out: Partial<typeof DEFAULTS> = {};
  if (options.largeFileBytes !== undefined) out.largeFileBytes = options.largeFileBytes;
  if (options.batchBytes !== undefined) out.batchBytes = options.batchBytes;
  if (options.batchFiles !== undefined) out.batchFiles = options.batchFiles;
  return out;
}
