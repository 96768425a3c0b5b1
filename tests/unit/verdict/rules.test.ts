import { describe, expect, it } from "vitest";
import { DirectionResolver, directionFromName, parseDirections } from "../../../src/verdict/directions.ts";
import { prepareMetrics } from "../../../src/verdict/metrics.ts";
import { parseRules } from "../../../src/verdict/rules.ts";
import type { Expression } from "../../../src/verdict/rules.ts";
import { ConfigurationError } from "../../../src/formats/errors.ts";

/** The thrown error, so a test can look at its message and location. */
function errorOf(action: () => unknown): ConfigurationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error("expected a ConfigurationError, but nothing was thrown");
}

/** Canonical text of an expression, fully parenthesised, to check precedence. */
function show(e: Expression): string {
  switch (e.kind) {
    case "number":
      return String(e.value);
    case "metric":
      return e.name;
    case "baseline":
      return e.name === "" ? "baseline" : `baseline[${e.name}]`;
    case "negate":
      return `(-${show(e.operand)})`;
    case "binary":
      return `(${show(e.left)} ${e.operator} ${show(e.right)})`;
  }
}

describe("parseRules", () => {
  it("parses the documented examples with comments, blank lines and severities", () => {
    const rules = parseRules(
      [
        "# quality",
        "accuracy >= 0.90",
        "",
        "f1 >= baseline - 0.01   # small drops are fine",
        "latency_p95_ms <= baseline * 1.10",
        "auc > 0.80 : warn",
        "per_class.3.f1 >= baseline.per_class.3.f1 - 0.05",
        '"f1-score" != baseline."f1-score" : error',
      ].join("\n"),
    );
    expect(
      rules.map((r) => [r.line, r.metric, r.comparator, show(r.threshold), r.severity, r.usesBaseline]),
    ).toEqual([
      [2, "accuracy", ">=", "0.9", "error", false],
      [4, "f1", ">=", "(baseline - 0.01)", "error", true],
      [5, "latency_p95_ms", "<=", "(baseline * 1.1)", "error", true],
      [6, "auc", ">", "0.8", "warn", false],
      [7, "per_class.3.f1", ">=", "(baseline[per_class.3.f1] - 0.05)", "error", true],
      [8, "f1-score", "!=", "baseline[f1-score]", "error", true],
    ]);
    expect(rules[1]?.text).toBe("f1 >= baseline - 0.01");
  });

  it("gives * and / precedence over + and -, handles unary minus, parentheses and exponents", () => {
    const [rule] = parseRules("loss <= -(baseline + 2) * 3 / -4 - 1e-3 + .5 - 2.5E+2 + precision * -recall");
    expect(rule === undefined ? "" : show(rule.threshold)).toBe(
      "(((((((-(baseline + 2)) * 3) / (-4)) - 0.001) + 0.5) - 250) + (precision * (-recall)))",
    );
  });

  it("accepts CRLF line endings and tabs", () => {
    expect(parseRules("a >= 1\r\n\tb <= 2\r\n").map((r) => [r.line, r.metric])).toEqual([
      [1, "a"],
      [2, "b"],
    ]);
  });

  // [rule, column of the problem, what the message must say]
  const malformed: [string, number, RegExp][] = [
    ["accuracy >=", 12, /expected a number, metric name, baseline or "\(", found the end of the line/],
    ["accuracy 0.9", 10, /expected a comparator .* found the number 0\.9/],
    ["accuracy", 9, /expected a comparator .*add a comparison such as accuracy >= 0\.9/],
    ["accuracy = 0.9", 10, /a single "=" is not a comparator/],
    ["accuracy => 0.9", 10, /unknown comparator "=>": did you mean >=\?/],
    ["accuracy ≥ 0.9", 10, /use >= instead of "≥"/],
    [
      "accuracy >= 0.9 : fatal",
      19,
      /expected the severity "warn" or "error" after ":", found the name "fatal"/,
    ],
    ["accuracy >= 0.9 : warning", 19, /found the name "warning" \(write "warn"\)/],
    ["accuracy >= 0.9 :", 18, /expected the severity .* found the end of the line/],
    ["accuracy >= 0.9 : warn extra", 24, /unexpected the name "extra" after the severity/],
    ["accuracy >= (baseline - 0.01", 29, /expected "\)" to close the "\(" at column 13/],
    ["accuracy >= baseline - 0.01)", 28, /unexpected "\)" after the threshold: no "\(" to match/],
    ["accuracy >= 90%", 15, /percent signs are not supported .* write 0\.9 for an absolute amount/],
    ["accuracy >= 0.9x", 16, /unexpected "x" right after the number 0\.9/],
    ["accuracy >= 1e", 14, /incomplete exponent/],
    ["accuracy >= 1.2.3", 16, /malformed number "1\.2\."/],
    ["0.9 <= accuracy", 1, /a rule starts with the metric it gates, not the number 0\.9/],
    [
      "baseline.f1 <= f1",
      1,
      /the left side is the candidate's metric, not the baseline: write e\.g\. f1 >= baseline - 0\.01/,
    ],
    ["f1 - 0.01 >= baseline", 4, /the left side is one metric name; put arithmetic on the right side/],
    ["0.8 <= auc <= 0.9", 1, /a rule starts with the metric/],
    ["auc >= 0.8 <= 0.9", 12, /a rule has one comparison \(write two rules for a range\)/],
    ['"f1-score >= 0.8', 1, /unterminated quoted name/],
    ['"" >= 0.8', 1, /empty quoted name/],
    ["'f1' >= 0.8", 1, /unexpected character "'": quote names with double quotes/],
    ["f1 >= baseline.", 16, /expected a metric name after "baseline\.", found the end of the line/],
    ["f1 >= baseline.(2)", 16, /expected a metric name after "baseline\.", found "\("/],
    ["f1 >= 2 ** 3", 9, /there is no power operator \*\*/],
    ["f1 >= nan", 7, /nan is not allowed in a threshold/],
    ["f1 >= 1e999", 7, /the number 1e999 is too large/],
    ['f1 >= "a\\q"', 9, /unknown escape "\\\\q"/],
    ["f1 ! 0.3", 4, /use != for "not equal"/],
    ["f1 >= 0.3 ; f2 >= 0.4", 11, /unexpected character ";"/],
  ];

  it.each(malformed)("rejects %j naming line 3 and the column, with a caret", (rule, column, fragment) => {
    const text = `# header\naccuracy >= 0.5\n${rule}\nf1 >= 0.1`;
    const error = errorOf(() => parseRules(text));
    expect(error.message).toContain(`input 'rules' line 3, column ${column}: `);
    expect(error.message).toMatch(fragment);
    // The excerpt shows the line and puts the caret under the column.
    const excerpt = `  3 | ${rule}\n    | ${" ".repeat(column - 1)}^`;
    expect(error.message).toContain(excerpt);
    expect(error.location).toBeUndefined();
  });

  it("lists every malformed line at once and locates the first in the rules file", () => {
    const error = errorOf(() =>
      parseRules("a >= 1\nb >=\nc == 2\nd 5", { name: "gate/rules.txt", file: "gate/rules.txt" }),
    );
    expect(error.message).toMatch(/^Cannot read the rules in gate\/rules\.txt \(2 problems\):/);
    expect(error.message).toContain("gate/rules.txt line 2, column 5:");
    expect(error.message).toContain("gate/rules.txt line 4, column 3:");
    expect(error.location).toEqual({ file: "gate/rules.txt", line: 2, column: 5 });
  });
});

