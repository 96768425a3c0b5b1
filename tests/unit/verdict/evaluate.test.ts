import { describe, expect, it } from "vitest";
import { evaluateGate } from "../../../src/verdict/evaluate.ts";
import type { BaselineInput, CandidateInput, GateInput } from "../../../src/verdict/evaluate.ts";
import { GATE_REPORT_SCHEMA_VERSION, verdictPasses } from "../../../src/verdict/report.ts";
import type {
  CandidateReport,
  FailOn,
  GateReport,
  RuleResult,
  Verdict,
} from "../../../src/verdict/report.ts";
import { summarizeSample } from "../../../src/verdict/statistics.ts";
import { ConfigurationError, InputError } from "../../../src/formats/errors.ts";
import { RunRecord } from "../../../src/record/run-record.ts";
import { parseMetricsText } from "../../../src/metrics/metrics-file.ts";
import { runRecord } from "./fixtures.ts";

const BASELINE: BaselineInput = {
  available: true,
  description: "main @ 1a2b3c4 (run 99)",
  metrics: { accuracy: 0.91, f1: 0.8, latency_p95_ms: 100, auc: 0.85 },
};
const NO_BASELINE: BaselineInput = { available: false, reason: "no mlops-run artifact on main yet" };

function gate(metrics: Record<string, unknown>, rules: string, extra: Partial<GateInput> = {}): GateReport {
  return evaluateGate({
    rules,
    candidates: [{ label: "candidate.json", metrics }],
    baseline: BASELINE,
    ...extra,
  });
}

function only(report: GateReport): CandidateReport {
  const [candidate] = report.candidates;
  if (candidate === undefined || report.candidates.length !== 1) throw new Error("expected one candidate");
  return candidate;
}

function statuses(report: GateReport): [number, string, string][] {
  return only(report).rules.map((r: RuleResult) => [r.line, r.status, r.countsAs]);
}

const RULES = [
  "accuracy >= 0.90",
  "f1 >= baseline - 0.01",
  "latency_p95_ms <= baseline * 1.10",
  "auc > 0.80 : warn",
].join("\n");

describe("verdicts", () => {
  it("passes when every rule holds, with the comparison in each message", () => {
    const report = gate({ accuracy: 0.92, f1: 0.795, latency_p95_ms: 109, auc: 0.86 }, RULES);
    expect(statuses(report)).toEqual([
      [1, "pass", "error"],
      [2, "pass", "error"],
      [3, "pass", "error"],
      [4, "pass", "warn"],
    ]);
    expect(report).toMatchObject({
      verdict: "pass",
      passed: true,
      failOn: "error",
      schemaVersion: GATE_REPORT_SCHEMA_VERSION,
    });
    expect(only(report).rules[1]?.message).toBe("0.795 >= 0.79");
    expect(only(report).rules[2]?.threshold).toEqual({
      value: 110.00000000000001,
      low: 110.00000000000001,
      high: 110.00000000000001,
    });
    expect(only(report).counts).toEqual({ pass: 4, fail: 0, inconclusive: 0, skipped: 0 });
  });

  it("fails when an error rule fails, naming the value and what it needed", () => {
    const report = gate({ accuracy: 0.92, f1: 0.78, latency_p95_ms: 111, auc: 0.86 }, RULES);
    expect(statuses(report)).toEqual([
      [1, "pass", "error"],
      [2, "fail", "error"],
      [3, "fail", "error"],
      [4, "pass", "warn"],
    ]);
    expect(only(report).rules[1]?.message).toBe("f1 = 0.78, needs >= 0.79");
    expect(report.verdict).toBe("fail");
    expect(report.passed).toBe(false);
  });

  it("warns when only a warn rule fails; fail-on decides whether that passes", () => {
    const metrics = { accuracy: 0.92, f1: 0.8, latency_p95_ms: 100, auc: 0.8 };
    const report = gate(metrics, RULES);
    expect(statuses(report)[3]).toEqual([4, "fail", "warn"]);
    expect(report.verdict).toBe("warn");
    const passedUnder = (failOn: FailOn): boolean => gate(metrics, RULES, { failOn }).passed;
    expect([
      passedUnder("error"),
      passedUnder("inconclusive"),
      passedUnder("warn"),
      passedUnder("never"),
    ]).toEqual([true, true, false, true]);
  });

  it("orders verdicts fail > inconclusive > warn > pass and maps them through fail-on", () => {
    const report = gate(
      { accuracy: [0.89, 0.91, 0.9, 0.92, 0.88], f1: 0.7, latency_p95_ms: 100, auc: 0.7 },
      RULES,
    );
    expect(statuses(report).map(([, status]) => status)).toEqual(["inconclusive", "fail", "pass", "fail"]);
    expect(report.verdict).toBe("fail");
    const withoutError = gate(
      { accuracy: [0.89, 0.91, 0.9, 0.92, 0.88], f1: 0.8, latency_p95_ms: 100, auc: 0.7 },
      RULES,
    );
    expect(withoutError.verdict).toBe("inconclusive");
    const table: [Verdict, FailOn, boolean][] = [
      ["pass", "warn", true],
      ["warn", "warn", false],
      ["warn", "inconclusive", true],
      ["inconclusive", "inconclusive", false],
      ["inconclusive", "error", true],
      ["fail", "error", false],
      ["fail", "never", true],
    ];
    expect(table.map(([verdict, failOn]) => verdictPasses(verdict, failOn))).toEqual(
      table.map(([, , passes]) => passes),
    );
  });

  it("rejects an unknown fail-on with an InputError naming the input", () => {
    expect(() => gate({ a: 1 }, "a >= 0", { failOn: "sometimes" as FailOn })).toThrow(InputError);
    expect(() => gate({ a: 1 }, "a >= 0", { failOn: "sometimes" as FailOn })).toThrow(
      /^Input 'fail-on' is not a known value \(got "sometimes"\)/,
    );
  });
});

