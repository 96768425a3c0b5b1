// The params a training run gets: the params file (YAML or JSON; `params.yaml` by default when present,
// as in DVC) with the `params` input merged over it.
//
// Merge rules:
//   - Mappings merge deeply; any other value (number, string, list) replaces the file's value whole.
//   - A dotted key in the override addresses nested keys: {"model.C": 2} sets model -> C. Exception: when
//     the mapping at that level already has the literal dotted key ("model.C"), that key is set, so
//     params files that use dots in names keep working.
//   - Text that looks like a number becomes a number where the params file has a number at that key, and
//     "true"/"false" become booleans where it has a boolean. workflow_dispatch inputs are strings
//     (`toJSON(inputs)` gives {"epochs":"5"}), so this keeps `epochs` an int for the training script. Text
//     that cannot be converted is an error naming the key; where the file has no value or a string, the
//     override is kept as given.
import { existsSync } from "node:fs";
import { extname, isAbsolute, join } from "node:path";
import { ConfigurationError, InputError, quote } from "../formats/errors.ts";
import { isPlainObject } from "../formats/flatten.ts";
import { readUserFile } from "../metrics/metrics-file.ts";
import { parseDecimal } from "../formats/numbers.ts";
import { parseJsonText } from "../formats/json-text.ts";
import { parseYamlText } from "../formats/yaml-text.ts";
import { writeFileAtomic } from "../formats/atomic-write.ts";

export type Params = Record<string, unknown>;

const DEFAULT_PARAMS_FILE = "params.yaml";

export interface LoadParamsOptions {
  workingDirectory: string;
  /** The `params-file` input; when empty, `params.yaml` is used if it exists. */
  paramsFile?: string | undefined;
  /** The `params` input: a YAML or JSON mapping. */
  override?: string | undefined;
}

export interface LoadedParams {
  params: Params;
  /** The params file that was read, relative to the working directory, or undefined. */
  file: string | undefined;
}

export async function loadParams(options: LoadParamsOptions): Promise<LoadedParams> {
  const given = options.paramsFile?.trim() ?? "";
  let file: string | undefined;
  let base: Params = {};
  if (given !== "") {
    const full = resolveIn(options.workingDirectory, given);
    if (!existsSync(full)) {
      throw new InputError(
        "params-file",
        given,
        "names a file that does not exist",
        "Give a path relative to the working directory, or leave it empty to use params.yaml when present.",
      );
    }
    file = given;
    base = await readParamsFile(full, given);
  } else if (existsSync(join(options.workingDirectory, DEFAULT_PARAMS_FILE))) {
    file = DEFAULT_PARAMS_FILE;
    base = await readParamsFile(join(options.workingDirectory, DEFAULT_PARAMS_FILE), DEFAULT_PARAMS_FILE);
  }
  const override = parseParamsOverride(options.override ?? "");
  return { params: mergeParams(base, override), file };
}

async function readParamsFile(path: string, label = path): Promise<Params> {
  const expected = "a mapping of parameter names to values";
  const text = await readUserFile(path, label, `params (${expected})`);
  if (text.trim() === "") return {};
  const value =
    extname(label).toLowerCase() === ".json"
      ? parseJsonText(text, label).value
      : parseYamlText(text, label, expected).value;
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new ConfigurationError(
      `${label}: the top level is ${describe(value)}; expected ${expected} (e.g. 'epochs: 10').`,
      { file: label, line: 1 },
    );
  }
  return value;
}

/** The `params` input as a mapping; empty text gives {}. */
export function parseParamsOverride(text: string): Params {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    // YAML 1.2 reads JSON too, so one parser covers `{"lr": "0.1"}` and `lr: 0.1`.
    value = parseYamlText(text, "params", "a mapping").value;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const problem = error.message.replace(/^params(:\d+:\d+)?: /, "").replace(/ Fix (the file|it) .*$/, "");
    throw new InputError(
      "params",
      text,
      problem.startsWith("not valid YAML: ")
        ? `is not valid YAML or JSON (${problem.slice("not valid YAML: ".length)})`
        : problem.replace(/^cannot read the YAML: /, "cannot be used: ").replace(/\.$/, ""),
      "Give a mapping, e.g. '{\"epochs\": 5, \"lr\": 0.1}' or '${{ toJSON(inputs) }}'.",
    );
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new InputError(
      "params",
      text,
      `is ${describe(value)}, not a mapping of parameter names to values`,
      "Give a mapping, e.g. '{\"epochs\": 5, \"lr\": 0.1}' or '${{ toJSON(inputs) }}'.",
    );
  }
  return value;
}

/** Merge `override` over `base` (neither is modified). `path` names keys in errors. */
export function mergeParams(base: Params, override: Params, path: readonly string[] = []): Params {
  const out: Params = { ...base };
  for (const [rawKey, value] of Object.entries(override)) {
    const keys = !Object.hasOwn(out, rawKey) && rawKey.includes(".") ? rawKey.split(".") : [rawKey];
    setPath(out, keys, value, path);
  }
  return out;
}

function setPath(target: Params, keys: readonly string[], value: unknown, path: readonly string[]): void {
  const [key, ...rest] = keys;
  if (key === undefined) return;
  const here = [...path, key];
  const existing = Object.hasOwn(target, key) ? target[key] : undefined;
  if (rest.length > 0) {
    // A dotted key: descend, creating mappings as needed. A non-mapping in the way is replaced.
    const child: Params = isPlainObject(existing) ? { ...existing } : {};
    setPath(child, rest, value, here);
    define(target, key, child);
    return;
  }
  if (isPlainObject(existing) && isPlainObject(value))
    define(target, key, mergeParams(existing, value, here));
  else define(target, key, coerce(existing, value, here));
}

function coerce(existing: unknown, value: unknown, path: readonly string[]): unknown {
  if (typeof value !== "string") return value;
  const name = path.join(".");
  if (typeof existing === "number") {
    const number = parseDecimal(value);
    if (number === undefined) {
      throw new InputError(
        "params",
        value,
        `sets '${name}' to text, but the params file has a number there (${existing})`,
        `Give a number for '${name}'.`,
      );
    }
    return number;
  }
  if (typeof existing === "boolean") {
    const lower = value.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    throw new InputError(
      "params",
      value,
      `sets '${name}' to text, but the params file has a boolean there (${existing})`,
      `Give true or false for '${name}'.`,
    );
  }
  return value;
}

/** Assign without letting a key named "__proto__" reach the prototype. */
function define(target: Params, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the text ${quote(value, 60)}`;
  return `a ${typeof value} (${quote(String(value), 60)})`;
}

function resolveIn(workingDirectory: string, path: string): string {
  return isAbsolute(path) ? path : join(workingDirectory, path);
}

/**
 * Write the merged params as JSON (2-space indent, trailing newline) for the training command to read.
 * Atomic: a temp file in the same folder renamed over the target, so a reader never sees half a file.
 */
export async function writeParamsJson(path: string, params: Params): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(params, null, 2)}\n`);
}
