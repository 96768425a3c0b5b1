// The dependency managers setup-env knows, one spec each: which files name it, which files pin its
// environment, how to install it, where its download cache lives. Detection, the `manager` input, the
// lockfile checks, the install step and the run fingerprint all read this table: a new manager is one entry.
// Pure: the caller lists the folder and runs the commands; nothing here touches the file system.
import { ConfigurationError } from "../formats/errors.ts";

/** The files at a project's root, and a way to demand one of them with the fix named. */
export interface ProjectFiles {
  has(name: string): boolean;
  /** The name, or a ConfigurationError naming the manager, the missing file and `fix`. */
  need(name: string, fix: string): string;
  /** requirements*.txt at the root, sorted. */
  requirements: readonly string[];
}

/** What the install step hands a manager's spec. */
export interface InstallContext {
  /** The environment's own python (inside the venv, once made). */
  python: string;
  /** The manager's executable found on PATH ("" for pip, which runs as `python -m pip`). */
  tool: string;
  /** The base interpreter (undefined for managers that bring their own Python). */
  interpreter: string | undefined;
  environmentPath: string;
  lockfiles: readonly string[];
  requirements: readonly string[];
  extraArgs: readonly string[];
}

export interface InstallCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Appended to the error when the command fails. */
  hint?: string;
}

/** The checks in src/python-env/lockfile-checks.ts, by the lockfile they verify. */
export type LockfileCheck = "requirements-in" | "pipfile-lock" | "poetry-lock";

export interface ManagerSpec {
  name: string;
  /** Files whose presence means this manager (`*` matches any characters). */
  detectedBy: readonly string[];
  /** The files that pin the environment (the cache key hashes them) and pip's -r files. */
  layout(files: ProjectFiles): { lockfiles: string[]; requirements: string[] };
  /** File names the run fingerprint hashes for this manager, wherever setup-env is not used. */
  fingerprinted: readonly RegExp[];
  /** How to get the executable when it is not on PATH; undefined: it comes with Python (pip). */
  installHint: string | undefined;
  /** "venv": `python -m venv` first, then the manager installs into it; "own": the manager makes it. */
  environment: "venv" | "own";
  /** false: the manager brings its own Python (micromamba), so no interpreter is looked for. */
  usesInterpreter: boolean;
  /** Folder name of the environment under setup-env's root. */
  environmentDir: string;
  /** Exported for later steps: where the active environment lives. */
  activateVariable: "VIRTUAL_ENV" | "CONDA_PREFIX";
  downloadCache: {
    /** Asked for the cache folder: `tool` is the manager's executable; the last output line is the folder. */
    query?: { command: "tool" | "python3"; args: readonly string[] };
    /** Under setup-env's root, when the query has no answer (or there is none). */
    fallback?: string;
    /** An environment variable that, when set, turns the download cache off. */
    disabledBy?: string;
    /** The environment variable the install step points at the restored folder. */
    variable?: string;
  };
  lockfileCheck: LockfileCheck | undefined;
  install(context: InstallContext): InstallCommand;
}

/** Managers that install into a venv made by the interpreter's own `python -m venv`. */
const IN_A_VENV = {
  environment: "venv",
  usesInterpreter: true,
  environmentDir: "venv",
  activateVariable: "VIRTUAL_ENV",
} as const;

/** pip's download cache: pip's own setting (PIP_CACHE_DIR, pip.conf) decides where it is. */
const PIP_DOWNLOADS = {
  query: { command: "python3", args: ["-m", "pip", "cache", "dir"] },
  fallback: "pip-cache",
  disabledBy: "PIP_NO_CACHE_DIR",
  variable: "PIP_CACHE_DIR",
} as const;

