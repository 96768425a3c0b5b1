// The gate report: one JSON-serialisable object that drives everything evaluate-gate shows (job summary,
// PR comment, check run) and that it writes as `report-json` / mlops-gate.json. Versioned like the run
// record: readers refuse a major version they do not know; minor versions only add optional fields.
// One definition: the zod schemas below are the shape; the TypeScript types are derived from them
// (z.infer), and mlops-gate.json readers validate a record another run wrote against the same schemas.
// Namespace import: lets the bundler drop the parts of zod the actions never use.
import * as z from "zod";
import type { Direction as DirectionName, DirectionSource as DirectionSourceName } from "./directions.ts";
import type { Comparator as ComparatorName, Severity as SeverityName } from "./rules.ts";

export const GATE_REPORT_SCHEMA = "mlops-actions/gate-report";
export const GATE_REPORT_SCHEMA_VERSION = "1.0";
/** The gate's record file (written beside the run record, uploaded in the gate artifact). */
export const GATE_RECORD_FILE = "mlops-gate.json";

/** A finite number: NaN and infinities never reach a report. */
export const finite = z.number().refine(Number.isFinite, "a finite number");
/** Text from a file another run wrote: bounded, so a hostile record cannot blow up a comment. */
export const text = z.string().max(100_000);

/** Per candidate: fail if an error rule fails; else inconclusive; else warn if a warn rule fails; else pass. */
export const VerdictSchema = z.enum(["pass", "warn", "inconclusive", "fail"]);
export type Verdict = z.infer<typeof VerdictSchema>;
/** The least severe verdict that fails the step (`never`: none does). */
const FailOnSchema = z.enum(["error", "inconclusive", "warn", "never"]);
export type FailOn = z.infer<typeof FailOnSchema>;
export const FAIL_ON_VALUES: readonly FailOn[] = FailOnSchema.options;
const RuleStatusSchema = z.enum(["pass", "fail", "inconclusive", "skipped"]);
export type RuleStatus = z.infer<typeof RuleStatusSchema>;
const DirectionSchema = z.enum(["higher", "lower"]) satisfies z.ZodType<DirectionName>;
const DirectionSourceSchema = z.enum([
  "configured",
  "rule",
  "assumed",
]) satisfies z.ZodType<DirectionSourceName>;
const ComparatorSchema = z.enum([">=", ">", "<=", "<", "==", "!="]) satisfies z.ZodType<ComparatorName>;
const SeveritySchema = z.enum(["error", "warn"]) satisfies z.ZodType<SeverityName>;

/** A value and the interval around it: `low === high === value` when there is none. */
const IntervalSchema = z.object({ value: finite, low: finite, high: finite });
export type Interval = z.infer<typeof IntervalSchema>;

/**
 * A metric as the gate compares it: a plain value (n = 1), a sample's mean with its t95 interval
 * (mean ± t(0.975, n-1)·s/√n), or a value with an interval given as `<name>.ci_low` / `<name>.ci_high`.
 */
const EstimateSchema = z.object({
  value: finite,
  n: z.number().int().positive(),
  sd: finite.optional(),
  low: finite,
  high: finite,
  interval: z.enum(["t95", "given"]).optional(),
});
export type Estimate = z.infer<typeof EstimateSchema>;

const RuleResultSchema = z.object({
  /** Line in the rules text. */
  line: z.number().int().positive(),
  /** The rule as written (without its comment). */
  text,
  metric: text,
  comparator: ComparatorSchema,
  /** The severity written in the rule. */
  severity: SeveritySchema,
  status: RuleStatusSchema,
  /**
   * The severity the status counts with in the verdict: the rule's own, except that a missing candidate
   * metric and a baseline that require-baseline demands but is missing always count as error.
   */
  countsAs: SeveritySchema,
  /** The candidate's value of the gated metric (absent when the metric is missing). */
  actual: EstimateSchema.optional(),
  /** The threshold the rule compared against, as an interval when its inputs had intervals. */
  threshold: IntervalSchema.optional(),
  /** One line for people: what was compared, or why the rule could not be evaluated. */
  message: text,
});
export type RuleResult = z.infer<typeof RuleResultSchema>;

const ChangeSchema = z.enum(["better", "worse", "same"]);

/** A metric's direction and what decided it: in every metric row and in the ranking. */
const directionFields = { direction: DirectionSchema, directionSource: DirectionSourceSchema };

/** A verdict and whether it is allowed under fail-on (the step fails when false): per candidate and overall. */
const verdictFields = { verdict: VerdictSchema, passed: z.boolean() };

const MetricRowSchema = z.object({
  name: text,
  ...directionFields,
  /** Whether a rule gates this metric (gated rows come first, in rule order). */
  gated: z.boolean(),
  candidate: EstimateSchema.optional(),
  baseline: EstimateSchema.optional(),
  /** candidate - baseline (means for samples). */
  delta: finite.optional(),
  /** delta / |baseline| · 100; absent when the baseline is 0. */
  deltaPercent: finite.optional(),
  change: ChangeSchema.optional(),
});
export type MetricRow = z.infer<typeof MetricRowSchema>;

/** One line of a params/data/environment comparison; a side is absent when the key is missing there. */
const ContextRowSchema = z.object({ key: text, baseline: text.optional(), candidate: text.optional() });
export type ContextRow = z.infer<typeof ContextRowSchema>;