describe("noise: samples and given intervals", () => {
  it("is inconclusive when a seeded sample's 95% t interval straddles the threshold, and shows the interval", () => {
    const seeds = [0.89, 0.91, 0.9, 0.92, 0.88];
    const expected = summarizeSample(seeds);
    const result = only(gate({ accuracy: seeds }, "accuracy >= 0.9")).rules[0];
    expect(result?.status).toBe("inconclusive");
    expect(result?.actual).toEqual({
      value: expected.mean,
      n: 5,
      sd: expected.sd,
      low: expected.low,
      high: expected.high,
      interval: "t95",
    });
    expect(result?.message).toMatch(
      /^inconclusive: 0\.9 \[0\.880368, 0\.919632\] >= 0\.9: the outcome differs across the 95% interval$/,
    );
  });

  it("passes or fails a sample when its whole interval is on one side", () => {
    const report = gate({ high: [0.95, 0.96, 0.94], low: [0.8, 0.82, 0.81] }, "high >= 0.9\nlow >= 0.9");
    expect(statuses(report).map(([, s]) => s)).toEqual(["pass", "fail"]);
  });

  it("uses <name>.ci_low / <name>.ci_high directly", () => {
    const rules = "auc > 0.80\nauc > 0.70\nauc < 0.70";
    const report = gate({ auc: 0.82, "auc.ci_low": 0.79, "auc.ci_high": 0.85 }, rules);
    expect(statuses(report).map(([, s]) => s)).toEqual(["inconclusive", "pass", "fail"]);
    expect(only(report).rules[0]?.actual).toEqual({
      value: 0.82,
      n: 1,
      low: 0.79,
      high: 0.85,
      interval: "given",
    });
    // The bounds stay readable as plain metrics.
    expect(
      statuses(gate({ auc: 0.82, "auc.ci_low": 0.79, "auc.ci_high": 0.85 }, "auc.ci_low >= 0.75")).map(
        ([, s]) => s,
      ),
    ).toEqual(["pass"]);
  });

  it("carries the baseline's sample interval into the threshold", () => {
    const baselineF1 = [0.8, 0.84, 0.82];
    const b = summarizeSample(baselineF1);
    const baseline: BaselineInput = { available: true, description: "main", metrics: { f1: baselineF1 } };
    const straddling = only(gate({ f1: 0.815 }, "f1 >= baseline - 0.01", { baseline })).rules[0];
    expect(straddling?.status).toBe("inconclusive");
    expect(straddling?.threshold).toEqual({ value: b.mean - 0.01, low: b.low - 0.01, high: b.high - 0.01 });
    expect(only(gate({ f1: b.high }, "f1 >= baseline - 0.01", { baseline })).rules[0]?.status).toBe("pass");
    expect(only(gate({ f1: b.low - 0.011 }, "f1 >= baseline - 0.01", { baseline })).rules[0]?.status).toBe(
      "fail",
    );
  });

  it("combines intervals through * and / and treats a divisor interval holding zero as anything", () => {
    const report = gate(
      { lat: 100, ratio: 0.5, "ratio.ci_low": -0.5, "ratio.ci_high": 1.5 },
      "lat <= 1000 / ratio\nlat <= baseline * 2",
    );
    expect(only(report).rules[0]?.status).toBe("inconclusive");
    expect(only(report).rules[0]?.threshold).toEqual({
      value: 2000,
      low: Number.NEGATIVE_INFINITY,
      high: Number.POSITIVE_INFINITY,
    });
    expect(only(report).rules[1]?.message).toContain('the baseline has no metric "lat"');
  });
});

