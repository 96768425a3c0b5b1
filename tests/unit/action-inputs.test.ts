// Every input a JS action reads is declared in its action.yml, and every declared input is read: a
// misspelt name in the code would otherwise read "" forever, and a declared input nobody reads would
// promise a setting that does nothing. Reads are the Inputs methods (src/lib/inputs.ts) called with a
// literal name, in the action's own folder under src/actions/ and in the shared modules its files import
// (src/registry/registry-inputs.ts reads the registry inputs of publish-model, evaluate-gate and deploy).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../..");
/** Actions that declare inputs but read none yet: each says so at run time (NotImplementedError). */
const NOT_YET_READING = new Set(["monitor"]);

interface Manifest {
  inputs?: Record<string, unknown>;
  runs: { using: string; main?: string };
}

function jsManifests(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsManifests(path);
    return entry.name === "action.yml" ? [path] : [];
  });
}

const READ = /\.(?:optional|required|string|boolean|number|choice|lines)\(\s*"([a-z0-9-]+)"/g;

const RELATIVE_IMPORT = /\bfrom\s*"(\.[^"]+\.ts)"/g;

/** Input names read by the TypeScript files of one action's folder and the shared modules they import. */
function inputsRead(folder: string): Set<string> {
  const names = new Set<string>();
  const read = (file: string): string => {
    const text = readFileSync(file, "utf8");
    for (const [, name = ""] of text.matchAll(READ)) names.add(name);
    return text;
  };
  const shared = new Set<string>();
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const text = read(join(folder, entry.name));
    for (const [, specifier = ""] of text.matchAll(RELATIVE_IMPORT)) {
      const target = resolve(folder, specifier);
      if (dirname(target) !== folder && !target.includes("/src/actions/")) shared.add(target);
    }
  }
  for (const file of shared) read(file);
  return names;
}

const actions = jsManifests("actions").flatMap((file) => {
  const manifest = parse(readFileSync(join(root, file), "utf8")) as Manifest;
  if (!manifest.runs.using.startsWith("node") || manifest.runs.main === undefined) return [];
  // "../../dist/<name>/index.js" -> src/actions/<name>
  const name = basename(dirname(resolve(dirname(join(root, file)), manifest.runs.main)));
  return [{ file, name, declared: Object.keys(manifest.inputs ?? {}).sort() }];
});

describe("action inputs", () => {
  it("finds the JS actions and the inputs their code reads", () => {
    expect(actions.map((a) => a.name).sort()).toEqual(
      ["deploy", "evaluate-gate", "monitor", "publish-model", "setup-env", "train-model"].sort(),
    );
    expect(inputsRead(join(root, "src/actions/train-model"))).toContain("model-path");
  });

  describe.each(actions.filter((a) => !NOT_YET_READING.has(a.name)))(
    "$name ($file)",
    ({ name, declared }) => {
      const folder = join(root, "src/actions", name);
      const read = existsSync(folder) ? inputsRead(folder) : new Set<string>();

      it("reads only inputs its action.yml declares", () => {
        expect([...read].filter((input) => !declared.includes(input)).sort()).toEqual([]);
      });

      it("reads every input its action.yml declares", () => {
        expect(declared.filter((input) => !read.has(input))).toEqual([]);
      });
    },
  );
});