/** In detection order: a lockfile names its manager outright, so managers found by a lockfile come first. */
export const MANAGER_SPECS = [
  {
    name: "uv",
    detectedBy: ["uv.lock"],
    layout: (files) => ({
      lockfiles: [
        files.need("uv.lock", "Run 'uv lock' and commit uv.lock."),
        ...(files.has("pyproject.toml") ? ["pyproject.toml"] : []),
      ],
      requirements: [],
    }),
    fingerprinted: [/^uv\.lock$/, /^pyproject\.toml$/],
    installHint: "add astral-sh/setup-uv (pinned by SHA) or 'pipx install uv' before this one",
    environment: "own",
    usesInterpreter: true,
    environmentDir: "venv",
    activateVariable: "VIRTUAL_ENV",
    downloadCache: { query: { command: "tool", args: ["cache", "dir"] }, variable: "UV_CACHE_DIR" },
    // `uv sync --locked` checks uv.lock against pyproject.toml itself.
    lockfileCheck: undefined,
    install: (c) => {
      if (c.interpreter === undefined) throw new Error("uv needs an interpreter");
      return {
        command: c.tool,
        args: ["sync", "--locked", "--python", c.interpreter, ...c.extraArgs],
        env: { UV_PROJECT_ENVIRONMENT: c.environmentPath },
        hint: " If uv says the lockfile needs to be updated, run 'uv lock' and commit uv.lock.",
      };
    },
  },
  {
    name: "poetry",
    detectedBy: ["poetry.lock"],
    layout: (files) => ({
      lockfiles: [
        files.need("poetry.lock", "Run 'poetry lock' and commit poetry.lock."),
        files.need("pyproject.toml", "Poetry reads its dependencies from pyproject.toml."),
      ],
      requirements: [],
    }),
    fingerprinted: [/^poetry\.lock$/, /^pyproject\.toml$/],
    installHint: "add a step 'pipx install poetry' before this one",
    ...IN_A_VENV,
    downloadCache: { query: { command: "tool", args: ["config", "cache-dir"] } },
    lockfileCheck: "poetry-lock",
    install: (c) => ({ command: c.tool, args: ["install", "--no-interaction", ...c.extraArgs] }),
  },
  {
    name: "pipenv",
    detectedBy: ["Pipfile.lock", "Pipfile"],
    layout: (files) => {
      files.need("Pipfile", "pipenv reads its dependencies from Pipfile.");
      return {
        lockfiles: [
          files.need(
            "Pipfile.lock",
            "Run 'pipenv lock' and commit Pipfile.lock: CI installs exactly what it pins.",
          ),
          "Pipfile",
        ],
        requirements: [],
      };
    },
    fingerprinted: [/^Pipfile(\.lock)?$/],
    installHint: "add a step 'pipx install pipenv' (or 'python -m pip install pipenv') before this one",
    ...IN_A_VENV,
    // pipenv installs with pip.
    downloadCache: PIP_DOWNLOADS,
    lockfileCheck: "pipfile-lock",
    // --deploy: pipenv itself refuses a Pipfile.lock that is out of date.
    install: (c) => ({
      command: c.tool,
      args: ["install", "--deploy", ...c.extraArgs],
      env: { PIPENV_VERBOSITY: "-1" },
    }),
  },
  {
    name: "micromamba",
    detectedBy: ["environment.yml", "environment.yaml"],
    layout: (files) => ({
      lockfiles: [
        files.has("environment.yml")
          ? "environment.yml"
          : files.need("environment.yaml", "Commit an environment.yml."),
      ],
      requirements: [],
    }),
    fingerprinted: [/^environment\.ya?ml$/, /^conda-lock\.ya?ml$/],
    installHint: "add mamba-org/setup-micromamba (pinned by SHA) before this one",
    environment: "own",
    usesInterpreter: false,
    environmentDir: "env",
    activateVariable: "CONDA_PREFIX",
    downloadCache: { fallback: "pkgs", variable: "CONDA_PKGS_DIRS" },
    // environment.yml is both manifest and pin list.
    lockfileCheck: undefined,
    install: (c) => ({
      command: c.tool,
      args: [
        "create",
        "--yes",
        "--prefix",
        c.environmentPath,
        "--file",
        c.lockfiles[0] ?? "environment.yml",
        ...c.extraArgs,
      ],
    }),
  },
  {
    name: "pip",
    detectedBy: ["requirements*.txt", "pyproject.toml"],
    layout: (files) =>
      files.requirements.length > 0
        ? { lockfiles: [...files.requirements], requirements: [...files.requirements] }
        : {
            lockfiles: [
              files.need(
                "pyproject.toml",
                "Commit a requirements.txt (or pyproject.toml) in working-directory.",
              ),
            ],
            requirements: [],
          },
    fingerprinted: [/^requirements.*\.(txt|lock|in)$/, /^constraints.*\.txt$/, /^pyproject\.toml$/],
    installHint: undefined,
    ...IN_A_VENV,
    downloadCache: PIP_DOWNLOADS,
    lockfileCheck: "requirements-in",
    install: (c) => {
      const args = ["-m", "pip", "install"];
      if (c.requirements.length === 0) args.push(".");
      for (const file of c.requirements) args.push("-r", file);
      return { command: c.python, args: [...args, ...c.extraArgs] };
    },
  },
] as const satisfies readonly ManagerSpec[];

export type Manager = (typeof MANAGER_SPECS)[number]["name"];
export const MANAGERS: readonly Manager[] = MANAGER_SPECS.map((spec) => spec.name);

/** Lockfiles of tools setup-env does not install with, still part of the run fingerprint. */
export const OTHER_LOCKFILES: readonly RegExp[] = [/^pdm\.lock$/];

export function managerSpec(manager: Manager): ManagerSpec {
  const spec = MANAGER_SPECS.find((s) => s.name === manager);
  if (spec === undefined) throw new Error(`no spec for manager ${manager}`);
  return spec;
}

export interface ProjectLayout {
  manager: Manager;
  /** Files (relative to the project) whose contents pin the environment: the cache key hashes them. */
  lockfiles: string[];
  /** pip only: the requirements files passed with -r; empty means `pip install .` from pyproject.toml. */
  requirements: string[];
}

const REQUIREMENTS = /^requirements.*\.txt$/;

/**
 * The manager a project uses: the first in MANAGER_SPECS whose files are present. `requested` (the
 * `manager` input) overrides detection but must still find its files.
 */
export function detectProject(files: readonly string[], requested?: Manager): ProjectLayout {
  const has = (name: string): boolean => files.includes(name);
  const requirements = files.filter((f) => REQUIREMENTS.test(f)).sort();
  const detected = requested ?? MANAGER_SPECS.find((spec) => detects(spec, files))?.name;
  if (detected === undefined) {
    const names = MANAGER_SPECS.flatMap((spec) => spec.detectedBy);
    throw new ConfigurationError(
      `No dependency files found: setup-env looks for ${names.slice(0, -1).join(", ")} or ${names.at(-1) ?? ""} ` +
        "in working-directory. Commit one there, or point 'working-directory' at the folder that has them.",
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
  return { manager: detected, ...managerSpec(detected).layout({ has, need, requirements }) };
}

function detects(spec: ManagerSpec, files: readonly string[]): boolean {
  return spec.detectedBy.some((pattern) => {
    const match = globPattern(pattern);
    return files.some((file) => match.test(file));
  });
}

function globPattern(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
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

export function managerNotInstalled(manager: Manager, why: string): ConfigurationError {
  const hint = managerSpec(manager).installHint ?? "install it before this step";
  return new ConfigurationError(
    `The project uses ${manager} (${why}), but '${manager}' is not installed on this runner (not found on PATH). ` +
      `To fix: ${hint}, or set 'manager: pip' with a requirements.txt.`,
  );
}
