#!/usr/bin/env node
// One build for every action: src/actions/<name>/index.ts (and post.ts) -> dist/<name>/index.js (post.js).
// ESM with code splitting, so heavy clients (artifact, cache) sit in chunks loaded only on the paths
// that use them. `--check` builds into a temporary folder and fails when dist/ differs from it.
import { build } from "esbuild";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { esbuildOptions } from "./esbuild-options.mjs";

const root = new URL("..", import.meta.url).pathname;
const check = process.argv.includes("--check");

function entryPoints() {
  const entries = {};
  const actionsDir = join(root, "src/actions");
  for (const name of readdirSync(actionsDir).sort()) {
    for (const step of ["index", "post"]) {
      const file = join(actionsDir, name, `${step}.ts`);
      if (existsSync(file)) entries[`${name}/${step}`] = file;
    }
  }
  return entries;
}

async function bundle(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({ ...esbuildOptions(root), entryPoints: entryPoints(), outdir });
  writeFileSync(join(outdir, "package.json"), '{ "type": "module" }\n');
  return result;
}

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

const distDir = join(root, "dist");
if (check) {
  const temp = mkdtempSync(join(tmpdir(), "mlops-dist-"));
  const fresh = join(temp, "dist");
  await bundle(fresh);
  const want = listFiles(fresh);
  const have = listFiles(distDir);
  const problems = [];
  for (const f of want) {
    if (!have.includes(f)) problems.push(`missing: dist/${f}`);
    else if (!readFileSync(join(fresh, f)).equals(readFileSync(join(distDir, f))))
      problems.push(`stale: dist/${f}`);
  }
  for (const f of have) if (!want.includes(f)) problems.push(`not built by the sources: dist/${f}`);
  rmSync(temp, { recursive: true, force: true });
  if (problems.length > 0) {
    console.error(
      `dist/ does not match the sources (${problems.length} files). Run 'npm run build' and commit dist/.`,
    );
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log(`dist/ is current (${want.length} files).`);
} else {
  mkdirSync(distDir, { recursive: true });
  const result = await bundle(distDir);
  for (const [file, info] of Object.entries(result.metafile.outputs).sort()) {
    if (info.entryPoint)
      console.log(`${relative(root, file).padEnd(36)} ${(info.bytes / 1024).toFixed(0).padStart(6)} KiB`);
  }
  const total = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(
    `total dist ${(total / 1024).toFixed(0)} KiB in ${Object.keys(result.metafile.outputs).length} files`,
  );
}
