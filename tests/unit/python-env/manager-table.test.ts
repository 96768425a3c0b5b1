// Walks the one table of managers: whatever a spec says, detection, the `manager` input, the missing-tool
// error, the install step and the run fingerprint follow. A new entry gets these checks for free.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lockfileNames } from "../../../src/fingerprint/lockfiles.ts";
import {
  detectProject,
  managerNotInstalled,
  MANAGER_SPECS,
  MANAGERS,
  type Manager,
  type ManagerSpec,
} from "../../../src/python-env/managers.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every file that names the manager (a `*` made concrete), plus a pyproject.toml any of them may read. */
function projectFiles(spec: ManagerSpec): string[] {
  return [...new Set([...spec.detectedBy.map((name) => name.replace("*", "")), "pyproject.toml"])];
}

describe.each(MANAGER_SPECS.map((spec) => [spec.name, spec] as [Manager, ManagerSpec]))(
  "manager %s",
  (name, spec) => {
    it("is detected from its own files, and the files it pins are fingerprinted", () => {
      const files = projectFiles(spec);
      const layout = detectProject(files);
      expect(layout.manager).toBe(name);
      expect(layout.lockfiles.length).toBeGreaterThan(0);

      const dir = mkdtempSync(join(tmpdir(), `mlops-manager-${name}-`));
      dirs.push(dir);
      for (const file of files) writeFileSync(join(dir, file), `# ${name}\n`);
      const fingerprinted = lockfileNames(dir);
      for (const lockfile of layout.lockfiles) expect(fingerprinted).toContain(lockfile);
    });

    it("is accepted by the `manager` input and documented in action.yml", () => {
      expect(MANAGERS).toContain(name);
      for (const file of ["actions/setup-env/action.yml", "actions/setup-env/install/action.yml"]) {
        const action = parse(readFileSync(file, "utf8")) as { inputs: { manager: { description: string } } };
        expect(action.inputs.manager.description).toMatch(new RegExp(`\\b${name}\\b`));
      }
    });

    it("says how to install it when it is missing, unless it comes with Python", () => {
      if (spec.installHint === undefined) return;
      expect(managerNotInstalled(name, "test").message).toContain(spec.installHint);
    });

    it("builds an install command from its spec", () => {
      const command = spec.install({
        python: "/env/bin/python",
        tool: `/usr/bin/${name}`,
        interpreter: "/usr/bin/python3",
        environmentPath: "/env",
        lockfiles: detectProject(projectFiles(spec)).lockfiles,
        requirements: [],
        extraArgs: ["--extra-flag"],
      });
      expect(["/env/bin/python", `/usr/bin/${name}`]).toContain(command.command);
      expect(command.args.at(-1)).toBe("--extra-flag");
    });
  },
);

describe("the table as a whole", () => {
  it("names every file it looks for when it finds none", () => {
    let message = "";
    try {
      detectProject(["train.py"]);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const spec of MANAGER_SPECS) for (const file of spec.detectedBy) expect(message).toContain(file);
  });

  it("has one spec per name", () => {
    expect(new Set(MANAGERS).size).toBe(MANAGER_SPECS.length);
  });
});