describe("baseline", () => {
  it("skips baseline rules with 'skipped: no baseline: <reason>' and still judges the others", () => {
    const report = gate({ accuracy: 0.95, f1: 0.1, latency_p95_ms: 1, auc: 0.9 }, RULES, {
      baseline: NO_BASELINE,
    });
    expect(statuses(report)).toEqual([
      [1, "pass", "error"],
      [2, "skipped", "error"],
      [3, "skipped", "error"],
      [4, "pass", "warn"],
    ]);
    expect(only(report).rules[1]?.message).toBe("skipped: no baseline: no mlops-run artifact on main yet");
    expect(report.verdict).toBe("pass");
    expect(report.baseline).toEqual({
      available: false,
      description: "no baseline: no mlops-run artifact on main yet",
      reason: "no mlops-run artifact on main yet",
      links: {},
    });
  });

  it("fails those rules as errors when require-baseline is on", () => {
    const report = gate(
      { accuracy: 0.95, f1: 0.1, latency_p95_ms: 1, auc: 0.9 },
      "accuracy >= 0.9\nauc >= baseline : warn",
      {
        baseline: NO_BASELINE,
        requireBaseline: true,
      },
    );
    expect(statuses(report)).toEqual([
      [1, "pass", "error"],
      [2, "fail", "error"],
    ]);
    expect(only(report).rules[1]?.message).toBe(
      "no baseline: no mlops-run artifact on main yet (require-baseline is on; rule on input 'rules' line 2)",
    );
    expect(report.verdict).toBe("fail");
  });

  it("skips a rule whose baseline lacks the metric it reads", () => {
    const result = only(gate({ recall: 0.5 }, "recall >= baseline.recall - 0.1")).rules[0];
    expect(result).toMatchObject({
      status: "skipped",
      message: 'skipped: no baseline: the baseline has no metric "recall"',
    });
  });

  it("computes baseline-relative thresholds from the baseline's values", () => {
    const report = gate(
      { accuracy: 0.9, f1: 0.8, latency_p95_ms: 109.9, auc: 0.851 },
      "latency_p95_ms <= baseline * 1.10\nauc >= baseline.auc + 0.001\nf1 >= (baseline.f1 + baseline.accuracy) / 2 - 0.06",
    );
    expect(only(report).rules.map((r) => [r.status, r.threshold?.value])).toEqual([
      ["pass", 100 * 1.1],
      ["pass", 0.85 + 0.001],
      ["pass", (0.8 + 0.91) / 2 - 0.06],
    ]);
  });
});

