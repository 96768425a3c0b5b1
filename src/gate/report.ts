// The gate report: one JSON-serialisable object that drives everything evaluate-gate shows (job summary,
// PR comment, check run) and that it writes as `report-json` / mlops-gate.json. Versioned like the run
// record: readers refuse a major version they do not know; minor versions only add optional fields.
import type { Direction, DirectionSource } from "./directions.ts";
import type { Comparator, Severity } from "./rules.ts";

export const GATE_REPORT_SCHEMA = "mlops-actions/gate-report";
export const GATE_REPORT_SCHEMA_VERSION = "1.0";
export const GATE_REPORT_FILE = "mlops-gate.json";

/** Per candidate: fail if an error rule fails; else inconclusive; else warn if a warn rule fails; else pass. */
export type Verdict = "pass" | "warn" | "inconclusive" | "fail";
export const VERDICTS: readonly Verdict[] = ["pass", "warn", "inconclusive", "fail"];
/** The least severe verdict that fails the step (`never`: none does). */
export type FailOn = "error" | "inconclusive" | "warn" | "never";
export const FAIL_ON_VALUES: readonly FailOn[] = ["error", "inconclusive", "warn", "never"];
export type RuleStatus = "pass" | "fail" | "inconclusive" | "skipped";

/** A value with its interval: `low === high === value` when there is none. */
export interface Estimate {
  value: number;
  /** Sample size: 1 for a plain value. */
  n: number;
  sd?: number;
  low: number;
  high: number;
  /** t95: mean ± t(0.975, n-1)·s/√n over the sample; given: from `<name>.ci_low` / `<name>.ci_high`. */
  interval?: "t95" | "given";
}

export interface RuleResult {
  /** Line in the rules text. */
  line: number;
  /** The rule as written (without its comment). */
  text: string;
  metric: string;
  comparator: Comparator;
  /** The severity written in the rule. */
  severity: Severity;
  status: RuleStatus;
  /**
   * The severity the status counts with in the verdict: the rule's own, except that a missing candidate
   * metric and a baseline that require-baseline demands but is missing always count as error.
   */
  countsAs: Severity;
  /** The candidate's value of the gated metric (absent when the metric is missing). */
  actual?: Estimate;
  /** The threshold the rule compared against, as an interval when its inputs had intervals. */
  threshold?: { value: number; low: number; high: number };
  /** One line for people: what was compared, or why the rule could not be evaluated. */
  message: string;
}

export type Change = "better" | "worse" | "same";

export interface MetricRow {
  name: string;
  direction: Direction;
  directionSource: DirectionSource;
  /** Whether a rule gates this metric (gated rows come first, in rule order). */
  gated: boolean;
  candidate?: Estimate;
  baseline?: Estimate;
  /** candidate - baseline (means for samples). */
  delta?: number;
  /** delta / |baseline| · 100; absent when the baseline is 0. */
  deltaPercent?: number;
  change?: Change;
}

/** One line of a params/data/environment comparison; a side is absent when the key is missing there. */
export interface ContextRow {
  key: string;
  baseline?: string;
  candidate?: string;
}

export interface ContextDiff {
  /** Whether a baseline record was there to compare with (else rows list the candidate's own values). */
  compared: boolean;
  /** Rows that differ (all candidate rows when not compared). */
  rows: ContextRow[];
  /** Rows that are the same on both sides (not listed). */
  unchanged: number;
}

export interface Curve {
  metric: string;
  /** The step axis: the history's `step` or `epoch` values, or 1, 2, 3… */
  x: number[];
  candidate: number[];
  /** The baseline's curve at the same steps, when its history has them. */
  baseline?: number[];
}

export interface CodeContext {
  repository: string;
  sha: string;
  headSha?: string;
  ref: string;
  pullRequest?: number;
  dirty: boolean;
}

export interface Links {
  run?: string;
  artifact?: string;
}

export interface CandidateReport {
  /** How the caller named this candidate (usually its path). */
  label: string;
  /** The run record's model name, else the label. */
  model: string;
  verdict: Verdict;
  passed: boolean;
  /** 1-based place on the leaderboard (several candidates only). */
  rank?: number;
  /** The value ranked by (several candidates only; absent when the candidate lacks the metric). */
  rankValue?: number;
  champion: boolean;
  counts: Record<RuleStatus, number>;
  rules: RuleResult[];
  metrics: MetricRow[];
  code?: CodeContext;
  links: Links;
  params: ContextDiff;
  data: ContextDiff;
  environment: ContextDiff;
  curves: Curve[];
}

/** A workflow run whose artifact could have been the baseline but was not trusted to be. */
export interface PassedOverRun {
  runId: number;
  /** Why: "from fork octo/x", "event pull_request". */
  reason: string;
}

/** Where a rules or directions file's text came from, on pull request events. */
export interface PolicyFileSource {
  input: "rules" | "directions";
  /** The file, relative to the repository root. */
  file: string;
  /** The PR's base commit it was read from. */
  baseSha: string;
  /**
   * unchanged: the PR leaves the file as it is; changed: the PR edits it, and the base commit's version was
   * applied; added: the file is not at the base commit, so the PR's version was applied.
   */
  change: "unchanged" | "changed" | "added";
}

export interface BaselineInfo {
  available: boolean;
  /** What the baseline is (SHA, run, artifact), or "no baseline: <reason>". */
  description: string;
  /** Why there is none (when not available). */
  reason?: string;
  model?: string;
  code?: CodeContext;
  links: Links;
  /** Newer runs whose artifacts were not taken as the baseline, and why. */
  passedOver?: PassedOverRun[];
}

export interface GateReport {
  schema: typeof GATE_REPORT_SCHEMA;
  schemaVersion: typeof GATE_REPORT_SCHEMA_VERSION;
  /** The champion's verdict (the only candidate's, with one). */
  verdict: Verdict;
  /** Whether the verdict is allowed under fail-on: the step fails when false. */
  passed: boolean;
  failOn: FailOn;
  requireBaseline: boolean;
  baseline: BaselineInfo;
  /** Pull request events: where the rules and directions files were read from (absent otherwise). */
  policyFiles?: PolicyFileSource[];
  /** Several candidates: the metric and direction they are ranked by. */
  rankBy?: { metric: string; direction: Direction; directionSource: DirectionSource };
  /** Index into `candidates` of the champion (several candidates only). */
  champion?: number;
  candidates: CandidateReport[];
  /** Things the reader should know that are not failures (e.g. a candidate lacking the rank metric). */
  notes: string[];
}

const ORDER: Record<Verdict, number> = { pass: 0, warn: 1, inconclusive: 2, fail: 3 };
const THRESHOLD: Record<FailOn, number> = { warn: 1, inconclusive: 2, error: 3, never: 4 };

/** Whether `verdict` lets the step pass under `failOn`. */
export function verdictPasses(verdict: Verdict, failOn: FailOn): boolean {
  return ORDER[verdict] < THRESHOLD[failOn];
}

export function worseVerdict(a: Verdict, b: Verdict): Verdict {
  return ORDER[a] >= ORDER[b] ? a : b;
}