describe("parseDirections", () => {
  it("reads name: higher|lower lines, quoted names and comments", () => {
    const directions = parseDirections(
      '# how to read\nlatency_ms: lower\n"val/acc": higher   # quoted\n\nper_class.3.f1 : higher',
    );
    expect([...directions].map(([name, entry]) => [name, entry.direction, entry.line])).toEqual([
      ["latency_ms", "lower", 2],
      ["val/acc", "higher", 3],
      ["per_class.3.f1", "higher", 5],
    ]);
  });

  const malformed: [string, number, RegExp][] = [
    ["latency_ms lower", 12, /expected ":" after the metric name, found the name "lower"/],
    ["latency_ms:", 12, /expected "higher" or "lower", found the end of the line/],
    ["latency_ms: down", 13, /found the name "down" \(write "lower"\)/],
    ["accuracy: maximize", 11, /\(write "higher"\)/],
    ["accuracy: sideways", 11, /expected "higher" or "lower", found the name "sideways"$/m],
    ["accuracy: higher lower", 18, /unexpected the name "lower" after "higher": one metric a line/],
    [": higher", 1, /expected a metric name, found ":"/],
    ["latency_ms", 11, /expected ":" after the metric name, found the end of the line/],
    ["accuracy: 1", 11, /found the number 1/],
    ['"val/acc: higher', 1, /unterminated quoted name/],
    ["accuracy; higher", 9, /unexpected character ";"/],
  ];

  it.each(malformed)("rejects %j naming line 2 and the column", (line, column, fragment) => {
    const error = errorOf(() =>
      parseDirections(`loss: lower\n${line}`, { name: "dirs.txt", file: "dirs.txt" }),
    );
    expect(error.message).toContain(`dirs.txt line 2, column ${column}: `);
    expect(error.message).toMatch(fragment);
    expect(error.location).toEqual({ file: "dirs.txt", line: 2, column });
  });

  it("rejects a metric set twice, naming both lines", () => {
    const error = errorOf(() => parseDirections("auc: higher\nloss: lower\nauc: lower"));
    expect(error.message).toContain(
      "input 'directions' line 3, column 1: the direction of \"auc\" is already set on line 1",
    );
  });
});

