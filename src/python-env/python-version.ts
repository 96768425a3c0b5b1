// The Python a project asks for: the `python-version` input, else .python-version, else 3.12.
import { ConfigurationError } from "../formats/errors.ts";

const DEFAULT_PYTHON_VERSION = "3.12";

export type PythonRequest =
  | { kind: "version"; spec: string; source: "input" | ".python-version" | "default" }
  | { kind: "interpreter"; path: string };

/** `dotPythonVersion` is the text of .python-version in working-directory, when there is one. */
export function resolvePythonRequest(
  input: string | undefined,
  dotPythonVersion: string | undefined,
): PythonRequest {
  if (input !== undefined) {
    // A path names an interpreter outright (self-hosted runners, tests); setup-python is not involved.
    if (input.includes("/")) return { kind: "interpreter", path: input };
    return { kind: "version", spec: input, source: "input" };
  }
  if (dotPythonVersion !== undefined) {
    const first = dotPythonVersion
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== "" && !l.startsWith("#"));
    if (first === undefined) {
      throw new ConfigurationError(
        ".python-version is empty: write a version such as 3.12 on its first line.",
        {
          file: ".python-version",
          line: 1,
        },
      );
    }
    return { kind: "version", spec: first, source: ".python-version" };
  }
  return { kind: "version", spec: DEFAULT_PYTHON_VERSION, source: "default" };
}

/**
 * Whether an interpreter's full version satisfies a plain numeric spec ("3", "3.12", "3.12.4"). Specs that
 * setup-python understands but that are not plain numbers (3.x, >=3.10, pypy3.10) are not checked: true.
 */
export function versionSatisfies(spec: string, fullVersion: string): boolean {
  if (!/^\d+(\.\d+){0,2}$/.test(spec)) return true;
  const want = spec.split(".");
  const have = fullVersion.split(".");
  return want.every((part, i) => have[i] === part);
}
