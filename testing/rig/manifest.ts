// Reads an action's metadata file (action.yml / action.yaml) the way the runner reads it.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";

const projectRoot = resolve(import.meta.dirname, "../..");

export interface ActionInput {
  description?: string;
  required: boolean;
  /**
   * The default exactly as written (the runner treats every scalar as a string: `default: 1.0` is "1.0"),
   * possibly containing `${{ }}` expressions; undefined when absent.
   */
  default?: string;
  deprecationMessage?: string;
}

export interface ActionRuns {
  using: string;
  main?: string;
  pre?: string;
  post?: string;
  "pre-if"?: string;
  "post-if"?: string;
  steps?: unknown[];
  image?: string;
}

export interface ActionManifest {
  name: string;
  description?: string;
  author?: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: string; value?: string }>;
  runs: ActionRuns;
  branding?: { icon?: string; color?: string };
  /** Absolute directory holding the metadata file (GITHUB_ACTION_PATH). */
  dir: string;
  /** Absolute path of action.yml or action.yaml. */
  file: string;
  /** The whole document as parsed with the YAML core schema, for checks this type does not cover. */
  raw: Record<string, unknown>;
}

/**
 * Where an action lives: a bare name ("train-model") is `actions/<name>` in this repository; a path with a
 * slash is taken relative to the repository root unless absolute.
 */
export function resolveActionDir(action: string): string {
  if (isAbsolute(action)) return action;
  if (action.includes("/")) return resolve(projectRoot, action);
  return join(projectRoot, "actions", action);
}

/** Parse `<dir>/action.yml` (or action.yaml). `dir` may also be the metadata file itself. */
export function loadActionManifest(dir: string): ActionManifest {
  const file = metadataFile(dir);
  const text = readFileSync(file, "utf8");
  const raw: unknown = parse(text);
  // The failsafe schema keeps every scalar a string, as the runner sees `default:` values.
  const strings: unknown = parse(text, { schema: "failsafe" });
  if (!isRecord(raw) || !isRecord(strings)) throw new Error(`${file}: expected a mapping at the top level.`);
  const runs = raw.runs;
  if (!isRecord(runs) || typeof runs.using !== "string") {
    throw new Error(`${file}: 'runs.using' is missing; an action needs runs.using (e.g. node24) to run.`);
  }
  const stringRuns = isRecord(strings.runs) ? strings.runs : {};
  return {
    name: typeof raw.name === "string" ? raw.name : basename(file),
    ...optionalString("description", raw.description),
    ...optionalString("author", raw.author),
    inputs: readInputs(file, raw.inputs, strings.inputs),
    outputs: isRecord(raw.outputs) ? (raw.outputs as ActionManifest["outputs"]) : {},
    runs: {
      using: runs.using,
      ...optionalString("main", stringRuns.main),
      ...optionalString("pre", stringRuns.pre),
      ...optionalString("post", stringRuns.post),
      ...optionalString("pre-if", stringRuns["pre-if"]),
      ...optionalString("post-if", stringRuns["post-if"]),
      ...optionalString("image", stringRuns.image),
      ...(Array.isArray(runs.steps) ? { steps: runs.steps } : {}),
    },
    ...(isRecord(raw.branding) ? { branding: raw.branding } : {}),
    dir: resolve(file, ".."),
    file,
    raw,
  };
}

function metadataFile(dirOrFile: string): string {
  const path = resolve(dirOrFile);
  if (existsSync(path) && statSync(path).isFile()) return path;
  for (const name of ["action.yml", "action.yaml"]) {
    const candidate = join(path, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`No action.yml or action.yaml in ${path}: pass the directory of an action.`);
}

function readInputs(file: string, raw: unknown, strings: unknown): Record<string, ActionInput> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw) || !isRecord(strings)) throw new Error(`${file}: 'inputs' must be a mapping.`);
  const inputs: Record<string, ActionInput> = {};
  for (const [name, spec] of Object.entries(raw)) {
    const specStrings = strings[name];
    const texts = isRecord(specStrings) ? specStrings : {};
    const parsed = isRecord(spec) ? spec : {};
    inputs[name] = {
      required: parsed.required === true || parsed.required === "true",
      ...optionalString("description", texts.description),
      ...optionalString("default", texts.default),
      ...optionalString("deprecationMessage", texts.deprecationMessage),
    };
  }
  return inputs;
}

function optionalString<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === "string" ? ({ [key]: value } as Partial<Record<K, string>>) : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
