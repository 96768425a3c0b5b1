// Regenerates testing/services/github/openapi/api.github.com.subset.json: the operations the GitHub double
// serves (testing/services/github/routes.ts) and the components they reference, cut from GitHub's official
// OpenAPI description (npm package @octokit/openapi, which is hundreds of MB, so it is not a dependency).
//
//   npm install --prefix /tmp/openapi @octokit/openapi@23
//   node_modules/.bin/node scripts/openapi/update-subset.mjs [/tmp/openapi/node_modules/@octokit/openapi]
//
// Needs Node >= 23.6 (it imports routes.ts through Node's type stripping): the project's Node 24.
// Output is deterministic: rerunning on the same package version leaves the file unchanged.
// Descriptions and examples are dropped (they are most of the size and do not affect validation).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ROUTES } from "../../testing/services/github/routes.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const packageDir = resolve(process.argv[2] ?? "/tmp/openapi/node_modules/@octokit/openapi");
const outputFile = join(root, "testing/services/github/openapi/api.github.com.subset.json");

const packageJson = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
const full = JSON.parse(readFileSync(join(packageDir, "generated/api.github.com.json"), "utf8"));

/** Copies a node without descriptions/examples; `properties` maps keep every key (they are field names). */
function strip(node, underProperties = false) {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (!underProperties && ["description", "example", "examples"].includes(key)) continue;
    out[key] = strip(value, !underProperties && (key === "properties" || key === "patternProperties"));
  }
  return out;
}

const paths = {};
const missing = [];
for (const route of ROUTES) {
  const operation = full.paths[route.path]?.[route.method.toLowerCase()];
  if (!operation || operation.operationId !== route.operationId) {
    missing.push(`${route.method} ${route.path} (${route.operationId})`);
    continue;
  }
  const { summary, operationId, externalDocs, parameters, requestBody, responses, servers } = operation;
  paths[route.path] ??= {};
  paths[route.path][route.method.toLowerCase()] = strip({
    summary,
    operationId,
    externalDocs,
    parameters,
    requestBody,
    responses,
    servers,
  });
}
if (missing.length > 0) {
  console.error(
    `Not in @octokit/openapi ${packageJson.version} (check path and operationId):\n  ${missing.join("\n  ")}`,
  );
  process.exit(1);
}

// Follow "#/components/<kind>/<name>" references transitively.
const components = {};
const pending = [paths];
const seen = new Set();
while (pending.length > 0) {
  const node = pending.pop();
  if (Array.isArray(node)) {
    pending.push(...node);
  } else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string" && !seen.has(value)) {
        seen.add(value);
        const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(value) ?? [];
        if (!kind) throw new Error(`Unexpected reference ${value}`);
        const target = full.components[kind]?.[name];
        if (target === undefined) throw new Error(`Dangling reference ${value}`);
        components[kind] ??= {};
        components[kind][name] = strip(target);
        pending.push(components[kind][name]);
      } else {
        pending.push(value);
      }
    }
  }
}
// Where GitHub's description lags what GitHub answers, the subset says what GitHub really sends. Each
// patch is named here (JSON has no comments) and recorded in the subset's info["x-patches"].
const PATCHES = [
  {
    // GitHub leaves an asset in state "starter" after a failed upload (seen on 502s); the description's
    // enum lists only "uploaded" and "open". The double answers "starter" for such assets.
    what: 'release-asset.state also "starter" (GitHub returns it after a failed upload; the enum lacks it)',
    apply: () => {
      const state = components.schemas?.["release-asset"]?.properties?.state;
      if (!state || !Array.isArray(state.enum)) throw new Error("release-asset.state has no enum to patch");
      if (!state.enum.includes("starter")) state.enum.push("starter");
    },
  },
];
for (const patch of PATCHES) patch.apply();

for (const kind of Object.keys(components)) {
  components[kind] = Object.fromEntries(
    Object.entries(components[kind]).sort(([a], [b]) => a.localeCompare(b)),
  );
}

const subset = {
  openapi: full.openapi,
  info: {
    title: `${full.info.title} (subset served by the test double)`,
    version: full.info.version,
    "x-source": `@octokit/openapi@${packageJson.version} generated/api.github.com.json`,
    "x-patches": PATCHES.map((patch) => patch.what),
  },
  paths,
  components,
};
writeFileSync(outputFile, `${JSON.stringify(subset, null, 1)}\n`);
const count = Object.values(paths).reduce((n, item) => n + Object.keys(item).length, 0);
console.log(`Wrote ${outputFile}: ${count} operations, ${seen.size} components.`);
