// Which dependency manager a project uses, read from the files at its root, and what each one needs.
// Pure: the caller lists the folder; nothing here touches the file system.
import { ConfigurationError } from "../formats/errors.ts";

export const MANAGERS = ["pip", "pipenv", "poetry", "uv", "micromamba"] as const;
export type Manager = (typeof MANAGERS)[number];

export interface ProjectLayout {
  manager: Manager;
  /** Files (relative to the project) whose contents pin the environment: the cache key hashes them. */
  lockfiles: string[];
  /** pip only: the requirements files passed with -r; empty means `pip install .` from pyproject.toml. */
  requirements: string[];
}

/** How to get a manager that is not on PATH; pip comes with every Python we accept. */
const INSTALL_HINTS: Record<Exclude<Manager, "pip">, string> = {
  pipenv: "add a step 'pipx install pipenv' (or 'python -m pip install pipenv') before this one",
  poetry: "add a step 'pipx install poetry' before this one",
  uv: "add astral-sh/setup-uv (pinned by SHA) or 'pipx install uv' before this one",
  micromamba: "add mamba-org/setup-micromamba (pinned by SHA) before this one",
};

const REQUIREMENTS = /^requirements.*\.txt$/;

/**
 * The manager a project uses. A lockfile names its manager outright, so lockfiles win over manifests;
 * `requested` (the `manager` input) overrides detection but must still find its files.
 */
export function detectProject(files: readonly string[], requested?: Manager): ProjectLayout {
  const has = (name: string): boolean => files.includes(name);
  const requirements = files.filter((f) => REQUIREMENTS.test(f)).sort();
  const detected: Manager | undefined = requested ?? detectManager(has, requirements.length > 0);
  if (detected === undefined) {
    throw new ConfigurationError(
      "No dependency files found: setup-env looks for uv.lock, poetry.lock, Pipfile.lock, environment.yml, " +
        "requirements*.txt or pyproject.toml in working-directory. Commit one there, or point " +
        "'working-directory' at the folder that has them.",
    );
  }
  const need = (name: string, fix: string): string => {
    if (!has(name)) {
      throw new ConfigurationError(
        `manager '${detected}' needs ${name} in working-directory, but it is missing. ${fix}`,
      );
    }
    return name;
  };
  switch (detected) {
    case "uv":
      return {
        manager: "uv",
        lockfiles: [need("uv.lock", "Run 'uv lock' and commit uv.lock."), ...optional(has, "pyproject.toml")],
        requirements: [],
      };
    case "poetry":
      return {
        manager: "poetry",
        lockfiles: [
          need("poetry.lock", "Run 'poetry lock' and commit poetry.lock."),
          need("pyproject.toml", "Poetry reads its dependencies from pyproject.toml."),
        ],
        requirements: [],
      };
    case "pipenv":
      need("Pipfile", "pipenv reads its dependencies from Pipfile.");
      return {
        manager: "pipenv",
        lockfiles: [
          need(
            "Pipfile.lock",
            "Run 'pipenv lock' and commit Pipfile.lock: CI installs exactly what it pins.",
          ),
          "Pipfile",
        ],
        requirements: [],
      };
    case "micromamba": {
      const file = has("environment.yml")
        ? "environment.yml"
        : need("environment.yaml", "Commit an environment.yml.");
      return { manager: "micromamba", lockfiles: [file], requirements: [] };
    }
    case "pip":
      if (requirements.length > 0) return { manager: "pip", lockfiles: requirements, requirements };
      return {
        manager: "pip",
        lockfiles: [
          need("pyproject.toml", "Commit a requirements.txt (or pyproject.toml) in working-directory."),
        ],
        requirements: [],
      };
  }
}

function detectManager(has: (name: string) => boolean, hasRequirements: boolean): Manager | undefined {
  if (has("uv.lock")) return "uv";
  if (has("poetry.lock")) return "poetry";
  if (has("Pipfile.lock") || has("Pipfile")) return "pipenv";
  if (has("environment.yml") || has("environment.yaml")) return "micromamba";
  if (hasRequirements || has("pyproject.toml")) return "pip";
  return undefined;
}

function optional(has: (name: string) => boolean, name: string): string[] {
  return has(name) ? [name] : [];
}

/** Finds an executable on a PATH string; pure over an `isExecutable` test so it runs without a disk. */
export function findOnPath(
  command: string,
  path: string,
  isExecutable: (file: string) => boolean,
): string | undefined {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    const file = `${dir.replace(/\/+$/, "")}/${command}`;
    if (isExecutable(file)) return file;
  }
  return undefined;
}

export function managerNotInstalled(manager: Exclude<Manager, "pip">, why: string): ConfigurationError {
  return new ConfigurationError(
    `The project uses ${manager} (${why}), but '${manager}' is not installed on this runner (not found on PATH). ` +
      `To fix: ${INSTALL_HINTS[manager]}, or set 'manager: pip' with a requirements.txt.`,
  );
}
