// Every action we ship: a JS action runs on node24 from an existing bundle; a composite has steps.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../..");
/** Every action.yml we ship: the root one and those under actions/, nested ones included. */
function findManifests(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findManifests(path);
    return entry.name === "action.yml" ? [path] : [];
  });
}
const manifests = ["action.yml", ...findManifests("actions")];

interface Manifest {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>;
  runs: { using: string; main?: string; post?: string; steps?: unknown[] };
}

describe.each(manifests)("%s", (file) => {
  const manifest = parse(readFileSync(join(root, file), "utf8")) as Manifest;

  it("has a name, a description and described inputs", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    expect(manifest.name).toMatch(/^mlops-actions/);
    expect(manifest.description?.length).toBeGreaterThan(20);
    for (const [input, spec] of Object.entries(manifest.inputs ?? {})) {
      expect(spec.description, `input ${input}`).toBeTruthy();
    }
  });

  it("runs on node24 from a bundle that exists, or is a composite with steps", () => {
    if (manifest.runs.using === "composite") {
      expect(manifest.runs.steps?.length).toBeGreaterThan(0);
      return;
    }
    expect(manifest.runs.using).toBe("node24");
    for (const script of [manifest.runs.main, manifest.runs.post]) {
      if (script === undefined) continue;
      const bundle = resolve(root, dirname(file), script);
      expect(bundle.startsWith(join(root, "dist") + "/"), `${script} is under dist/`).toBe(true);
      expect(existsSync(bundle), `${script} exists`).toBe(true);
    }
  });
});

it("every action under src/actions has an action.yml that points at its bundle", () => {
  for (const name of readdirSync(join(root, "src/actions"))) {
    const manifest = parse(readFileSync(join(root, "actions", name, "action.yml"), "utf8")) as Manifest;
    if (manifest.runs.using === "composite") continue;
    expect(manifest.runs.main).toBe(`../../dist/${name}/index.js`);
  }
});

describe("the root action's README", () => {
  it("gates with rules in its pipeline example (without them nothing is gated)", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = /<!-- pipeline:start -->([\s\S]*?)<!-- pipeline:end -->/.exec(readme)?.[1] ?? "";
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    const steps = (
      parse(yaml) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }> }
    ).jobs;
    const pipeline = Object.values(steps)
      .flatMap((job) => job.steps)
      .find((step) => /^[\w.-]+\/mlops-actions@/.test(step.uses ?? ""));
    expect(pipeline?.with?.rules?.trim().split("\n").length).toBeGreaterThanOrEqual(1);
    expect(pipeline?.with?.rules).toMatch(/>=/);
  });
});