describe("directions", () => {
  it("infers lower-is-better from name words and higher otherwise", () => {
    const lower = [
      "loss",
      "val_loss",
      "eval.loss",
      "error_rate",
      "latency_p95_ms",
      "trainTime",
      "epoch_duration",
      "rmse",
      "test/mae",
      "perplexity",
      "wer",
      "peak-memory",
    ];
    const higher = [
      "accuracy",
      "f1",
      "per_class.3.f1",
      "auc",
      "precision",
      "recall",
      "r2",
      "lossless_ratio",
      "timely",
    ];
    expect(lower.filter((name) => directionFromName(name) !== "lower")).toEqual([]);
    expect(higher.filter((name) => directionFromName(name) !== "higher")).toEqual([]);
  });

  it("prefers configured directions, then rules (unless they conflict), then the name", () => {
    const rules = parseRules("error_budget >= 0.5\nauc >= 0.8\nscore >= 1\nscore <= 5\nlatency == 3");
    const resolver = new DirectionResolver(parseDirections("auc: lower"), rules);
    expect(resolver.resolve("auc")).toEqual({ direction: "lower", source: "configured" });
    expect(resolver.resolve("error_budget")).toEqual({ direction: "higher", source: "rule" });
    expect(resolver.resolve("score")).toEqual({ direction: "higher", source: "assumed" });
    expect(resolver.resolve("latency")).toEqual({ direction: "lower", source: "assumed" });
  });
});

describe("prepareMetrics errors name the key", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ accuracy: Number.NaN }, /^Metric "accuracy" of candidate a is NaN: metrics must be finite/],
    [{ loss: Number.POSITIVE_INFINITY }, /^Metric "loss" of candidate a is Infinity/],
    [{ f1: "0.9" }, /^Metric "f1" of candidate a is the string "0\.9", not a number/],
    [{ f1: null }, /^Metric "f1" of candidate a is null, not a number/],
    [{ f1: true }, /^Metric "f1" of candidate a is boolean true, not a number/],
    [
      { nested: { a: 1 } },
      /^Metric "nested" of candidate a is an object, not a number\. Flatten nested metrics/,
    ],
    [{ seeds: [0.9, Number.NaN] }, /^Value 2 of metric "seeds" of candidate a is NaN/],
    [{ seeds: [0.9, "x"] }, /^Value 2 of metric "seeds" of candidate a is the string "x"/],
    [{ seeds: [] }, /^Metric "seeds" of candidate a is an empty list/],
    [{ "auc.ci_low": 0.7 }, /^Metric "auc\.ci_low" of candidate a has no "auc\.ci_high"/],
    [
      { auc: 0.8, "auc.ci_low": 0.9, "auc.ci_high": 0.7 },
      /interval of metric "auc" of candidate a is reversed: auc\.ci_low = 0\.9 > auc\.ci_high = 0\.7/,
    ],
    [
      { auc: 0.95, "auc.ci_low": 0.7, "auc.ci_high": 0.9 },
      /Metric "auc" of candidate a is 0\.95, outside its own interval \[0\.7, 0\.9\]/,
    ],
    [{ "auc.ci_high": Number.NaN, "auc.ci_low": 0 }, /Metric "auc\.ci_high" of candidate a is NaN/],
  ];
  it.each(cases)("rejects %j", (metrics, message) => {
    expect(() => prepareMetrics(metrics, "candidate a")).toThrow(message);
  });

  it("folds .ci_low/.ci_high into their metric and summarises lists", () => {
    const prepared = prepareMetrics(
      {
        auc: 0.8,
        "auc.ci_low": 0.75,
        "auc.ci_high": 0.85,
        "r2.ci_low": 0.1,
        "r2.ci_high": 0.3,
        seeds: [1, 3],
        one: [4],
      },
      "x",
    );
    expect(prepared.estimates.get("auc")).toEqual({
      value: 0.8,
      n: 1,
      low: 0.75,
      high: 0.85,
      interval: "given",
    });
    expect(prepared.estimates.get("r2")).toMatchObject({
      value: 0.2,
      low: 0.1,
      high: 0.3,
      interval: "given",
    });
    expect(prepared.estimates.get("seeds")).toMatchObject({ value: 2, n: 2, interval: "t95" });
    expect(prepared.estimates.get("one")).toEqual({ value: 4, n: 1, low: 4, high: 4 });
    expect([...prepared.estimates.keys()]).toEqual(["auc", "seeds", "one", "r2"]);
    expect(prepared.bounds.get("auc.ci_low")?.value).toBe(0.75);
  });
});
