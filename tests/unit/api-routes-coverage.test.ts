// Every GitHub REST route our actions call must be served by the GitHub double (and so be in the vendored
// OpenAPI subset it validates against). The calls are read from the sources (`rest.<area>.<method>`) and
// resolved to routes through Octokit's own endpoint table; routes that libraries call for us are listed.
import { getOctokit } from "@actions/github";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { ROUTES, routeKey } from "../../testing/services/github/routes.ts";

const root = resolve(import.meta.dirname, "../..");

/** Routes that @actions/artifact calls on our behalf (downloadArtifact with findBy). */
const LIBRARY_ROUTES = ["GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function calledRoutes(): Map<string, string> {
  const octokit = getOctokit("unused") as unknown as {
    rest: Record<string, Record<string, { endpoint?: { DEFAULTS: { method: string; url: string } } }>>;
  };
  const routes = new Map<string, string>();
  for (const file of sources(join(root, "src"))) {
    for (const match of readFileSync(file, "utf8").matchAll(/\brest\.(\w+)\.(\w+)/g)) {
      const [call, area = "", method = ""] = match;
      const defaults = octokit.rest[area]?.[method]?.endpoint?.DEFAULTS;
      if (!defaults) throw new Error(`${file}: ${call} is not an Octokit REST method`);
      routes.set(`${defaults.method} ${defaults.url}`, `${file.slice(root.length + 1)} (${call})`);
    }
  }
  for (const route of LIBRARY_ROUTES) routes.set(route, "@actions/artifact");
  return routes;
}

it("finds the routes the actions call", () => {
  const routes = calledRoutes();
  expect(routes.has("POST /repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe(true);
  expect(routes.has("GET /repos/{owner}/{repo}/actions/runs")).toBe(true);
});

it("the GitHub double serves every route the actions call", () => {
  const served = new Set(ROUTES.map(routeKey));
  const missing = [...calledRoutes()]
    .filter(([route]) => !served.has(route))
    .map(([route, where]) => `${route} ← ${where}`);
  expect(missing).toEqual([]);
});
