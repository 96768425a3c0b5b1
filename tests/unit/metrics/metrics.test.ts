import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../src/formats/errors.ts";
import { parseHistoryText, readHistoryFile } from "../../../src/metrics/history-file.ts";
import { parseMetricsText, readMetricsFile } from "../../../src/metrics/metrics-file.ts";

function errorOf(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

async function asyncErrorOf(promise: Promise<unknown>): Promise<ConfigurationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

describe("metrics: JSON", () => {
  it("flattens nested keys with dots, keeps lists of numbers, lists what it ignores", () => {
    const text = JSON.stringify({
      accuracy: 0.93,
      per_class: { "3": { f1: 0.8, support: 40 } },
      seeds: [0.91, 0.92, 0.95],
      folds: [{ auc: 0.7 }, { auc: 0.75 }],
      model: "svm",
      converged: true,
      note: null,
      confusion: [
        [5, 1],
        [0, 7],
      ],
      mixed: [1, "a"],
      empty: [],
      quoted: "0.5",
    });
    const { metrics, ignored } = parseMetricsText(text, "m.json", "json");
    expect(metrics).toEqual({
      accuracy: 0.93,
      "per_class.3.f1": 0.8,
      "per_class.3.support": 40,
      seeds: [0.91, 0.92, 0.95],
      "folds.0.auc": 0.7,
      "folds.1.auc": 0.75,
    });
    const reasons = Object.fromEntries(ignored.map((i) => [i.name, i.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      "confusion",
      "converged",
      "empty",
      "mixed",
      "model",
      "note",
      "quoted",
    ]);
    expect(reasons.confusion).toMatch(/confusion matrix/);
    expect(reasons.converged).toMatch(/boolean/);
    expect(reasons.quoted).toMatch(/without quotes/);
    expect(ignored.find((i) => i.name === "model")?.value).toBe("svm");
  });

  it("reads a DVC metrics.json as it is", () => {
    const text = '{\n  "train": {"loss": 0.1, "acc": 0.9},\n  "test": {"acc": 0.88}\n}\n';
    expect(parseMetricsText(text, "metrics.json", "json").metrics).toEqual({
      "train.loss": 0.1,
      "train.acc": 0.9,
      "test.acc": 0.88,
    });
  });

  it.each([
    ['{"acc": 0.9,\n "loss": NaN}', "loss", 2, "NaN"],
    ['{"acc": Infinity}', "acc", 1, "Infinity"],
    ['{"a": {"b": -Infinity}}', "a.b", 1, "-Infinity"],
    ['{"seeds": [0.1,\n\n NaN]}', "seeds", 3, "NaN"],
  ])("rejects Python's non-standard %s naming the key and line", (text, key, line, token) => {
    const error = errorOf(() => parseMetricsText(text, "out/metrics.json", "json"));
    expect(error.message).toContain("out/metrics.json");
    expect(error.message).toContain(`'${key}'`);
    expect(error.message).toContain(token);
    expect(error.location).toMatchObject({ file: "out/metrics.json", line });
  });

  it("reports malformed JSON with file, line and column", () => {
    const error = errorOf(() => parseMetricsText('{\n  "acc": 0.9,\n  "loss": }', "m.json", "json"));
    expect(error.message).toMatch(/^m\.json:3:11: not valid JSON/);
    expect(error.location).toEqual({ file: "m.json", line: 3, column: 11 });
  });

  it("rejects a top level that is not a mapping, and duplicate names", () => {
    expect(errorOf(() => parseMetricsText("[1, 2]", "m.json", "json")).message).toMatch(
      /top level is a list/,
    );
    expect(errorOf(() => parseMetricsText('{"a": 1, "a": 2}', "m.json", "json")).message).toMatch(
      /"a" appears twice/,
    );
    expect(errorOf(() => parseMetricsText('{"a.b": 1, "a": {"b": 2}}', "m.json", "json")).message).toMatch(
      /'a\.b' appears twice/,
    );
  });
});

describe("metrics: YAML", () => {
  it("flattens and keeps lists", () => {
    const text = "acc: 0.9\nper_class:\n  3:\n    f1: 0.5\nfolds: [1, 2, 3]\nname: run-1\n";
    const { metrics, ignored } = parseMetricsText(text, "m.yaml", "yaml");
    expect(metrics).toEqual({ acc: 0.9, "per_class.3.f1": 0.5, folds: [1, 2, 3] });
    expect(ignored).toEqual([{ name: "name", value: "run-1", reason: "text, not a number" }]);
  });

  it.each([
    ["acc: 0.9\nloss: .nan\n", "loss", 2],
    ["acc: 0.9\nnested:\n  x: -.inf\n", "nested.x", 3],
    ["per_class:\n  3:\n    f1: .inf\n", "per_class.3.f1", 3],
  ])("rejects YAML non-finite values naming key and line (%#)", (text, key, line) => {
    const error = errorOf(() => parseMetricsText(text, "metrics.yaml", "yaml"));
    expect(error.message).toContain(`metrics.yaml:${line}:`);
    expect(error.message).toContain(`'${key}'`);
  });

  it("reports malformed YAML with line and column", () => {
    const error = errorOf(() => parseMetricsText("acc: 0.9\nb: [1, 2\nc: 3\n", "m.yml", "yaml"));
    expect(error.message).toMatch(/^m\.yml:\d+:\d+: not valid YAML/);
    expect(error.location?.line).toBeGreaterThan(1);
  });
});

describe("metrics: CSV", () => {
  it("takes the last row of a header + rows table", () => {
    const text = "epoch,acc,loss,phase\r\n1,0.5,1.2,train\r\n2,0.7,0.8,train\r\n3,0.9,0.4,final\r\n";
    const { metrics, ignored } = parseMetricsText(text, "m.csv", "csv");
    expect(metrics).toEqual({ epoch: 3, acc: 0.9, loss: 0.4 });
    expect(ignored).toEqual([{ name: "phase", value: "final", reason: "text, not a number" }]);
  });

  it("reads a two-column name,value table, with or without the header", () => {
    expect(parseMetricsText("name,value\nacc,0.9\nf1,0.8\n", "m.csv", "csv").metrics).toEqual({
      acc: 0.9,
      f1: 0.8,
    });
    expect(parseMetricsText("acc,0.9\nf1,0.8\n", "m.csv", "csv").metrics).toEqual({ acc: 0.9, f1: 0.8 });
    expect(parseMetricsText("metric,value\nper_class.3.f1,0.7\n", "m.csv", "csv").metrics).toEqual({
      "per_class.3.f1": 0.7,
    });
  });

  it("keeps a two-column header + rows table as such", () => {
    expect(parseMetricsText("acc,loss\n0.5,1\n0.9,0.2\n", "m.csv", "csv").metrics).toEqual({
      acc: 0.9,
      loss: 0.2,
    });
  });

  it.each([
    ["acc,loss\n0.9,nan\n", "loss"],
    ["acc,loss\n0.9,-inf\n", "loss"],
    ["name,value\nacc,0.9\nloss,NaN\n", "loss"],
  ])("rejects non-finite cells naming file, key and line (%#)", (text, key) => {
    const error = errorOf(() => parseMetricsText(text, "r/m.csv", "csv"));
    expect(error.message).toMatch(/^r\/m\.csv:\d+: metric 'loss'/);
    expect(error.message).toContain(key);
  });

  it("rejects rows wider than the header and unterminated quotes, with the line", () => {
    expect(errorOf(() => parseMetricsText("a,b\n1,2,3\n", "m.csv", "csv")).message).toMatch(
      /^m\.csv:2: the row has 3 cells/,
    );
    expect(errorOf(() => parseMetricsText('a,b\n1,"2\n', "m.csv", "csv")).message).toMatch(
      /unterminated quoted field/,
    );
    expect(errorOf(() => parseMetricsText("a,b\n", "m.csv", "csv")).message).toMatch(
      /header row but no values/,
    );
  });
});

describe("metrics: files", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlops-metrics-"));

  it("picks the format by extension and names a missing file", async () => {
    writeFileSync(join(dir, "m.yml"), "acc: 0.5\n");
    expect((await readMetricsFile(join(dir, "m.yml"), "m.yml")).metrics).toEqual({ acc: 0.5 });
    const missing = await asyncErrorOf(readMetricsFile(join(dir, "nope.json"), "nope.json"));
    expect(missing.message).toMatch(/^nope\.json: file not found; expected metrics/);
    mkdirSync(join(dir, "folder.json"));
    expect((await asyncErrorOf(readMetricsFile(join(dir, "folder.json"), "folder.json"))).message).toMatch(
      /is a folder/,
    );
    writeFileSync(join(dir, "empty.json"), "  \n");
    expect((await asyncErrorOf(readMetricsFile(join(dir, "empty.json"), "empty.json"))).message).toMatch(
      /empty/,
    );
  });
});

describe("history", () => {
  it("reads CSV steps, leaving out text and non-finite values with notes", () => {
    const { steps, notes } = parseHistoryText("step,loss,phase\n1,0.9,train\n2,nan,train\n3,0.5,\n", "h.csv");
    expect(steps).toEqual([{ step: 1, loss: 0.9 }, { step: 2 }, { step: 3, loss: 0.5 }]);
    expect(notes).toEqual([
      "phase: text values (first on line 2) left out",
      "loss: non-finite values (first on line 3) left out",
    ]);
  });

  it("reads JSON Lines with Python's NaN and nested keys", () => {
    const text = '{"step": 1, "loss": 0.9, "val": {"acc": 0.5}}\n\n{"step": 2, "loss": NaN, "tags": ["a"]}\n';
    const { steps, notes } = parseHistoryText(text, "h.jsonl");
    expect(steps).toEqual([{ step: 1, loss: 0.9, "val.acc": 0.5 }, { step: 2 }]);
    expect(notes).toHaveLength(2);
  });

  it("reads a JSON list of objects, and names the line of a bad JSON line", async () => {
    expect(parseHistoryText('[{"a": 1}, {"a": 2}]', "h.json").steps).toEqual([{ a: 1 }, { a: 2 }]);
    const error = errorOf(() => parseHistoryText('{"a": 1}\n{"a": }\n', "h.jsonl"));
    expect(error.message).toMatch(/^h\.jsonl:2: not valid JSON Lines/);
    expect(error.location?.line).toBe(2);
    expect(errorOf(() => parseHistoryText("5\n", "h.jsonl")).message).toMatch(/line 1 is not a JSON object/);
    expect(errorOf(() => parseHistoryText("a\n", "h.txt")).message).toMatch(/cannot tell the history format/);
    const dir = mkdtempSync(join(tmpdir(), "mlops-history-"));
    writeFileSync(join(dir, "h.csv"), "a\n1\n");
    expect((await readHistoryFile(join(dir, "h.csv"))).steps).toEqual([{ a: 1 }]);
  });
});

describe("metrics nested absurdly deep", () => {
  const deep = 5000;
  it.each([
    [
      "JSON mappings",
      "m.json",
      '{"a":'.repeat(deep) + "1" + "}".repeat(deep),
      /^m\.json:1:501: not valid JSON: nested more than 100 levels deep/,
    ],
    [
      "JSON lists",
      "m.json",
      '{"a":' + "[".repeat(deep) + "1" + "]".repeat(deep) + "}",
      /^m\.json:1:\d+: not valid JSON: nested more than 100 levels deep/,
    ],
    [
      "YAML flow",
      "m.yaml",
      "a: " + "{b: ".repeat(deep) + "1" + "}".repeat(deep),
      /^m\.yaml:1:\d+: not valid YAML: nested more than 100 levels deep/,
    ],
    [
      "YAML blocks, 150 deep",
      "m.yaml",
      Array.from({ length: 150 }, (_, i) => `${" ".repeat(i)}a:`).join("\n") + " 1",
      /^m\.yaml: cannot read the YAML: nested more than 100 levels deep/,
    ],
  ])("%s: a clear error, not a stack overflow", (_kind, file, text, message) => {
    const format = file.endsWith(".json") ? "json" : "yaml";
    expect(errorOf(() => parseMetricsText(text, file, format)).message).toMatch(message);
  });

  it("still reads 100 levels", () => {
    const text = '{"a":'.repeat(99) + "1" + "}".repeat(99);
    expect(Object.keys(parseMetricsText(text, "m.json", "json").metrics)).toHaveLength(1);
  });
});
