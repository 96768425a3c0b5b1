// Judges candidates against the rules and a baseline, and builds the GateReport.
//
// Noise: a metric with an interval (a sample's 95% t interval, or given bounds) is compared by interval
// arithmetic. A rule passes only if it holds at the interval ends least favourable to it, fails only if
// it fails at the most favourable ones, and is otherwise inconclusive. The baseline's intervals take part
// the same way, so `f1 >= baseline - 0.01` with both sides sampled is judged on both intervals.
import { ConfigurationError, InputError, quote } from "../formats/errors.ts";
import type { RunRecord } from "../record/run-record.ts";
import { codeContext, dataDiff, environmentDiff, learningCurves, paramsDiff } from "./context.ts";
import type { Steps } from "./context.ts";
import { DirectionResolver, parseDirections } from "./directions.ts";
import { prepareMetrics } from "./metrics.ts";
import type { PreparedMetrics } from "./metrics.ts";
import { formatNumber } from "../formats/numbers.ts";
import {
  FAIL_ON_VALUES,
  GATE_REPORT_SCHEMA,
  GATE_REPORT_SCHEMA_VERSION,
  verdictPasses,
  worseVerdict,
} from "./report.ts";
import type {
  CandidateReport,
  Estimate,
  FailOn,
  Interval,
  GateReport,
  Links,
  MetricRow,
  PassedOverRun,
  PolicyFileSource,
  RuleResult,
  RuleStatus,
  Verdict,
} from "./report.ts";
import { parseRules, referencedMetrics } from "./rules.ts";
import type { Comparator, Expression, Rule } from "./rules.ts";
import type { TextSource } from "./syntax.ts";

export interface CandidateInput {
  /** How to name it in messages and reports (usually the file it came from). */
  label: string;
  /** Parsed metrics: numbers or lists of numbers, by flattened dotted name. Validated here. */
  metrics: Readonly<Record<string, unknown>>;
  /** The run record, when the candidate is one: params, data, environment, history, code. */
  record?: RunRecord;
  /**
   * Values of the metrics file that are not numbers (text, booleans, nulls), set aside when it was read;
   * default: the record's `ignoredMetrics`. A rule on one of them says so instead of "no metric".
   */
  ignored?: readonly { name: string; value: unknown }[];
  /** Per-step metrics for learning curves when there is no run record (the fork companion's). */
  steps?: Steps;
  /** The model's name when there is no run record (default: the label). */
  model?: string;
  links?: Links;
}

export type BaselineInput =
  | {
      available: true;
      /** What the baseline is, for the report header: e.g. "main @ 1a2b3c4 (run 123, artifact mlops-run-x)". */
      description: string;
      metrics: Readonly<Record<string, unknown>>;
      record?: RunRecord;
      links?: Links;
      passedOver?: readonly PassedOverRun[];
    }
  | {
      available: false;
      /** Why there is none, e.g. "no artifact on main yet". */
      reason: string;
      passedOver?: readonly PassedOverRun[];
    };

export interface GateOptions {
  /** Rules text (one rule a line). */
  rules: string;
  /** When the rules came from a file: its path, for messages and error locations. */
  rulesFile?: string;
  directions?: string;
  directionsFile?: string;
  /** Ranks several candidates (default: the first gated metric). */
  rankBy?: string;
  failOn?: FailOn;
  requireBaseline?: boolean;
  /** Pull request events: where the rules and directions files were read from. */
  policyFiles?: readonly PolicyFileSource[];
}

export interface GateInput extends GateOptions {
  candidates: readonly CandidateInput[];
  baseline: BaselineInput;
}

class RuleProblem extends Error {
  override readonly name = "RuleProblem";
}

function sourceOf(inputName: string, file: string | undefined): TextSource {
  return file === undefined ? { name: `input '${inputName}'` } : { name: file, file };
}

function lookup(metrics: PreparedMetrics, name: string): Estimate | undefined {
  return metrics.estimates.get(name) ?? metrics.bounds.get(name);
}

const SEPARATORS = [".", "_", "-", "/"];

/** A near name for "did you mean": same name in another case, a dotted suffix, or a small edit away. */
function suggestName(name: string, metrics: PreparedMetrics): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of metrics.estimates.keys()) {
    if (
      candidate.toLowerCase() === lower ||
      SEPARATORS.some((separator) => candidate.endsWith(separator + name))
    )
      return candidate;
    // Edits of one or two characters turn any short name into another: only suggest for longer names.
    if (name.length < 4 || Math.abs(candidate.length - name.length) >= bestDistance) continue;
    const distance = editDistance(lower, candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= cap) return cap;
    previous = current;
  }
  return previous[b.length] ?? cap;
}

