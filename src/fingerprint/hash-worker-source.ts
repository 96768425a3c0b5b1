// The hashing worker, as source text run with `new Worker(source, { eval: true })`.
//
// Why a string and not a worker file: the actions ship as esbuild bundles with code splitting. A worker
// file would have to be its own entry point copied next to the chunk that starts it, and
// `new Worker(new URL(import.meta.url))` self-spawning breaks once the code sits in a shared chunk (the
// URL then names the chunk, whose top level does not start the worker). An eval worker is plain
// CommonJS that needs only Node built-ins, so no bundler setting can break it.
//
// Each task is a batch of paths; the worker streams every file through one reusable buffer (constant
// memory, no per-file allocation of the content) and answers once per batch, so thousands of small files
// cost a few messages, not thousands.
//
// Files are opened with O_NOFOLLOW | O_NONBLOCK and checked with fstat: if a path became a symlink, FIFO
// or device after it was listed, the worker reports it instead of following it or blocking on it.

/** One file's result, in the order of the task's paths. */
export interface WorkerFileResult {
  sha256?: string;
  size?: number;
  /** errno code or "not-a-regular-file" when the file could not be hashed. */
  error?: string;
  /** The oid and size a Git LFS pointer file names. */
  lfsOid?: string;
  lfsSize?: number;
}

export interface WorkerTask {
  id: number;
  paths: string[];
}

export interface WorkerReply {
  id: number;
  results: WorkerFileResult[];
}

import { createRequire } from "node:module";

const READ_BUFFER_BYTES = 4 * 1024 * 1024;

/** The hashing function itself, shared by the worker and the in-thread path for small inputs. */
const HASH_ONE_SOURCE = String.raw`
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const BUFFER = Buffer.allocUnsafe(${READ_BUFFER_BYTES});
const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0) | (fs.constants.O_NONBLOCK || 0);
const LFS_PREFIX = "version https://git-lfs.github.com/spec/v1";
const LFS_MAX = 1024;

function hashOne(path) {
  let fd;
  try {
    fd = fs.openSync(path, FLAGS);
  } catch (error) {
    return { error: error.code || String(error) };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { error: "not-a-regular-file" };
    const hash = createHash("sha256");
    let size = 0;
    let head;
    for (;;) {
      const n = fs.readSync(fd, BUFFER, 0, BUFFER.length, null);
      if (n === 0) break;
      if (size === 0 && n <= LFS_MAX && stat.size <= LFS_MAX) head = BUFFER.toString("utf8", 0, n);
      hash.update(n === BUFFER.length ? BUFFER : BUFFER.subarray(0, n));
      size += n;
    }
    const result = { sha256: hash.digest("hex"), size };
    if (head !== undefined && size === head.length && head.startsWith(LFS_PREFIX)) {
      const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(head);
      const lfsSize = /^size (\d+)$/m.exec(head);
      if (oid && lfsSize) {
        result.lfsOid = oid[1];
        result.lfsSize = Number(lfsSize[1]);
      }
    }
    return result;
  } catch (error) {
    return { error: error.code || String(error) };
  } finally {
    fs.closeSync(fd);
  }
}
`;

export const HASH_WORKER_SOURCE = `"use strict";
${HASH_ONE_SOURCE}
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (task) => {
  parentPort.postMessage({ id: task.id, results: task.paths.map(hashOne) });
});
`;

/**
 * The same function in this thread, for inputs too small to be worth starting workers (about 40 ms
 * each): a training run hashes a few lockfiles and a small model several times over.
 */
export function inThreadHasher(): (path: string) => WorkerFileResult {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function("require", `"use strict";${HASH_ONE_SOURCE}\nreturn hashOne;`) as (
    require: NodeJS.Require,
  ) => (path: string) => WorkerFileResult;
  return make(createRequire(import.meta.url));
}
