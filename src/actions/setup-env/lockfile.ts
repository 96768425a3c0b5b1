// Reads the files the lockfile checks compare and turns a mismatch into an error naming the fix.
// TOML is parsed by the project's own Python (tomllib, 3.11+), which every install needs anyway.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as core from "@actions/core";
import { ConfigurationError } from "../../formats/errors.ts";
import { pipfileHash, poetryContentHashes, unpinnedRequirements } from "../../python-env/lockfile-checks.ts";
import { managerSpec, type LockfileCheck, type ProjectLayout } from "../../python-env/managers.ts";
import { PY_VALUE_SCRIPT, UnhashableValue, type PyValue } from "../../python-env/python-json.ts";
import { capture } from "./processes.ts";

/** The check each manager's spec names (its `lockfileCheck`). */
const LOCKFILE_CHECKS: Record<
  LockfileCheck,
  (layout: ProjectLayout, cwd: string, python: string | undefined) => Promise<void> | void
> = {
  "requirements-in": (layout, cwd) => checkRequirementsIn(layout.requirements, cwd),
  "pipfile-lock": (_layout, cwd, python) => checkPipfileLock(cwd, python),
  "poetry-lock": (_layout, cwd, python) => checkPoetryLock(cwd, python),
};

export async function checkLockfile(
  layout: ProjectLayout,
  cwd: string,
  python: string | undefined,
): Promise<void> {
  const check = managerSpec(layout.manager).lockfileCheck;
  if (check !== undefined) await LOCKFILE_CHECKS[check](layout, cwd, python);
}

function checkRequirementsIn(requirements: readonly string[], cwd: string): void {
  for (const txt of requirements) {
    const source = txt.replace(/\.txt$/, ".in");
    if (!existsSync(join(cwd, source))) continue;
    const missing = unpinnedRequirements(
      readFileSync(join(cwd, source), "utf8"),
      readFileSync(join(cwd, txt), "utf8"),
    );
    const first = missing[0];
    if (first !== undefined) {
      throw new ConfigurationError(
        `${txt} does not match ${source}: ${missing.map((m) => m.name).join(", ")} ${missing.length === 1 ? "is" : "are"} required in ${source} but not pinned in ${txt}. Run 'pip-compile ${source}' and commit ${txt}.`,
        { file: source, line: first.line },
      );
    }
  }
}

async function checkPipfileLock(cwd: string, python: string | undefined): Promise<void> {
  const lock = readJson(join(cwd, "Pipfile.lock"), "Pipfile.lock");
  const recorded = (lock as { _meta?: { hash?: { sha256?: unknown } } } | undefined)?._meta?.hash?.sha256;
  if (typeof recorded !== "string") {
    throw new ConfigurationError("Pipfile.lock has no _meta.hash.sha256: regenerate it with 'pipenv lock'.", {
      file: "Pipfile.lock",
    });
  }
  const pipfile = await readToml(join(cwd, "Pipfile"), "Pipfile", python);
  if (pipfile === undefined) return;
  const actual = hashOrUndefined(() => pipfileHash(pipfile), "Pipfile");
  if (actual !== undefined && actual !== recorded) {
    throw new ConfigurationError(
      `Pipfile.lock is out of date: it was locked for a Pipfile with hash ${recorded.slice(0, 12)}…, the Pipfile now hashes to ${actual.slice(0, 12)}…. Run 'pipenv lock' and commit Pipfile.lock.`,
      { file: "Pipfile.lock" },
    );
  }
}

async function checkPoetryLock(cwd: string, python: string | undefined): Promise<void> {
  const lock = await readToml(join(cwd, "poetry.lock"), "poetry.lock", python);
  const pyproject = await readToml(join(cwd, "pyproject.toml"), "pyproject.toml", python);
  if (lock === undefined || pyproject === undefined) return;
  const metadata = "t" in lock ? lock.t.metadata : undefined;
  const recorded = metadata && "t" in metadata ? metadata.t["content-hash"] : undefined;
  if (recorded === undefined || !("s" in recorded)) {
    throw new ConfigurationError(
      "poetry.lock has no metadata.content-hash: regenerate it with 'poetry lock'.",
      { file: "poetry.lock" },
    );
  }
  const candidates = hashOrUndefined(() => poetryContentHashes(pyproject), "pyproject.toml");
  if (candidates !== undefined && !candidates.includes(recorded.s)) {
    throw new ConfigurationError(
      `poetry.lock is out of date: its content-hash ${recorded.s.slice(0, 12)}… does not match pyproject.toml's dependencies. Run 'poetry lock --no-update' (Poetry 1.x) or 'poetry lock' (2.x) and commit poetry.lock.`,
      { file: "poetry.lock" },
    );
  }
}

function hashOrUndefined<T>(compute: () => T, file: string): T | undefined {
  try {
    return compute();
  } catch (error) {
    if (!(error instanceof UnhashableValue)) throw error;
    core.notice(
      `Could not verify the lockfile against ${file} (${error.message}); the manager checks it while installing.`,
    );
    return undefined;
  }
}

function readJson(file: string, name: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (error) {
    throw new ConfigurationError(`${name} is not valid JSON (${String(error)}). Regenerate it.`, {
      file: name,
    });
  }
}

/** undefined (with a notice) when the interpreter has no tomllib: then the manager's own check remains. */
async function readToml(
  file: string,
  name: string,
  python: string | undefined,
): Promise<PyValue | undefined> {
  if (python === undefined) return undefined;
  const result = await capture(python, ["-c", PY_VALUE_SCRIPT, file]);
  const parsed = JSON.parse(result.stdout || "{}") as { value?: PyValue; error?: string };
  if (parsed.value !== undefined) return parsed.value;
  if (parsed.error?.startsWith("tomllib")) {
    core.notice(
      `Lockfile not verified against ${name}: ${parsed.error}. The manager checks it while installing.`,
    );
    return undefined;
  }
  throw new ConfigurationError(`${name} is not valid TOML: ${parsed.error ?? result.stderr.trim()}.`, {
    file: name,
  });
}