describe("rules on missing or broken metrics", () => {
  it("fails a rule on a metric the candidate lacks, naming the rule's line and a near name", () => {
    const report = gate({ accuracy: 0.95, val_f1: 0.8 }, "accuracy >= 0.9\n\nf1 >= 0.5 : warn", {
      rulesFile: "gate/rules.txt",
    });
    expect(only(report).rules[1]).toMatchObject({
      line: 3,
      status: "fail",
      countsAs: "error",
      message: 'the candidate has no metric "f1" (rule on gate/rules.txt line 3): did you mean "val_f1"?',
    });
    expect(report.verdict).toBe("fail");
  });

  it("says a metric the file holds as text is not a number, instead of 'no metric'", () => {
    const { metrics, ignored } = parseMetricsText(
      '{"accuracy": "high", "ok": true, "f1": 0.8}',
      "metrics.json",
      "json",
    );
    const report = evaluateGate({
      rules: "accuracy >= 0.9\nok >= 1\nf1 >= 0.5",
      candidates: [{ label: "metrics.json", metrics, ignored }],
      baseline: NO_BASELINE,
    });
    expect(only(report).rules.map((r) => r.message)).toEqual([
      "metric 'accuracy' is not a number (got \"high\") (rule on input 'rules' line 1): write it as a number in the metrics file, or gate on another metric",
      "metric 'ok' is not a number (got true) (rule on input 'rules' line 2): write it as a number in the metrics file, or gate on another metric",
      "0.8 >= 0.5",
    ]);
    // A run record keeps them in ignoredMetrics.
    const record = runRecord({});
    record.ignoredMetrics = [{ name: "accuracy", value: "high", reason: "text, not a number" }];
    const fromRecord = evaluateGate({
      rules: "accuracy >= 0.9",
      candidates: [{ label: "mlops-run.json", metrics: { f1: 0.8 }, record }],
      baseline: NO_BASELINE,
    });
    expect(only(fromRecord).rules[0]?.message).toMatch(/^metric 'accuracy' is not a number \(got "high"\)/);
  });

  it("fails a rule whose threshold reads a missing candidate metric", () => {
    expect(only(gate({ a: 1 }, "a >= b * 2")).rules[0]?.message).toBe(
      "the candidate has no metric \"b\" (rule on input 'rules' line 1)",
    );
  });

  it("fails on a division by zero in the threshold", () => {
    expect(only(gate({ a: 1, z: 0 }, "a >= 1 / z")).rules[0]).toMatchObject({
      status: "fail",
      message: "cannot compute the threshold: division by zero at column 8 (rule on input 'rules' line 1)",
    });
  });

  it("rejects NaN metrics naming the candidate and the key", () => {
    expect(() => gate({ accuracy: Number.NaN }, "accuracy >= 0.9")).toThrow(
      'Metric "accuracy" of candidate "candidate.json" is NaN',
    );
    const badBaseline: BaselineInput = {
      available: true,
      description: "main",
      metrics: { loss: Number.POSITIVE_INFINITY },
    };
    expect(() => gate({ loss: 1 }, "", { baseline: badBaseline })).toThrow(
      'Metric "loss" of the baseline (main) is Infinity',
    );
  });

  it("wraps rules syntax errors with the file location", () => {
    try {
      gate({ a: 1 }, "a >= 1\na >>= 2", { rulesFile: "gate/rules.txt" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).location).toEqual({ file: "gate/rules.txt", line: 2, column: 4 });
    }
  });
});

describe("metric rows", () => {
  it("lists gated metrics first in rule order, then the rest, then baseline-only metrics, with Δ by direction", () => {
    const report = gate(
      { zeta: 2, latency_p95_ms: 90, accuracy: 0.9, train_loss: 0.3 },
      "latency_p95_ms <= baseline\naccuracy >= 0.5",
      {
        baseline: {
          available: true,
          description: "main",
          metrics: { accuracy: 0.92, latency_p95_ms: 100, train_loss: 0.2, removed: 1 },
        },
        directions: "zeta: lower",
      },
    );
    const rows = only(report).metrics;
    expect(rows.map((r) => [r.name, r.gated, r.direction, r.directionSource, r.change])).toEqual([
      ["latency_p95_ms", true, "lower", "rule", "better"],
      ["accuracy", true, "higher", "rule", "worse"],
      ["zeta", false, "lower", "configured", undefined],
      ["train_loss", false, "lower", "assumed", "worse"],
      ["removed", false, "higher", "assumed", undefined],
    ]);
    expect(rows[0]).toMatchObject({ delta: -10, deltaPercent: -10 });
  });
});

