// Runs once before the integration tests: checks that the tools they need are there, so a missing one
// fails once, saying what to install, instead of in every test. (Tests that need a trained model train it
// through train-model, whose artifact they need anyway; quickstart trains in about half a second.) Then
// starts the one token-auth test registry the suite shares: files get it with
// connectTestRegistry(inject("testRegistry")) and use unique repository names (uniqueRepository).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { providedPythonModules, SYSTEM_PYTHON, unimportable } from "../../testing/rig/python-modules.ts";
import { startTestRegistry, type SharedRegistryInfo } from "../../testing/services/registry/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    testRegistry: SharedRegistryInfo;
  }
}

const root = resolve(import.meta.dirname, "../..");

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  checkTools();
  const registry = await startTestRegistry();
  project.provide("testRegistry", registry.shared);
  return () => registry.close();
}

function checkTools(): void {
  // What scripts/ensure-system.sh installs (its python_modules table), checked in one interpreter start.
  const provided = providedPythonModules();
  const missing = unimportable(provided.map((p) => p.module));
  if (missing.length > 0) {
    const packages = provided.filter((p) => missing.includes(p.module)).map((p) => p.package);
    throw new Error(
      `${SYSTEM_PYTHON} cannot import ${missing.join(", ")}: install them with 'apt-get install ${[...new Set(packages)].join(" ")}' (or run npm test).`,
    );
  }
  // Its system_commands table (nginx, skopeo, docker-registry, ...): "command package" a line.
  const script = readFileSync(join(root, "scripts/ensure-system.sh"), "utf8");
  const table = /^system_commands="\n([\s\S]*?)^"$/m.exec(script)?.[1] ?? "";
  const absent = table
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([command]) => command && !onPath(command));
  if (absent.length > 0) {
    throw new Error(
      `${absent.map(([c]) => c).join(", ")} not found: install them with 'apt-get install ${absent.map(([, p]) => p).join(" ")}' (or run npm test).`,
    );
  }
  for (const bundle of ["train-model", "evaluate-gate", "setup-env"]) {
    if (!existsSync(join(root, "dist", bundle, "index.js"))) {
      throw new Error(`dist/${bundle}/index.js is missing: run 'npm run build'.`);
    }
  }
}

function onPath(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `PATH="$PATH:/usr/sbin:/sbin" command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
