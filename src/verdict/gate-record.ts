// mlops-gate.json: the gate's verdict as a file, written beside the run record and uploaded as the
// artifact mlops-gate-<comment-key>. publish-model reads it to refuse a model whose gate did not pass;
// the workflow_run companion reads it to post a fork PR's report. Both read a file that another run (for
// a fork: untrusted code) wrote, so it is validated field by field here before anything renders it.
import { createHash } from "node:crypto";
import * as z from "zod";
import { MetricValue } from "../record/run-record.ts";
import type { CandidateInput } from "./evaluate.ts";
import {
  GateReportSchema,
  PassedOverSchema,
  VerdictSchema,
  finite,
  text,
  type GateReport,
} from "./report.ts";

const GATE_RECORD_SCHEMA = "mlops-actions/gate";
/** 1.1: the model name and each candidate's metrics and learning-curve steps, for the fork companion. */
const GATE_RECORD_SCHEMA_VERSION = "1.1";
export const GATE_REPORT_JSON_FILE = "gate-report.json";
export const GATE_REPORT_MARKDOWN_FILE = "gate-report.md";

export function gateArtifactName(commentKey: string): string {
  return `mlops-gate-${commentKey.replace(/[^A-Za-z0-9._-]/g, "_")}`;
}

const GateRecordSchema = z.object({
  schema: z.literal(GATE_RECORD_SCHEMA),
  schemaVersion: z.string().regex(/^1\.\d+$/),
  verdict: VerdictSchema,
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
    passedOver: PassedOverSchema.optional(),
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

const NOT_POSTED_YET =
  "not posted yet: the gate uploads its record before it comments, so that a GitHub failure cannot lose it";

/** What a gate record is made of: the report, what it was judged from, and the run that judged it. */
export interface GateRecordFacts {
  report: GateReport;
  commentKey: string;
  rules: { text: string; file?: string | undefined };
  baseline: GateRecord["baseline"];
  /** The inputs the report's candidates were judged from, in the report's order. */
  candidates: readonly CandidateInput[];
  /** sha256 of each candidate's run record bytes, by label. */
  recordDigests: ReadonlyMap<string, string>;
  modelName: string;
  run: Pick<GateRecord, "repository" | "headSha" | "sha" | "runId" | "runAttempt"> & {
    pullRequest: number | undefined;
  };
}

/**
 * The record as uploaded: before any comment is posted, so it says `posted: false` ("not posted yet");
 * the caller rewrites the local copy with the outcome afterwards.
 */
export function buildGateRecord(facts: GateRecordFacts): GateRecord {
  const { report, run } = facts;
  return {
    schema: GATE_RECORD_SCHEMA,
    schemaVersion: GATE_RECORD_SCHEMA_VERSION,
    verdict: report.verdict,
    passed: report.passed,
    commentKey: facts.commentKey,
    rules: {
      sha256: createHash("sha256").update(facts.rules.text).digest("hex"),
      ...(facts.rules.file ? { file: facts.rules.file } : {}),
      count: report.candidates[0]?.rules.length ?? 0,
    },
    baseline: facts.baseline,
    candidates: report.candidates.map((c, index) => {
      const input = facts.candidates[index];
      const recordSha256 = facts.recordDigests.get(c.label);
      const modelDigest = input?.record?.model.digest;
      const steps = input?.record?.history?.steps;
      return {
        label: c.label,
        model: c.model,
        ...(recordSha256 ? { recordSha256 } : {}),
        ...(modelDigest ? { modelDigest } : {}),
        metrics: numericMetrics(input?.metrics ?? {}),
        ...(steps ? { steps } : {}),
      };
    }),
    modelName: facts.modelName,
    repository: run.repository,
    headSha: run.headSha,
    sha: run.sha,
    ...(run.pullRequest === undefined ? {} : { pullRequest: run.pullRequest }),
    runId: run.runId,
    runAttempt: run.runAttempt,
    posted: false,
    postedReason: NOT_POSTED_YET,
    report,
  };
}

/** The metrics a gate can judge (numbers and samples), as the companion will read them back. */
function numericMetrics(metrics: Readonly<Record<string, unknown>>): Record<string, MetricValue> {
  return Object.fromEntries(
    Object.entries(metrics).filter(
      (entry): entry is [string, MetricValue] => MetricValue.safeParse(entry[1]).success,
    ),
  );
}
