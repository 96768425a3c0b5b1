// Runs once before the integration tests: checks that the tools they need are there, so a missing one
// fails once, saying what to install, instead of in every test. (Tests that need a trained model train it
// through train-model, whose artifact they need anyway; quickstart trains in about half a second.)
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { providedPythonModules, SYSTEM_PYTHON, unimportable } from "../rig/python-modules.ts";

const root = resolve(import.meta.dirname, "../..");

export default function setup(): void {
  // What scripts/ensure-system.sh installs (its python_modules table), checked in one interpreter start.
  const provided = providedPythonModules();
  const missing = unimportable(provided.map((p) => p.module));
  if (missing.length > 0) {
    const packages = provided.filter((p) => missing.includes(p.module)).map((p) => p.package);
    throw new Error(
      `${SYSTEM_PYTHON} cannot import ${missing.join(", ")}: install them with 'apt-get install ${[...new Set(packages)].join(" ")}' (or run npm test).`,
    );
  }
  for (const bundle of ["train-model", "evaluate-gate", "setup-env"]) {
    if (!existsSync(join(root, "dist", bundle, "index.js"))) {
      throw new Error(`dist/${bundle}/index.js is missing: run 'npm run build'.`);
    }
  }
}
