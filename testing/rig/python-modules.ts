// The Python modules the tests need from the machine, and the ones they import. One definition of what
// the machine provides: the `python_modules` table in scripts/ensure-system.sh (module, Debian package),
// which that script installs from and which tests/unit/python-modules.test.ts holds every import to.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const SYSTEM_PYTHON = "/usr/bin/python3";
const ENSURE_SYSTEM = join(REPO_ROOT, "scripts/ensure-system.sh");

export interface ProvidedModule {
  /** As ensure-system.sh imports it to check it (may be dotted: `scipy.stats`). */
  module: string;
  /** The Debian package that provides it. */
  package: string;
}

/** The `python_modules="…"` table of scripts/ensure-system.sh. */
export function providedPythonModules(script = readFileSync(ENSURE_SYSTEM, "utf8")): ProvidedModule[] {
  const table = /^python_modules="\n([\s\S]*?)^"$/m.exec(script)?.[1];
  if (table === undefined) throw new Error(`${ENSURE_SYSTEM} has no python_modules="…" table`);
  return table
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [module = "", pkg = ""] = line.trim().split(/\s+/);
      return { module, package: pkg };
    });
}

/** Modules of `modules` that SYSTEM_PYTHON cannot import (one interpreter start for all). */
export function unimportable(modules: readonly string[]): string[] {
  const script =
    "import importlib, json, sys\nbad = []\nfor name in sys.argv[1:]:\n    try:\n        importlib.import_module(name)\n    except Exception:\n        bad.append(name)\nprint(json.dumps(bad))";
  return JSON.parse(
    execFileSync(SYSTEM_PYTHON, ["-c", script, ...modules], { encoding: "utf8" }),
  ) as string[];
}

export interface PythonImport {
  /** Top-level module name. */
  module: string;
  /** Repository-relative file and line where it is imported. */
  where: string;
}

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", ".tmp", "coverage", "__pycache__"]);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name) || entry.name.startsWith(".venv")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** `import a, b.c as d` and `from e.f import g` statements in one line of Python (several with `;`). */
function importsInLine(line: string): string[] {
  const found: string[] = [];
  for (const part of line.split(";")) {
    const statement = part.trim().replace(/^["'`]+/, "");
    const plain =
      /^import\s+([A-Za-z_][\w.]*(?:\s+as\s+\w+)?(?:\s*,\s*[A-Za-z_][\w.]*(?:\s+as\s+\w+)?)*)\s*["'`,)]*\s*$/.exec(
        statement,
      );
    if (plain?.[1] !== undefined) {
      for (const name of plain[1].split(",")) found.push(name.trim().split(/[\s.]/)[0] ?? "");
      continue;
    }
    const from = /^from\s+([A-Za-z_][\w.]*)\s+import\s+[\w*(]/.exec(statement);
    if (from?.[1] !== undefined) found.push(from[1].split(".")[0] ?? "");
  }
  return found.filter((name) => name !== "");
}

/** `python -m <module>` (and `["-m", "<module>"]` argument lists) in scripts and tests. */
const MODULE_RUN = /(?:python3?\b[^\n]*?\s-m\s+|["']-m["'],\s*["'])([A-Za-z_][\w.]*)/g;

/**
 * Every Python module the tests import or run: in the .py files of examples/ and tests/ (the examples'
 * own code and tests, fixtures), in the Python snippets inside tests/, testing/, scripts/ and bench/ (as
 * `-c` scripts), and `python -m` runs there. Relative imports (`from . import x`) are not matched.
 */
export function importedPythonModules(): PythonImport[] {
  const files = [
    ...walk(join(REPO_ROOT, "examples")),
    ...walk(join(REPO_ROOT, "tests")),
    ...walk(join(REPO_ROOT, "testing")),
    ...walk(join(REPO_ROOT, "scripts")),
    ...walk(join(REPO_ROOT, "bench")),
  ];
  const found: PythonImport[] = [];
  for (const file of files) {
    const isPython = file.endsWith(".py");
    const isCode = /\.(?:ts|mjs|sh)$/.test(file) && !file.includes("/fixtures/mermaid/");
    if (!isPython && !isCode) continue;
    const rel = relative(REPO_ROOT, file);
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, index) => {
        const where = `${rel}:${index + 1}`;
        if (isPython) {
          for (const module of importsInLine(line)) found.push({ module, where });
          return;
        }
        // A TypeScript import (it names a path in quotes) is not Python; a JavaScript string's "\n" is a
        // line break in the Python it holds.
        if (!/^\s*(?:import|export)\b.*\bfrom\s+["']/.test(line))
          for (const segment of line.split("\\n"))
            for (const module of importsInLine(segment)) found.push({ module, where });
        for (const match of line.matchAll(MODULE_RUN))
          found.push({ module: (match[1] ?? "").split(".")[0] ?? "", where });
      });
  }
  return found;
}

/**
 * Module names the repository defines itself: its .py files and packages, modules a conftest registers
 * (`sys.modules["name"]`) and the fixture distributions testing/fixtures/wheelhouse.ts builds.
 */
export function repositoryModules(): Set<string> {
  const names = new Set<string>();
  for (const file of [...walk(join(REPO_ROOT, "examples")), ...walk(join(REPO_ROOT, "tests"))]) {
    if (file.endsWith(".py")) {
      names.add(basename(file, ".py"));
      names.add(basename(dirname(file)));
      for (const match of readFileSync(file, "utf8").matchAll(/sys\.modules\[["'](\w+)["']\]/g))
        if (match[1] !== undefined) names.add(match[1]);
    }
  }
  const wheelhouse = readFileSync(join(REPO_ROOT, "testing/fixtures/wheelhouse.ts"), "utf8");
  for (const match of wheelhouse.matchAll(/module: "(\w+)"/g))
    if (match[1] !== undefined) names.add(match[1]);
  return names;
}

/** The standard library's top-level module names, as SYSTEM_PYTHON knows them. */
export function standardLibrary(): Set<string> {
  const out = execFileSync(
    SYSTEM_PYTHON,
    ["-c", "import sys; print('\\n'.join(sorted(sys.stdlib_module_names)))"],
    {
      encoding: "utf8",
    },
  );
  return new Set(out.split("\n").filter((name) => name !== ""));
}
