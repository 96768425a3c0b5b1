import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigurationError, InputError } from "../../../src/formats/errors.ts";
import { loadParams, mergeParams, parseParamsOverride, writeParamsJson } from "../../../src/params/params.ts";

function workdir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "mlops-params-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const PARAMS_YAML =
  "epochs: 10\nlr: 0.01\nmodel:\n  name: rf\n  C: 1.5\n  kernels: [rbf, linear]\nshuffle: true\nseed: 42\ntag: base\n";

describe("params", () => {
  it("reads params.yaml by default and merges the override deeply", async () => {
    const dir = workdir({ "params.yaml": PARAMS_YAML });
    const { params, file } = await loadParams({
      workingDirectory: dir,
      override: "model:\n  C: 2\nlr: 0.1\n",
    });
    expect(file).toBe("params.yaml");
    expect(params).toEqual({
      epochs: 10,
      lr: 0.1,
      model: { name: "rf", C: 2, kernels: ["rbf", "linear"] },
      shuffle: true,
      seed: 42,
      tag: "base",
    });
  });

  it("turns workflow_dispatch strings into the params file's numbers and booleans", async () => {
    const dir = workdir({ "params.yaml": PARAMS_YAML });
    // What `${{ toJSON(inputs) }}` gives for a dispatch form.
    const override = JSON.stringify({
      epochs: "5",
      lr: "1e-3",
      shuffle: "false",
      tag: "123",
      model: { name: "svm" },
    });
    const { params } = await loadParams({ workingDirectory: dir, override });
    expect(params.epochs).toBe(5);
    expect(params.lr).toBe(0.001);
    expect(params.shuffle).toBe(false);
    expect(params.tag).toBe("123"); // a string in the file stays a string
    expect(params.model).toEqual({ name: "svm", C: 1.5, kernels: ["rbf", "linear"] });
  });

  it("keeps strings where the file has no value, and typed values as they are", () => {
    expect(mergeParams({}, { epochs: "5" })).toEqual({ epochs: "5" });
    expect(mergeParams({ epochs: 10 }, { epochs: 7 })).toEqual({ epochs: 7 });
    expect(mergeParams({ list: [1, 2] }, { list: [3] })).toEqual({ list: [3] });
    expect(mergeParams({ a: { b: 1 } }, { a: 5 })).toEqual({ a: 5 });
  });

  it("addresses nested keys with dots, unless the file has the literal dotted key", () => {
    expect(mergeParams({ model: { C: 1, name: "rf" } }, { "model.C": "2" })).toEqual({
      model: { C: 2, name: "rf" },
    });
    expect(mergeParams({}, { "a.b.c": 1 })).toEqual({ a: { b: { c: 1 } } });
    expect(mergeParams({ "model.C": 1, model: { C: 9 } }, { "model.C": 3 })).toEqual({
      "model.C": 3,
      model: { C: 9 },
    });
  });

  it("names the key when a dispatch string cannot become the file's type", () => {
    const error = (() => {
      try {
        mergeParams({ epochs: 10, opt: { momentum: true } }, { opt: { momentum: "maybe" } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe("params");
    expect((error as Error).message).toContain("'opt.momentum'");
    expect(() => mergeParams({ epochs: 10 }, { epochs: "ten" })).toThrow(
      /'epochs' to text, but the params file has a number/,
    );
  });

  it.each([["5"], ["[1, 2]"], ["- a\n- b\n"], ['"text"'], ["{a: 1"]])(
    "rejects a params input that is not a mapping: %j",
    (text) => {
      try {
        parseParamsOverride(text);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).input).toBe("params");
        expect((error as Error).message).toMatch(/^Input 'params' /);
      }
    },
  );

  it("accepts an empty override and reads JSON params files", async () => {
    expect(parseParamsOverride("  ")).toEqual({});
    const dir = workdir({ "p.json": '{"epochs": 3}' });
    expect((await loadParams({ workingDirectory: dir, paramsFile: "p.json", override: "" })).params).toEqual({
      epochs: 3,
    });
    expect((await loadParams({ workingDirectory: workdir() })).params).toEqual({});
  });

  it("names a missing params-file and a params file that is not a mapping", async () => {
    const dir = workdir({ "list.yaml": "- 1\n- 2\n", "bad.yaml": "a: [1\n" });
    await expect(loadParams({ workingDirectory: dir, paramsFile: "nope.yaml" })).rejects.toThrow(
      /Input 'params-file' names a file that does not exist/,
    );
    await expect(loadParams({ workingDirectory: dir, paramsFile: "list.yaml" })).rejects.toThrow(
      /^list\.yaml: the top level is a list/,
    );
    const error: unknown = await loadParams({ workingDirectory: dir, paramsFile: "bad.yaml" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).location?.file).toBe("bad.yaml");
    expect((error as ConfigurationError).location?.line).toBeGreaterThanOrEqual(1);
  });

  it("writes the merged params as JSON", async () => {
    const dir = workdir();
    const path = join(dir, "out", "params.json");
    await writeParamsJson(path, { epochs: 5, model: { C: 2 } });
    expect(readFileSync(path, "utf8")).toBe('{\n  "epochs": 5,\n  "model": {\n    "C": 2\n  }\n}\n');
  });

  it("does not let a __proto__ key reach the prototype", () => {
    const merged = mergeParams({}, parseParamsOverride('{"__proto__": {"polluted": 1}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual(["__proto__"]);
  });
});

describe("a YAML alias bomb", () => {
  const bomb = [
    "a: &a [x, x, x, x, x, x, x, x, x, x]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
  ].join("\n");

  it("in the params input is an InputError naming 'params'", () => {
    let error: unknown;
    try {
      parseParamsOverride(bomb);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe("params");
    expect((error as Error).message).toMatch(
      /^Input 'params' cannot be used: its aliases \(\*name\) expand to more than 1000 values, which looks like an "alias bomb" \(billion laughs\)\. Write the values out, or use fewer aliases \(got "a: &a/,
    );
  });

  it("in a params file names the file", async () => {
    const dir = workdir({ "params.yaml": bomb });
    await expect(loadParams({ workingDirectory: dir })).rejects.toThrow(
      /^params\.yaml: cannot read the YAML: its aliases \(\*name\) expand to more than 1000 values/,
    );
    await expect(loadParams({ workingDirectory: dir })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
