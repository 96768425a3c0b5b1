// Runs once before the integration tests: checks the tools they need, and trains each example once so
// tests that are not about training can start from a trained project (copy of the folder, outputs in place).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

const root = resolve(import.meta.dirname, "../..");
export const PYTHON = "/usr/bin/python3";

declare module "vitest" {
  export interface ProvidedContext {
    trainedExamples: Record<string, string>;
  }
}

export default function setup(project: TestProject): () => void {
  for (const [module, pkg] of [
    ["sklearn", "python3-sklearn"],
    ["scipy.stats", "python3-scipy"],
  ] as const) {
    try {
      execFileSync(PYTHON, ["-c", `import ${module}`], { stdio: "ignore" });
    } catch {
      throw new Error(
        `${PYTHON} cannot import ${module}: install it with 'apt-get install ${pkg}' (or run npm test).`,
      );
    }
  }
  for (const bundle of ["train-model", "evaluate-gate"]) {
    if (!existsSync(join(root, "dist", bundle, "index.js"))) {
      throw new Error(`dist/${bundle}/index.js is missing: run 'npm run build'.`);
    }
  }
  const base = mkdtempSync(join(tmpdir(), "mlops-trained-"));
  const trained: Record<string, string> = {};
  for (const example of ["quickstart", "sklearn-classifier"]) {
    const dir = join(base, example);
    cpSync(join(root, "examples", example), dir, { recursive: true });
    execFileSync(PYTHON, ["train.py"], {
      cwd: dir,
      stdio: "ignore",
      env: { ...process.env, PYTHONHASHSEED: "0" },
    });
    trained[example] = dir;
  }
  project.provide("trainedExamples", trained);
  return () => rmSync(base, { recursive: true, force: true });
}
