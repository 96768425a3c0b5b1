// The esbuild settings of every bundle in dist/, shared by scripts/build.mjs and the benchmarks that bundle
// a reference script the same way (bench/gate-comment.mjs), so that both sides are built alike.
import { readFileSync } from "node:fs";
import { join } from "node:path";

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

/** Options for esbuild's build() without entryPoints and outdir; `root` is the repository root. */
export function esbuildOptions(root) {
  return {
    absWorkingDir: root,
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
  };
}
