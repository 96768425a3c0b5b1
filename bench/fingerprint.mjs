#!/usr/bin/env node
// Data fingerprint throughput against coreutils and OpenSSL, on one generated dataset in one run.
//
//   /work/main/node_modules/.bin/node bench/fingerprint.mjs [--size 1G|256M|...] [--runs 3] [--keep]
//
// The dataset (default 1 GiB): 10,000 small files holding a quarter of the bytes, and 4 large files
// holding the rest. The files are read once before timing so every contender reads from the page cache.
// Contenders:
//   ours       fingerprintDataPaths() from the TypeScript sources (Node strips the types)
//   sha256sum  find -print0 | xargs -0 sha256sum            (one process at a time, like a shell script)
//   openssl    find -print0 | xargs -0 cat | openssl dgst -sha256   (one SHA-256 stream over the bytes)
// Prints MB/s (10^6 bytes per second) of the best run of each, and the ratios.
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fingerprintDataPaths } from "../src/fingerprint/data-paths.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "1G" },
    runs: { type: "string", default: "3" },
    keep: { type: "boolean", default: false },
    small: { type: "string", default: "10000" },
    large: { type: "string", default: "4" },
  },
});

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) throw new Error(`--size: cannot read ${text}; use e.g. 1G, 256M`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()];
  return Math.round(Number(m[1]) * unit);
}

const totalBytes = parseSize(values.size);
const runs = Number(values.runs);
const smallCount = Number(values.small);
const largeCount = Number(values.large);
const dir = mkdtempSync(join(tmpdir(), "mlops-bench-fp-"));

function generate() {
  const smallTotal = Math.floor(totalBytes / 4);
  const largeEach = Math.floor((totalBytes - smallTotal) / largeCount);
  const block = Buffer.allocUnsafe(8 << 20);
  randomFillSync(block);
  let written = 0;
  // Small files: sizes spread from 0.2x to 1.8x the mean, in 100 folders.
  const mean = smallTotal / smallCount;
  for (let i = 0; i < smallCount; i++) {
    const sub = join(dir, "small", String(i % 100).padStart(2, "0"));
    if (i < 100) mkdirSync(sub, { recursive: true });
    const size = Math.max(1, Math.round(mean * (0.2 + (1.6 * ((i * 7919) % smallCount)) / smallCount)));
    const offset = (i * 4099) % (block.length - size);
    block.writeUInt32LE(i, offset); // make every file distinct
    writeFileSync(join(sub, `part-${i}.bin`), block.subarray(offset, offset + size));
    written += size;
  }
  mkdirSync(join(dir, "large"));
  for (let i = 0; i < largeCount; i++) {
    const fd = openSync(join(dir, "large", `shard-${i}.bin`), "w");
    let left = largeEach;
    while (left > 0) {
      const n = Math.min(left, block.length);
      block.writeUInt32LE(i, 0);
      writeSync(fd, block, 0, n);
      left -= n;
    }
    closeSync(fd);
    written += largeEach;
  }
  return written;
}

function sh(script) {
  const r = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return r.stdout;
}

async function time(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

try {
  process.stdout.write(`generating ${(totalBytes / 2 ** 20).toFixed(0)} MiB in ${dir} ... `);
  const bytes = generate();
  console.log("done");
  sh("find . -type f -print0 | xargs -0 cat > /dev/null"); // warm the page cache

  // Rounds interleave the contenders, so a burst of load from elsewhere on the machine hits all of them.
  let ourFiles = 0;
  const contenders = {
    ours: async () => {
      const result = await fingerprintDataPaths(dir, ["."]);
      ourFiles = result.files;
    },
    sha256sum: () => sh("find . -type f -print0 | xargs -0 sha256sum > /dev/null"),
    openssl: () => sh("find . -type f -print0 | xargs -0 cat | openssl dgst -sha256 > /dev/null"),
  };
  const bestTimes = { ours: Infinity, sha256sum: Infinity, openssl: Infinity };
  for (let round = 0; round < runs; round++) {
    for (const [name, fn] of Object.entries(contenders))
      bestTimes[name] = Math.min(bestTimes[name], await time(fn));
  }
  const { ours, sha256sum, openssl } = bestTimes;

  const mbps = (s) => (bytes / 1e6 / s).toFixed(0).padStart(6);
  console.log(
    `${ourFiles} files, ${(bytes / 1e6).toFixed(0)} MB, ${availableParallelism()} cores, best of ${runs}`,
  );
  console.log(`ours       ${ours.toFixed(3)} s  ${mbps(ours)} MB/s`);
  console.log(`sha256sum  ${sha256sum.toFixed(3)} s  ${mbps(sha256sum)} MB/s`);
  console.log(`openssl    ${openssl.toFixed(3)} s  ${mbps(openssl)} MB/s`);
  console.log(`ours/openssl   ${(openssl / ours).toFixed(2)}x  (goal >= 1.5x)`);
  console.log(`ours/sha256sum ${(sha256sum / ours).toFixed(2)}x`);
} finally {
  if (values.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