const ContextDiffSchema = z.object({
  /** Whether a baseline record was there to compare with (else rows list the candidate's own values). */
  compared: z.boolean(),
  /** Rows that differ (all candidate rows when not compared). */
  rows: z.array(ContextRowSchema),
  /** Rows that are the same on both sides (not listed). */
  unchanged: z.number().int().nonnegative(),
});
export type ContextDiff = z.infer<typeof ContextDiffSchema>;

const CurveSchema = z.object({
  metric: text,
  /** The step axis: the history's `step` or `epoch` values, or 1, 2, 3… */
  x: z.array(finite),
  candidate: z.array(finite),
  /** The baseline's curve at the same steps, when its history has them. */
  baseline: z.array(finite).optional(),
});
export type Curve = z.infer<typeof CurveSchema>;

const CodeContextSchema = z.object({
  repository: text,
  sha: text,
  headSha: text.optional(),
  ref: text,
  pullRequest: z.number().int().optional(),
  dirty: z.boolean(),
});
export type CodeContext = z.infer<typeof CodeContextSchema>;

const LinksSchema = z.object({ run: text.optional(), artifact: text.optional() });
export type Links = z.infer<typeof LinksSchema>;

const CandidateReportSchema = z.object({
  /** How the caller named this candidate (usually its path). */
  label: text,
  /** The run record's model name, else the label. */
  model: text,
  ...verdictFields,
  /** 1-based place on the leaderboard (several candidates only). */
  rank: z.number().int().optional(),
  /** The value ranked by (several candidates only; absent when the candidate lacks the metric). */
  rankValue: finite.optional(),
  champion: z.boolean(),
  counts: z.record(RuleStatusSchema, z.number().int().nonnegative()),
  rules: z.array(RuleResultSchema),
  metrics: z.array(MetricRowSchema),
  code: CodeContextSchema.optional(),
  links: LinksSchema,
  params: ContextDiffSchema,
  data: ContextDiffSchema,
  environment: ContextDiffSchema,
  curves: z.array(CurveSchema),
});
export type CandidateReport = z.infer<typeof CandidateReportSchema>;

/** Workflow runs whose artifacts could have been the baseline but were not trusted to be. */
export const PassedOverSchema = z.array(
  z.object({
    runId: z.number().int(),
    /** Why: "from fork octo/x", "event pull_request". */
    reason: text,
  }),
);
export type PassedOverRun = z.infer<typeof PassedOverSchema>[number];

/** Where a rules or directions file's text came from, on pull request events. */
const PolicyFileSourceSchema = z.object({
  input: z.enum(["rules", "directions"]),
  /** The file, relative to the repository root. */
  file: text,
  /** The PR's base commit it was read from. */
  baseSha: text,
  /**
   * unchanged: the PR leaves the file as it is; changed: the PR edits it, and the base commit's version was
   * applied; added: the file is not at the base commit, so the PR's version was applied.
   */
  change: z.enum(["unchanged", "changed", "added"]),
});
export type PolicyFileSource = z.infer<typeof PolicyFileSourceSchema>;

const BaselineInfoSchema = z.object({
  available: z.boolean(),
  /** What the baseline is (SHA, run, artifact), or "no baseline: <reason>". */
  description: text,
  /** Why there is none (when not available). */
  reason: text.optional(),
  model: text.optional(),
  code: CodeContextSchema.optional(),
  links: LinksSchema,
  /** Newer runs whose artifacts were not taken as the baseline, and why. */
  passedOver: PassedOverSchema.optional(),
});

export const GateReportSchema = z.object({
  schema: z.literal(GATE_REPORT_SCHEMA),
  schemaVersion: z.literal(GATE_REPORT_SCHEMA_VERSION),
  /** The champion's verdict (the only candidate's, with one), and whether fail-on lets it pass. */
  ...verdictFields,
  failOn: FailOnSchema,
  requireBaseline: z.boolean(),
  baseline: BaselineInfoSchema,
  /** Pull request events: where the rules and directions files were read from (absent otherwise). */
  policyFiles: z.array(PolicyFileSourceSchema).optional(),
  /** Several candidates: the metric and direction they are ranked by. */
  rankBy: z.object({ metric: text, ...directionFields }).optional(),
  /** Index into `candidates` of the champion (several candidates only). */
  champion: z.number().int().nonnegative().optional(),
  candidates: z.array(CandidateReportSchema),
  /** Things the reader should know that are not failures (e.g. a candidate lacking the rank metric). */
  notes: z.array(text),
});
export type GateReport = z.infer<typeof GateReportSchema>;

const ORDER: Record<Verdict, number> = { pass: 0, warn: 1, inconclusive: 2, fail: 3 };
const THRESHOLD: Record<FailOn, number> = { warn: 1, inconclusive: 2, error: 3, never: 4 };

/** Whether `verdict` lets the step pass under `failOn`. */
export function verdictPasses(verdict: Verdict, failOn: FailOn): boolean {
  return ORDER[verdict] < THRESHOLD[failOn];
}

export function worseVerdict(a: Verdict, b: Verdict): Verdict {
  return ORDER[a] >= ORDER[b] ? a : b;
}