function evaluateExpression(
  expression: Expression,
  subject: string,
  candidate: PreparedMetrics,
  baseline: PreparedMetrics | undefined,
): Interval {
  switch (expression.kind) {
    case "number":
      return { value: expression.value, low: expression.value, high: expression.value };
    case "metric":
    case "baseline": {
      const source = expression.kind === "metric" ? candidate : baseline;
      const name = expression.kind === "baseline" && expression.name === "" ? subject : expression.name;
      const found = source === undefined ? undefined : lookup(source, name);
      if (found === undefined) throw new RuleProblem(`no value for ${name}`); // checked before evaluation
      return { value: found.value, low: found.low, high: found.high };
    }
    case "negate": {
      const inner = evaluateExpression(expression.operand, subject, candidate, baseline);
      return { value: -inner.value, low: -inner.high, high: -inner.low };
    }
    case "binary": {
      const a = evaluateExpression(expression.left, subject, candidate, baseline);
      const b = evaluateExpression(expression.right, subject, candidate, baseline);
      switch (expression.operator) {
        case "+":
          return { value: a.value + b.value, low: a.low + b.low, high: a.high + b.high };
        case "-":
          return { value: a.value - b.value, low: a.low - b.high, high: a.high - b.low };
        case "*":
          return spanOf(a.value * b.value, [a.low * b.low, a.low * b.high, a.high * b.low, a.high * b.high]);
        case "/": {
          if (b.value === 0) throw new RuleProblem(`division by zero at column ${expression.column}`);
          if (b.low <= 0 && b.high >= 0) {
            // The divisor's interval holds zero: the quotient could be anything.
            return {
              value: a.value / b.value,
              low: Number.NEGATIVE_INFINITY,
              high: Number.POSITIVE_INFINITY,
            };
          }
          return spanOf(a.value / b.value, [a.low / b.low, a.low / b.high, a.high / b.low, a.high / b.high]);
        }
      }
    }
  }
}

