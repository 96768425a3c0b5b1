#!/usr/bin/env node
// Cold start of every bundled action under Node 24, against bare `node -e 0` in the same run.
// Each bundle is started the way the runner starts it, with no inputs: it loads its statically imported
// modules, reads its inputs and fails fast on the missing required ones, so what is timed is start-up.
// Usage: node bench/cold-start.mjs [--runs 21]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 21;
const node = existsSync(join(root, "node_modules/.bin/node")) ? join(root, "node_modules/.bin/node") : "node";
const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();

const temp = mkdtempSync(join(tmpdir(), "mlops-bench-"));
const files = {};
for (const name of ["GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "GITHUB_PATH"]) {
  files[name] = join(temp, name);
  writeFileSync(files[name], "");
}
const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: temp, ...files };

// Bytes a bundle loads at start: its entry plus the chunks it imports statically (not dynamic import()).
function startupBytes(file, seen = new Set()) {
  if (seen.has(file)) return 0;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  let total = Buffer.byteLength(text);
  for (const match of text.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+\.js)"/g)) {
    total += startupBytes(join(dirname(file), match[1]), seen);
  }
  return total;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(args) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    spawnSync(node, args, { env, stdio: "ignore" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (i >= 2) samples.push(ms); // first two warm the page cache
  }
  return median(samples);
}

const bare = time(["-e", "0"]);
console.log(`Node ${version}, ${runs} runs each, median wall time`);
console.log(
  `${"bundle".padEnd(28)} ${"loads".padStart(9)} ${"start ms".padStart(9)} ${"× bare".padStart(7)}`,
);
console.log(
  `${"node -e 0".padEnd(28)} ${"".padStart(9)} ${bare.toFixed(1).padStart(9)} ${"1.00".padStart(7)}`,
);
const dist = join(root, "dist");
for (const name of readdirSync(dist).sort()) {
  const entry = join(dist, name, "index.js");
  if (!existsSync(entry)) continue;
  const ms = time([entry]);
  const kib = (startupBytes(entry) / 1024).toFixed(0);
  console.log(
    `${`dist/${name}/index.js`.padEnd(28)} ${`${kib} KiB`.padStart(9)} ${ms.toFixed(1).padStart(9)} ${(ms / bare).toFixed(2).padStart(7)}`,
  );
}
