import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../src/formats/errors.ts";
import { detectProject, findOnPath, managerNotInstalled } from "../../../src/python-env/managers.ts";
import { resolvePythonRequest, versionSatisfies } from "../../../src/python-env/python-version.ts";
import { shellWords } from "../../../src/python-env/shell-words.ts";

describe("detectProject", () => {
  it.each([
    [["uv.lock", "pyproject.toml", "requirements.txt"], "uv", ["uv.lock", "pyproject.toml"]],
    [["poetry.lock", "pyproject.toml"], "poetry", ["poetry.lock", "pyproject.toml"]],
    [["Pipfile", "Pipfile.lock", "requirements.txt"], "pipenv", ["Pipfile.lock", "Pipfile"]],
    [["environment.yml", "requirements.txt"], "micromamba", ["environment.yml"]],
    [
      ["requirements-dev.txt", "requirements.txt", "pyproject.toml"],
      "pip",
      ["requirements-dev.txt", "requirements.txt"],
    ],
    [["pyproject.toml", "README.md"], "pip", ["pyproject.toml"]],
  ])("%j → %s", (files, manager, lockfiles) => {
    const layout = detectProject(files);
    expect(layout.manager).toBe(manager);
    expect(layout.lockfiles).toEqual(lockfiles);
  });

  it("installs every requirements*.txt with pip, and pyproject.toml as '.' when there is none", () => {
    expect(detectProject(["requirements.txt", "requirements-gpu.txt"]).requirements).toEqual([
      "requirements-gpu.txt",
      "requirements.txt",
    ]);
    expect(detectProject(["pyproject.toml"]).requirements).toEqual([]);
  });

  it("lets `manager` override detection, but still needs that manager's files", () => {
    expect(detectProject(["poetry.lock", "pyproject.toml", "requirements.txt"], "pip").manager).toBe("pip");
    expect(() => detectProject(["requirements.txt"], "poetry")).toThrow(
      /manager 'poetry' needs poetry\.lock in working-directory, but it is missing\. Run 'poetry lock'/,
    );
  });

  it("asks for a Pipfile.lock: CI installs what is locked", () => {
    expect(() => detectProject(["Pipfile"])).toThrow(/needs Pipfile\.lock .* Run 'pipenv lock'/);
  });

  it("says which files it looked for when there are none", () => {
    expect(() => detectProject(["train.py"])).toThrow(ConfigurationError);
    expect(() => detectProject(["train.py"])).toThrow(
      /uv\.lock, poetry\.lock, Pipfile\.lock, Pipfile, environment\.yml/,
    );
  });
});

describe("managers on PATH", () => {
  it("finds the first executable match", () => {
    const present = new Set(["/opt/b/uv", "/usr/bin/uv"]);
    expect(findOnPath("uv", "/opt/a::/opt/b/:/usr/bin", (f) => present.has(f))).toBe("/opt/b/uv");
    expect(findOnPath("poetry", "/opt/a:/usr/bin", (f) => present.has(f))).toBeUndefined();
  });

  it("explains how to install a missing manager", () => {
    expect(managerNotInstalled("poetry", "it has poetry.lock").message).toBe(
      "The project uses poetry (it has poetry.lock), but 'poetry' is not installed on this runner (not found on PATH). To fix: add a step 'pipx install poetry' before this one, or set 'manager: pip' with a requirements.txt.",
    );
  });
});

describe("python-version", () => {
  it("takes the input, then .python-version's first version line, then 3.12", () => {
    expect(resolvePythonRequest("3.11", "3.10\n")).toEqual({
      kind: "version",
      spec: "3.11",
      source: "input",
    });
    expect(resolvePythonRequest(undefined, "# pinned\n\n 3.10.14 \n")).toEqual({
      kind: "version",
      spec: "3.10.14",
      source: ".python-version",
    });
    expect(resolvePythonRequest(undefined, undefined)).toEqual({
      kind: "version",
      spec: "3.12",
      source: "default",
    });
    expect(resolvePythonRequest("/usr/bin/python3", undefined)).toEqual({
      kind: "interpreter",
      path: "/usr/bin/python3",
    });
    expect(() => resolvePythonRequest(undefined, "\n# nothing\n")).toThrow(/\.python-version is empty/);
  });

  it("checks plain numeric specs component by component", () => {
    expect(versionSatisfies("3.12", "3.12.7")).toBe(true);
    expect(versionSatisfies("3.1", "3.12.7")).toBe(false);
    expect(versionSatisfies("3.12.7", "3.12.7")).toBe(true);
    expect(versionSatisfies("3", "3.11.2")).toBe(true);
    expect(versionSatisfies("3.x", "3.11.2")).toBe(true); // setup-python's syntax: not ours to judge
  });
});

describe("extra-args", () => {
  it("splits like a shell without expanding anything", () => {
    expect(shellWords(`--no-index --find-links "/tmp/my wheels" -c 'c.txt' a\\ b $HOME ""`)).toEqual([
      "--no-index",
      "--find-links",
      "/tmp/my wheels",
      "-c",
      "c.txt",
      "a b",
      "$HOME",
      "",
    ]);
    expect(shellWords("  ")).toEqual([]);
    expect(() => shellWords(`--x "open`)).toThrow(/Input 'extra-args' has an unclosed " quote/);
  });
});
