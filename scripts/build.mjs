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

// Packages whose modules only define things: marking them side-effect free lets esbuild drop them from
// a bundle that imports nothing from them (e.g. @actions/core pulls in undici for OIDC, which these actions
// never use), which keeps the actions' cold start near bare Node. oidc-utils is listed so that core's
// unused getIDToken does not keep an edge to the HTTP client that artifact and cache chunks also use.
const sideEffectFree =
  /[\\/]node_modules[\\/](undici[\\/]|tunnel[\\/]|@actions[\\/]http-client[\\/]|@actions[\\/]core[\\/]lib[\\/]oidc-utils)/;
const sideEffectFreePlugin = {
  name: "side-effect-free-packages",
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.resolving || args.kind === "entry-point") return undefined;
      const result = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { resolving: true },
      });
      if (result.errors.length > 0 || !sideEffectFree.test(result.path)) return undefined;
      return { ...result, sideEffects: false };
    });
  },
};

async function bundle(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: entryPoints(),
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    minify: true,
    keepNames: false,
    legalComments: "none",
    chunkNames: "chunks/[name]-[hash]",
    metafile: true,
    plugins: [sideEffectFreePlugin],
    logLevel: "warning",
    // Some bundled dependencies are CommonJS and call require() for Node built-ins.
    banner: {
      js: 'import { createRequire as __mlopsCreateRequire } from "node:module"; const require = __mlopsCreateRequire(import.meta.url);',
    },
    define: {
      __MLOPS_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version),
    },
  });
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
