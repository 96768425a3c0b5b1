// Does a lockfile still match its manifest? Each check reproduces what the manager itself records, so a
// stale lockfile fails here with the fix named, before anything is installed. What we can verify:
//   - Pipfile.lock: `_meta.hash.sha256` is sha256 over plette's normalised JSON of the Pipfile.
//   - poetry.lock: `metadata.content-hash` is sha256 over json.dumps of pyproject's relevant keys; the
//     relevant keys changed in Poetry 2 (the [project] table), so the hash of either generation is accepted.
//   - requirements.txt compiled by pip-compile from requirements.in: every requirement named in the .in file
//     must be pinned in the .txt file (pip-compile records no digest of its input, so names are what we have).
// uv.lock is checked by uv itself (`uv sync --locked`); environment.yml is its own manifest.
import { createHash } from "node:crypto";
import { get, NONE, pythonJsonDumps, table, type PyValue } from "./python-json.ts";

const COMPACT = { item: ",", key: ":" };
const DEFAULT_SEPARATORS = { item: ", ", key: ": " };

const PIPFILE_SECTIONS = new Set([
  "source",
  "packages",
  "dev-packages",
  "requires",
  "scripts",
  "pipfile",
  "pipenv",
]);
const DEFAULT_SOURCE = table({
  name: { s: "pypi" },
  url: { s: "https://pypi.org/simple" },
  verify_ssl: { b: true },
});

/** The hash pipenv writes to Pipfile.lock's _meta.hash.sha256 (plette's Pipfile.get_hash). */
export function pipfileHash(pipfile: PyValue): string {
  if (!("t" in pipfile)) throw new TypeError("a Pipfile is a TOML table");
  const data: Record<string, PyValue> = {
    _meta: table({
      sources: pipfile.t.source ?? { a: [DEFAULT_SOURCE] },
      requires: pipfile.t.requires ?? table({}),
    }),
    default: pipfile.t.packages ?? table({}),
    develop: pipfile.t["dev-packages"] ?? table({}),
  };
  // Custom package categories (pipenv 2022.10+) count too.
  for (const [category, values] of Object.entries(pipfile.t)) {
    if (PIPFILE_SECTIONS.has(category) || category === "default" || category === "develop") continue;
    data[category] = values;
  }
  return sha256(pythonJsonDumps(table(data), COMPACT));
}

const POETRY_LEGACY_KEYS = ["dependencies", "source", "extras", "dev-dependencies"];
const POETRY_KEYS = [...POETRY_LEGACY_KEYS, "group"];
const PROJECT_KEYS = ["requires-python", "dependencies", "optional-dependencies"];

/** Every content-hash a Poetry release (1.x or 2.x) could have written for this pyproject.toml. */
export function poetryContentHashes(pyproject: PyValue): string[] {
  const poetry = get(get(pyproject, "tool"), "poetry");
  const project = get(pyproject, "project");

  // Poetry 1.x: [tool.poetry] keys at the top level, legacy keys present even when absent (None).
  const legacy: Record<string, PyValue> = {};
  for (const key of POETRY_KEYS) {
    const value = get(poetry, key);
    if (value === undefined && !POETRY_LEGACY_KEYS.includes(key)) continue;
    legacy[key] = value ?? NONE;
  }
  const hashes = [sha256(pythonJsonDumps(table(legacy), DEFAULT_SEPARATORS))];

  // Poetry 2.x: with relevant [project] keys, both tables nest and absent legacy keys are left out.
  const projectPart: Record<string, PyValue> = {};
  for (const key of PROJECT_KEYS) {
    const value = get(project, key);
    if (value !== undefined) projectPart[key] = value;
  }
  if (Object.keys(projectPart).length > 0) {
    const poetryPart: Record<string, PyValue> = {};
    for (const key of POETRY_KEYS) {
      const value = get(poetry, key);
      if (value !== undefined) poetryPart[key] = value;
    }
    const nested: Record<string, PyValue> = {
      project: table(projectPart),
      tool: table({ poetry: table(poetryPart) }),
    };
    hashes.push(sha256(pythonJsonDumps(table(nested), DEFAULT_SEPARATORS)));
    // Later 2.x releases also hash PEP 735 [dependency-groups].
    const groups = get(pyproject, "dependency-groups");
    if (groups !== undefined) {
      hashes.push(
        sha256(pythonJsonDumps(table({ ...nested, "dependency-groups": groups }), DEFAULT_SEPARATORS)),
      );
    }
  }
  return hashes;
}

/** PEP 503 normalised project name. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/** Names required by a requirements file (options, includes, paths and URLs are not names: left out). */
export function requirementNames(text: string): Array<{ name: string; line: number }> {
  const out: Array<{ name: string; line: number }> = [];
  let lineNumber = 0;
  for (const raw of text.split(/\r?\n/)) {
    lineNumber++;
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "" || line.startsWith("-") || line.includes("://") || /^[./~]/.test(line)) continue;
    const match = NAME.exec(line);
    if (match?.[1] !== undefined) out.push({ name: normaliseName(match[1]), line: lineNumber });
  }
  return out;
}

/** Requirements of a pip-tools `.in` file that its compiled `.txt` does not pin. */
export function unpinnedRequirements(inText: string, txtText: string): Array<{ name: string; line: number }> {
  const pinned = new Set(requirementNames(txtText).map((r) => r.name));
  return requirementNames(inText).filter((r) => !pinned.has(r.name));
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
