// mlops-gate.json: the gate's verdict as a file, written beside the run record and uploaded as the
// artifact mlops-gate-<comment-key>. publish-model reads it to refuse a model whose gate did not pass;
// the workflow_run companion reads it to post a fork PR's report. Both read a file that another run (for
// a fork: untrusted code) wrote, so it is validated field by field here before anything renders it.
import * as z from "zod";
import { MetricValue } from "../record/run-record.ts";
import { GATE_REPORT_SCHEMA, GATE_REPORT_SCHEMA_VERSION } from "./report.ts";

export const GATE_RECORD_SCHEMA = "mlops-actions/gate";
/** 1.1: the model name and each candidate's metrics and learning-curve steps, for the fork companion. */
export const GATE_RECORD_SCHEMA_VERSION = "1.1";
export const GATE_RECORD_FILE = "mlops-gate.json";
export const GATE_REPORT_JSON_FILE = "gate-report.json";
export const GATE_REPORT_MARKDOWN_FILE = "gate-report.md";

export function gateArtifactName(commentKey: string): string {
  return `mlops-gate-${commentKey.replace(/[^A-Za-z0-9._-]/g, "_")}`;
}

const finite = z.number().refine(Number.isFinite, "a finite number");
const text = z.string().max(100_000);
const Estimate = z.object({
  value: finite,
  n: z.number().int().positive(),
  sd: finite.optional(),
  low: finite,
  high: finite,
  interval: z.enum(["t95", "given"]).optional(),
});
const Interval = z.object({ value: finite, low: finite, high: finite });
const Status = z.enum(["pass", "fail", "inconclusive", "skipped"]);
const Verdict = z.enum(["pass", "warn", "inconclusive", "fail"]);
const Direction = z.enum(["higher", "lower"]);
const DirectionSource = z.enum(["configured", "rule", "assumed"]);
const Links = z.object({ run: text.optional(), artifact: text.optional() });
const Code = z.object({
  repository: text,
  sha: text,
  headSha: text.optional(),
  ref: text,
  pullRequest: z.number().int().optional(),
  dirty: z.boolean(),
});
const PassedOver = z.array(z.object({ runId: z.number().int(), reason: text }));
const Diff = z.object({
  compared: z.boolean(),
  rows: z.array(z.object({ key: text, baseline: text.optional(), candidate: text.optional() })),
  unchanged: z.number().int().nonnegative(),
});

export const GateReportSchema = z.object({
  schema: z.literal(GATE_REPORT_SCHEMA),
  schemaVersion: z.literal(GATE_REPORT_SCHEMA_VERSION),
  verdict: Verdict,
  passed: z.boolean(),
  failOn: z.enum(["error", "inconclusive", "warn", "never"]),
  requireBaseline: z.boolean(),
  baseline: z.object({
    available: z.boolean(),
    description: text,
    reason: text.optional(),
    model: text.optional(),
    code: Code.optional(),
    links: Links,
    passedOver: PassedOver.optional(),
  }),
  policyFiles: z
    .array(
      z.object({
        input: z.enum(["rules", "directions"]),
        file: text,
        baseSha: text,
        change: z.enum(["unchanged", "changed", "added"]),
      }),
    )
    .optional(),
  rankBy: z.object({ metric: text, direction: Direction, directionSource: DirectionSource }).optional(),
  champion: z.number().int().nonnegative().optional(),
  candidates: z.array(
    z.object({
      label: text,
      model: text,
      verdict: Verdict,
      passed: z.boolean(),
      rank: z.number().int().optional(),
      rankValue: finite.optional(),
      champion: z.boolean(),
      counts: z.record(Status, z.number().int().nonnegative()),
      rules: z.array(
        z.object({
          line: z.number().int().positive(),
          text,
          metric: text,
          comparator: z.enum([">=", ">", "<=", "<", "==", "!="]),
          severity: z.enum(["error", "warn"]),
          status: Status,
          countsAs: z.enum(["error", "warn"]),
          actual: Estimate.optional(),
          threshold: Interval.optional(),
          message: text,
        }),
      ),
      metrics: z.array(
        z.object({
          name: text,
          direction: Direction,
          directionSource: DirectionSource,
          gated: z.boolean(),
          candidate: Estimate.optional(),
          baseline: Estimate.optional(),
          delta: finite.optional(),
          deltaPercent: finite.optional(),
          change: z.enum(["better", "worse", "same"]).optional(),
        }),
      ),
      code: Code.optional(),
      links: Links,
      params: Diff,
      data: Diff,
      environment: Diff,
      curves: z.array(
        z.object({
          metric: text,
          x: z.array(finite),
          candidate: z.array(finite),
          baseline: z.array(finite).optional(),
        }),
      ),
    }),
  ),
  notes: z.array(text),
});

export const GateRecordSchema = z.object({
  schema: z.literal(GATE_RECORD_SCHEMA),
  schemaVersion: z.string().regex(/^1\.\d+$/),
  verdict: Verdict,
  passed: z.boolean(),
  commentKey: text,
  rules: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    file: text.optional(),
    count: z.number().int(),
  }),
  baseline: z.object({
    spec: text,
    available: z.boolean(),
    reason: text.optional(),
    file: text.optional(),
    runId: z.number().int().optional(),
    artifactId: z.number().int().optional(),
    artifactName: text.optional(),
    sha: text.optional(),
    branch: text.optional(),
    passedOver: PassedOver.optional(),
  }),
  candidates: z.array(
    z.object({
      label: text,
      model: text,
      recordSha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
      modelDigest: text.optional(),
      /** The candidate's metrics as the gate read them: the companion judges them by its own rules. */
      metrics: z.record(z.string().max(1000), MetricValue).optional(),
      /** Per-step metrics (learning curves). */
      steps: z
        .array(z.record(z.string().max(1000), finite))
        .max(100_000)
        .optional(),
    }),
  ),
  /** The model whose `mlops-run-<model>` artifacts are the baseline. */
  modelName: text.optional(),
  repository: text,
  headSha: text,
  sha: text,
  pullRequest: z.number().int().optional(),
  runId: z.number().int(),
  runAttempt: z.number().int(),
  posted: z.boolean(),
  postedReason: text.optional(),
  commentId: z.number().int().optional(),
  report: GateReportSchema,
});
export type GateRecord = z.infer<typeof GateRecordSchema>;

/** Parses a gate record another run wrote; the error names the file and the first bad field. */
export function parseGateRecord(json: unknown, label: string): GateRecord {
  const result = GateRecordSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `${label} is not a valid gate record: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}`,
    );
  }
  return result.data;
}