describe("several candidates", () => {
  const candidates: CandidateInput[] = [
    { label: "runs/a.json", metrics: { accuracy: 0.91, latency_ms: 120 } },
    { label: "runs/b.json", metrics: { accuracy: 0.95, latency_ms: 300 } },
    { label: "runs/c.json", metrics: { accuracy: 0.93, latency_ms: 90 } },
    { label: "runs/d.json", metrics: { latency_ms: 80 } },
    { label: "runs/e.json", metrics: { accuracy: 0.89, latency_ms: 100 } },
  ];

  it("ranks five candidates by the first gated metric and crowns the best one that passes", () => {
    const report = evaluateGate({
      rules: "accuracy >= 0.9\nlatency_ms <= 200",
      candidates,
      baseline: NO_BASELINE,
    });
    expect(report.rankBy).toEqual({ metric: "accuracy", direction: "higher", directionSource: "rule" });
    expect(report.candidates.map((c) => [c.label, c.rank, c.rankValue, c.verdict, c.champion])).toEqual([
      ["runs/a.json", 3, 0.91, "pass", false],
      ["runs/b.json", 1, 0.95, "fail", false],
      ["runs/c.json", 2, 0.93, "pass", true],
      ["runs/d.json", 5, undefined, "fail", false],
      ["runs/e.json", 4, 0.89, "fail", false],
    ]);
    expect(report.champion).toBe(2);
    expect(report.verdict).toBe("pass");
    expect(report.passed).toBe(true);
    expect(report.notes).toEqual(['Candidate "runs/d.json" has no metric "accuracy": ranked last.']);
  });

  it("ranks by rank-by in its direction, and falls back to the best-ranked when none passes", () => {
    const report = evaluateGate({
      rules: "accuracy >= 0.99",
      rankBy: "latency_ms",
      candidates,
      baseline: NO_BASELINE,
    });
    expect(report.rankBy).toEqual({ metric: "latency_ms", direction: "lower", directionSource: "assumed" });
    expect(report.candidates.map((c) => c.rank)).toEqual([4, 5, 2, 1, 3]);
    expect(report.champion).toBe(3);
    expect(report.verdict).toBe("fail");
    expect(report.passed).toBe(false);
  });

  it("refuses a rank-by metric that no candidate has, and several candidates with nothing to rank by", () => {
    expect(() => evaluateGate({ rules: "", rankBy: "speed", candidates, baseline: NO_BASELINE })).toThrow(
      /^Input 'rank-by' names a metric that no candidate has \(got "speed"\)/,
    );
    expect(() => evaluateGate({ rules: "", candidates, baseline: NO_BASELINE })).toThrow(
      /set 'rank-by', or give at least one rule/,
    );
  });
});

describe("record context", () => {
  it("diffs params, data and environment against the baseline record and extracts learning curves", () => {
    const candidateRecord = runRecord({
      params: { lr: 0.01, model: { depth: 6, layers: [1, 2] }, seed: 1 },
      dataDigest: "b".repeat(64),
      python: "Python 3.12.1",
      history: {
        file: "history.csv",
        steps: Array.from({ length: 100 }, (_, i) => ({ step: i * 10, loss: 1 / (i + 1), lr: 0.01 })),
      },
    });
    const baselineRecord = runRecord({
      params: { lr: 0.02, model: { depth: 6, layers: [1, 2] }, dropout: 0.1 },
      history: {
        file: "history.csv",
        steps: Array.from({ length: 100 }, (_, i) => ({ step: i * 10, loss: 2 / (i + 1) })),
      },
    });
    expect(RunRecord.safeParse(candidateRecord).success).toBe(true);
    const report = evaluateGate({
      rules: "loss <= baseline",
      candidates: [
        {
          label: "mlops-run.json",
          metrics: { loss: 0.01 },
          record: candidateRecord,
          links: { run: "https://github.com/octo/ml/actions/runs/1" },
        },
      ],
      baseline: { available: true, description: "main", metrics: { loss: 0.02 }, record: baselineRecord },
    });
    const candidate = only(report);
    expect(candidate.model).toBe("churn-model");
    expect(candidate.params).toEqual({
      compared: true,
      rows: [
        { key: "lr", baseline: "0.02", candidate: "0.01" },
        { key: "seed", candidate: "1" },
        { key: "dropout", baseline: "0.1" },
      ],
      unchanged: 2,
    });
    expect(candidate.data.rows.map((r) => r.key)).toEqual(["digest", "data/train.csv: digest"]);
    expect(candidate.environment.rows).toEqual([
      { key: "python", baseline: "Python 3.11.2", candidate: "Python 3.12.1" },
    ]);
    expect(candidate.curves).toHaveLength(1);
    const curve = candidate.curves[0];
    expect(curve?.metric).toBe("loss");
    expect(curve?.x).toHaveLength(60);
    expect([curve?.x[0], curve?.x.at(-1), curve?.candidate[0], curve?.baseline?.[0]]).toEqual([0, 990, 1, 2]);
    expect(candidate.code).toEqual({
      repository: "octo/ml",
      sha: "1a2b3c4d5e6f",
      ref: "refs/heads/main",
      dirty: false,
    });
    // The report is plain data: it survives JSON unchanged.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
