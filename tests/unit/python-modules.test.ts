// Every Python module the tests import through the machine's Python comes from scripts/ensure-system.sh,
// so `npm test` on a fresh machine installs it (a test once imported mpmath, which nothing installed).
import { describe, expect, it } from "vitest";
import {
  importedPythonModules,
  providedPythonModules,
  repositoryModules,
  standardLibrary,
  unimportable,
} from "../../testing/rig/python-modules.ts";

describe("Python modules the tests import", () => {
  const provided = providedPythonModules();
  const imports = importedPythonModules();

  it("finds the imports in .py files, in Python snippets inside the tests, and modules run with -m", () => {
    const where = (module: string) => imports.filter((i) => i.module === module).map((i) => i.where);
    expect(where("mpmath")).toContain("tests/unit/verdict/statistics.test.ts:108");
    expect(where("scipy").length).toBeGreaterThanOrEqual(3);
    expect(where("sklearn").some((w) => w.startsWith("examples/"))).toBe(true);
    expect(where("pytest").some((w) => w.startsWith("scripts/test-all.sh:"))).toBe(true);
    expect(where("pipenv")).toEqual(["tests/unit/python-env/lockfile-checks.test.ts:14"]);
  });

  it("are all provided by scripts/ensure-system.sh's python_modules table, the standard library or the repository", () => {
    const stdlib = standardLibrary();
    const ours = repositoryModules();
    const listed = new Set(provided.map((p) => p.module.split(".")[0]));
    const unprovided = imports.filter(
      (i) =>
        !stdlib.has(i.module) && !ours.has(i.module) && !listed.has(i.module) && i.module !== "__future__",
    );
    expect(
      unprovided.map((i) => `${i.where}: ${i.module}`),
      "add each module with its Debian package to python_modules in scripts/ensure-system.sh",
    ).toEqual([]);
  });

  it("lists each module with a Debian package, and this machine has them all (ensure-system.sh ran)", () => {
    expect(provided.map((p) => p.module)).toEqual(
      expect.arrayContaining(["mpmath", "scipy.stats", "sklearn"]),
    );
    for (const { module, package: pkg } of provided) expect(pkg, module).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
    expect(unimportable(provided.map((p) => p.module))).toEqual([]);
  });
});
