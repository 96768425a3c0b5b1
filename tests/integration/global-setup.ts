// Runs once before the integration tests: checks that the tools they need are there, so a missing one
// fails once, saying what to install, instead of in every test. (Tests that need a trained model train it
// through train-model, whose artifact they need anyway; quickstart trains in about half a second.)
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const PYTHON = "/usr/bin/python3";

export default function setup(): void {
  for (const [module, pkg] of [
    ["sklearn", "python3-sklearn"],
    ["scipy.stats", "python3-scipy"],
    ["ensurepip", "python3-venv"],
  ] as const) {
    try {
      execFileSync(PYTHON, ["-c", `import ${module}`], { stdio: "ignore" });
    } catch {
      throw new Error(
        `${PYTHON} cannot import ${module}: install it with 'apt-get install ${pkg}' (or run npm test).`,
      );
    }
  }
  for (const bundle of ["train-model", "evaluate-gate", "setup-env"]) {
    if (!existsSync(join(root, "dist", bundle, "index.js"))) {
      throw new Error(`dist/${bundle}/index.js is missing: run 'npm run build'.`);
    }
  }
}