function spanOf(value: number, ends: number[]): Interval {
  if (ends.some(Number.isNaN))
    return { value, low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  return { value, low: Math.min(...ends), high: Math.max(...ends) };
}

function holds(comparator: Comparator, a: number, b: number): boolean {
  switch (comparator) {
    case ">=":
      return a >= b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    case "<":
      return a < b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
}

/** pass / fail / inconclusive of `actual <comparator> threshold` over both intervals. */
function judge(comparator: Comparator, actual: Interval, threshold: Interval): RuleStatus {
  const exact = actual.low === actual.high && threshold.low === threshold.high;
  if (exact) return holds(comparator, actual.value, threshold.value) ? "pass" : "fail";
  let worst: boolean;
  let best: boolean;
  switch (comparator) {
    case ">=":
    case ">":
      worst = holds(comparator, actual.low, threshold.high);
      best = holds(comparator, actual.high, threshold.low);
      break;
    case "<=":
    case "<":
      worst = holds(comparator, actual.high, threshold.low);
      best = holds(comparator, actual.low, threshold.high);
      break;
    case "==":
    case "!=": {
      const disjoint = actual.high < threshold.low || threshold.high < actual.low;
      if (disjoint) return comparator === "==" ? "fail" : "pass";
      return "inconclusive";
    }
  }
  return worst ? "pass" : best ? "inconclusive" : "fail";
}

function describeInterval(interval: Interval): string {
  if (interval.low === interval.high) return formatNumber(interval.value);
  return `${formatNumber(interval.value)} [${formatNumber(interval.low)}, ${formatNumber(interval.high)}]`;
}

interface RuleContext {
  candidate: PreparedMetrics;
  baseline: PreparedMetrics | undefined;
  baselineInput: BaselineInput;
  requireBaseline: boolean;
  rulesSource: TextSource;
  /** The candidate's values that are not numbers, by metric name. */
  notNumbers: ReadonlyMap<string, unknown>;
}

/** How a value that is not a number reads in a message: `"high"`, `true`, `null`, `[[1,2],[3,4]]`. */
function describeNotNumber(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** What every result of a rule repeats from the rule itself. */
type RuleFields = Pick<RuleResult, "line" | "text" | "metric" | "comparator" | "severity">;

function evaluateRule(rule: Rule, context: RuleContext): RuleResult {
  const base: RuleFields = {
    line: rule.line,
    text: rule.text,
    metric: rule.metric,
    comparator: rule.comparator,
    severity: rule.severity,
  };
  const where = `${context.rulesSource.name} line ${rule.line}`;
  const refs = referencedMetrics(rule.threshold);
  const noMetric = missingMetricResult(rule, context, refs.candidate, base, where);
  if (noMetric !== undefined) return noMetric;
  const actual = lookup(context.candidate, rule.metric) as Estimate;
  const noBaseline = rule.usesBaseline
    ? missingBaselineResult(rule, context, refs.baseline, base, where, actual)
    : undefined;
  if (noBaseline !== undefined) return noBaseline;
  let threshold: Interval;
  try {
    threshold = evaluateExpression(rule.threshold, rule.metric, context.candidate, context.baseline);
  } catch (error) {
    if (!(error instanceof RuleProblem)) throw error;
    return {
      ...base,
      status: "fail",
      countsAs: "error",
      actual,
      message: `cannot compute the threshold: ${error.message} (rule on ${where})`,
    };
  }
  const status = judge(rule.comparator, actual, threshold);
  const comparison = `${describeInterval(actual)} ${rule.comparator} ${describeInterval(threshold)}`;
  const message =
    status === "inconclusive"
      ? `inconclusive: ${comparison}: the outcome differs across the ${Math.round(0.95 * 100)}% interval`
      : status === "pass"
        ? comparison
        : `${rule.metric} = ${describeInterval(actual)}, needs ${rule.comparator} ${describeInterval(threshold)}`;
  return { ...base, status, countsAs: rule.severity, actual, threshold, message };
}

/** A failed result when the candidate lacks the rule's metric, or one its threshold names (undefined: all there). */
function missingMetricResult(
  rule: Rule,
  context: RuleContext,
  thresholdMetrics: readonly string[],
  base: RuleFields,
  where: string,
): RuleResult | undefined {
  const { candidate } = context;
  const missing = [rule.metric, ...thresholdMetrics].find((name) => lookup(candidate, name) === undefined);
  if (missing === undefined) return undefined;
  if (context.notNumbers.has(missing)) {
    return {
      ...base,
      status: "fail",
      countsAs: "error",
      message: `metric '${missing}' is not a number (got ${describeNotNumber(context.notNumbers.get(missing))}) (rule on ${where}): write it as a number in the metrics file, or gate on another metric`,
    };
  }
  const actual = lookup(candidate, rule.metric);
  const suggestion = suggestName(missing, candidate);
  return {
    ...base,
    status: "fail",
    countsAs: "error",
    ...(actual === undefined ? {} : { actual: actual }),
    message: `the candidate has no metric ${quote(missing)} (rule on ${where})${suggestion === undefined ? "" : `: did you mean ${quote(suggestion)}?`}`,
  };
}

/**
 * For a rule that compares with the baseline: skipped (or failed under require-baseline) when there is no
 * baseline or it lacks a metric the rule needs; undefined when the baseline can be used.
 */
function missingBaselineResult(
  rule: Rule,
  context: RuleContext,
  baselineMetrics: readonly string[],
  base: RuleFields,
  where: string,
  actual: Estimate,
): RuleResult | undefined {
  const { baseline } = context;
  let reason: string | undefined;
  if (!context.baselineInput.available) reason = context.baselineInput.reason;
  else {
    const lacking = baselineMetrics
      .map((name) => (name === "" ? rule.metric : name))
      .find((name) => baseline === undefined || lookup(baseline, name) === undefined);
    if (lacking !== undefined) reason = `the baseline has no metric ${quote(lacking)}`;
  }
  if (reason === undefined) return undefined;
  return context.requireBaseline
    ? {
        ...base,
        status: "fail",
        countsAs: "error",
        actual,
        message: `no baseline: ${reason} (require-baseline is on; rule on ${where})`,
      }
    : {
        ...base,
        status: "skipped",
        countsAs: rule.severity,
        actual,
        message: `skipped: no baseline: ${reason}`,
      };
}

function verdictOf(results: readonly RuleResult[]): Verdict {
  let verdict: Verdict = "pass";
  for (const result of results) {
    if (result.status === "fail")
      verdict = worseVerdict(verdict, result.countsAs === "error" ? "fail" : "warn");
    else if (result.status === "inconclusive") verdict = worseVerdict(verdict, "inconclusive");
  }
  return verdict;
}

function metricRows(
  candidate: PreparedMetrics,
  baseline: PreparedMetrics | undefined,
  gated: readonly string[],
  directions: DirectionResolver,
): MetricRow[] {
  const gatedSet = new Set(gated);
  const names: string[] = [...gated];
  for (const name of candidate.estimates.keys()) if (!gatedSet.has(name)) names.push(name);
  if (baseline !== undefined) {
    for (const name of baseline.estimates.keys())
      if (!gatedSet.has(name) && !candidate.estimates.has(name)) names.push(name);
  }
  return names.map((name) => {
    const resolved = directions.resolve(name);
    const row: MetricRow = {
      name,
      direction: resolved.direction,
      directionSource: resolved.source,
      gated: gatedSet.has(name),
    };
    const c = candidate.estimates.get(name);
    const b = baseline?.estimates.get(name);
    if (c !== undefined) row.candidate = c;
    if (b !== undefined) row.baseline = b;
    if (c !== undefined && b !== undefined) {
      const delta = c.value - b.value;
      row.delta = delta;
      if (b.value !== 0) row.deltaPercent = (delta / Math.abs(b.value)) * 100;
      row.change =
        delta === 0 ? "same" : delta > 0 === (resolved.direction === "higher") ? "better" : "worse";
    }
    return row;
  });
}

function emptyCounts(): Record<RuleStatus, number> {
  return { pass: 0, fail: 0, inconclusive: 0, skipped: 0 };
}

function passedOver(runs: readonly PassedOverRun[] | undefined): { passedOver?: PassedOverRun[] } {
  return runs?.length ? { passedOver: runs.map((run) => ({ ...run })) } : {};
}

/** What every candidate is measured against: the parsed rules, directions and baseline. */
interface GatePlan {
  failOn: FailOn;
  requireBaseline: boolean;
  rulesSource: TextSource;
  rules: Rule[];
  directions: DirectionResolver;
  /** Metrics named by the rules, in rule order. */
  gated: string[];
  baseline: PreparedMetrics | undefined;
  baselineRecord: RunRecord | undefined;
}

/**
 * Evaluates every candidate and returns the report. Throws ConfigurationError for malformed rules or
 * directions (naming line and column), for invalid metric values (naming the key), and InputError for
 * a rank-by metric no candidate has.
 */
export function evaluateGate(input: GateInput): GateReport {
  const plan = planGate(input);
  const notes: string[] = [];
  if (plan.rules.length === 0)
    notes.push("No rules were given: nothing is gated, so every candidate passes.");
  const candidates = input.candidates.map((candidate) => evaluateCandidate(candidate, input.baseline, plan));
  const report: GateReport = {
    schema: GATE_REPORT_SCHEMA,
    schemaVersion: GATE_REPORT_SCHEMA_VERSION,
    verdict: "pass",
    passed: true,
    failOn: plan.failOn,
    requireBaseline: plan.requireBaseline,
    baseline: baselineSummary(input.baseline),
    ...(input.policyFiles?.length ? { policyFiles: input.policyFiles.map((file) => ({ ...file })) } : {}),
    candidates,
    notes,
  };
  const championIndex = candidates.length > 1 ? rankCandidates(input, plan, report) : 0;
  const champion = candidates[championIndex];
  if (champion !== undefined) {
    if (candidates.length > 1) champion.champion = true;
    report.verdict = champion.verdict;
    report.passed = champion.passed;
  }
  return report;
}

function planGate(input: GateInput): GatePlan {
  const failOn = input.failOn ?? "error";
  if (!FAIL_ON_VALUES.includes(failOn)) {
    throw new InputError(
      "fail-on",
      failOn,
      "is not a known value",
      `Use one of ${FAIL_ON_VALUES.join(", ")}.`,
    );
  }
  if (input.candidates.length === 0) {
    throw new ConfigurationError(
      "evaluate-gate got no candidates: give a run record or metrics file in 'candidate'.",
    );
  }
  const rulesSource = sourceOf("rules", input.rulesFile);
  const rules = parseRules(input.rules, rulesSource);
  const directions = new DirectionResolver(
    parseDirections(input.directions ?? "", sourceOf("directions", input.directionsFile)),
    rules,
  );
  const baselineInput = input.baseline;
  return {
    failOn,
    requireBaseline: input.requireBaseline ?? false,
    rulesSource,
    rules,
    directions,
    gated: [...new Set(rules.map((rule) => rule.metric))],
    baseline: baselineInput.available
      ? prepareMetrics(baselineInput.metrics, `the baseline (${baselineInput.description})`)
      : undefined,
    baselineRecord: baselineInput.available ? baselineInput.record : undefined,
  };
}

function evaluateCandidate(
  candidateInput: CandidateInput,
  baselineInput: BaselineInput,
  plan: GatePlan,
): CandidateReport {
  const { baseline, baselineRecord, gated } = plan;
  const prepared = prepareMetrics(candidateInput.metrics, `candidate ${quote(candidateInput.label)}`);
  const context: RuleContext = {
    candidate: prepared,
    baseline,
    baselineInput,
    requireBaseline: plan.requireBaseline,
    rulesSource: plan.rulesSource,
    notNumbers: new Map(
      (candidateInput.ignored ?? candidateInput.record?.ignoredMetrics ?? []).map((item) => [
        item.name,
        item.value,
      ]),
    ),
  };
  const results = plan.rules.map((rule) => evaluateRule(rule, context));
  const counts = emptyCounts();
  for (const result of results) counts[result.status]++;
  const verdict = verdictOf(results);
  const report: CandidateReport = {
    label: candidateInput.label,
    model: candidateInput.record?.model.name ?? candidateInput.model ?? candidateInput.label,
    verdict,
    passed: verdictPasses(verdict, plan.failOn),
    champion: false,
    counts,
    rules: results,
    metrics: metricRows(prepared, baseline, gated, plan.directions),
    links: { ...candidateInput.links },
    params: paramsDiff(candidateInput.record, baselineRecord),
    data: dataDiff(candidateInput.record, baselineRecord),
    environment: environmentDiff(candidateInput.record, baselineRecord),
    curves: learningCurves(
      candidateInput.record?.history?.steps ?? candidateInput.steps,
      baselineRecord,
      gated,
    ),
  };
  const code = codeContext(candidateInput.record);
  if (code !== undefined) report.code = code;
  return report;
}

function baselineSummary(baselineInput: BaselineInput): GateReport["baseline"] {
  return baselineInput.available
    ? {
        available: true,
        description: baselineInput.description,
        ...(baselineInput.record === undefined ? {} : { model: baselineInput.record.model.name }),
        ...(baselineInput.record === undefined ? {} : { code: codeContext(baselineInput.record) }),
        links: { ...baselineInput.links },
        ...passedOver(baselineInput.passedOver),
      }
    : {
        available: false,
        description: `no baseline: ${baselineInput.reason}`,
        reason: baselineInput.reason,
        links: {},
        ...passedOver(baselineInput.passedOver),
      };
}

/**
 * Ranks several candidates by the rank-by metric (default: the first gated one), setting each one's rank
 * and the report's rankBy and champion; returns the champion's index: the best-ranked candidate the gate
 * lets through, or the best-ranked if none passes.
 */
function rankCandidates(input: GateInput, plan: GatePlan, report: GateReport): number {
  const { candidates, notes } = report;
  const rankMetric = input.rankBy ?? plan.gated[0];
  if (rankMetric === undefined) {
    throw new ConfigurationError(
      "Several candidates need a metric to rank them by: set 'rank-by', or give at least one rule (the first gated metric ranks them).",
    );
  }
  const resolved = plan.directions.resolve(rankMetric);
  report.rankBy = { metric: rankMetric, direction: resolved.direction, directionSource: resolved.source };
  const values = input.candidates.map(
    (_, index) => candidates[index]?.metrics.find((row) => row.name === rankMetric)?.candidate?.value,
  );
  if (values.every((value) => value === undefined)) {
    if (input.rankBy !== undefined) {
      throw new InputError(
        "rank-by",
        input.rankBy,
        "names a metric that no candidate has",
        "Name one of the candidates' metrics (dotted names, as in the report).",
      );
    }
    notes.push(
      `No candidate has the metric ${quote(rankMetric)} they are ranked by: they keep their input order.`,
    );
  }
  const order = rankOrder(values, resolved.direction === "higher" ? -1 : 1);
  order.forEach((candidateIndex, place) => {
    const candidate = candidates[candidateIndex];
    if (candidate === undefined) return;
    candidate.rank = place + 1;
    const value = values[candidateIndex];
    if (value !== undefined) candidate.rankValue = value;
    else notes.push(`Candidate ${quote(candidate.label)} has no metric ${quote(rankMetric)}: ranked last.`);
  });
  const championIndex = order.find((index) => candidates[index]?.passed === true) ?? order[0] ?? 0;
  report.champion = championIndex;
  return championIndex;
}

/** Indexes, best first (sign -1: higher is better); missing values last, ties in input order. */
function rankOrder(values: readonly (number | undefined)[], sign: number): number[] {
  return values
    .map((_, index) => index)
    .sort((a, b) => {
      const va = values[a];
      const vb = values[b];
      if (va === undefined || vb === undefined) return va === undefined ? (vb === undefined ? a - b : 1) : -1;
      return va === vb ? a - b : sign * (va - vb);
    });
}
