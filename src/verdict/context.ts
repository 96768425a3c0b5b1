// What else changed between the baseline's run and the candidate's: params, data and environment
// compared key by key, and learning curves from the records' per-step history.
import type { RunRecord } from "../record/run-record.ts";
import type { CodeContext, ContextDiff, ContextRow, Curve } from "./report.ts";

/** Values longer than this are cut in the report: a params file may hold whole configs. */
const MAX_VALUE_CHARS = 300;
/** Points per learning curve: enough to see the shape, few enough for a chart and a comment. */
const MAX_CURVE_POINTS = 60;
const MAX_CURVES = 4;

function show(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

/** Nested params as dotted keys; arrays stay whole values. */
function flattenParams(value: unknown, prefix: string, into: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix !== "") into.set(prefix, "{}");
    for (const [key, inner] of entries) flattenParams(inner, prefix === "" ? key : `${prefix}.${key}`, into);
  } else if (prefix !== "") {
    into.set(prefix, show(value));
  }
  return into;
}

function diff(candidate: Map<string, string>, baseline: Map<string, string> | undefined): ContextDiff {
  if (baseline === undefined) {
    return {
      compared: false,
      rows: [...candidate].map(([key, value]) => ({ key, candidate: value })),
      unchanged: 0,
    };
  }
  const rows: ContextRow[] = [];
  let unchanged = 0;
  for (const [key, value] of candidate) {
    const before = baseline.get(key);
    if (before === value) unchanged++;
    else
      rows.push(
        before === undefined ? { key, candidate: value } : { key, baseline: before, candidate: value },
      );
  }
  for (const [key, value] of baseline) if (!candidate.has(key)) rows.push({ key, baseline: value });
  return { compared: true, rows, unchanged };
}

function dataFacts(record: RunRecord): Map<string, string> {
  const facts = new Map<string, string>([
    ["digest", record.data.digest === "" ? "(no data paths)" : record.data.digest],
    ["files", String(record.data.files)],
    ["bytes", String(record.data.bytes)],
  ]);
  for (const entry of record.data.paths) {
    facts.set(`${entry.path}: digest`, entry.digest);
    facts.set(`${entry.path}: files`, String(entry.files));
    facts.set(`${entry.path}: bytes`, String(entry.bytes));
  }
  if (record.data.profile !== undefined) facts.set("profile rows", String(record.data.profile.rows));
  return facts;
}

function environmentFacts(record: RunRecord): Map<string, string> {
  const env = record.environment;
  const facts = new Map<string, string>();
  if (env.python !== undefined) facts.set("python", env.python);
  facts.set("runner.os", env.runner.os);
  facts.set("runner.arch", env.runner.arch);
  if (env.runner.image !== undefined) facts.set("runner.image", env.runner.image);
  for (const lockfile of env.lockfiles) facts.set(`lockfile ${lockfile.path}`, lockfile.sha256);
  return facts;
}

export function paramsDiff(candidate: RunRecord | undefined, baseline: RunRecord | undefined): ContextDiff {
  if (candidate === undefined) return { compared: false, rows: [], unchanged: 0 };
  const base = baseline === undefined ? undefined : flattenParams(baseline.params, "", new Map());
  return diff(flattenParams(candidate.params, "", new Map()), base);
}

export function dataDiff(candidate: RunRecord | undefined, baseline: RunRecord | undefined): ContextDiff {
  if (candidate === undefined) return { compared: false, rows: [], unchanged: 0 };
  return diff(dataFacts(candidate), baseline === undefined ? undefined : dataFacts(baseline));
}

export function environmentDiff(
  candidate: RunRecord | undefined,
  baseline: RunRecord | undefined,
): ContextDiff {
  if (candidate === undefined) return { compared: false, rows: [], unchanged: 0 };
  return diff(environmentFacts(candidate), baseline === undefined ? undefined : environmentFacts(baseline));
}

export function codeContext(record: RunRecord | undefined): CodeContext | undefined {
  if (record === undefined) return undefined;
  const { repository, sha, headSha, ref, pullRequest, dirty } = record.code;
  return {
    repository,
    sha,
    ...(headSha === undefined ? {} : { headSha }),
    ref,
    ...(pullRequest === undefined ? {} : { pullRequest }),
    dirty,
  };
}

export type Steps = NonNullable<RunRecord["history"]>["steps"];

function stepAxis(steps: Readonly<Steps>): number[] {
  return steps.map((step, index) => step.step ?? step.epoch ?? index + 1);
}

/** Evenly spaced indices, first and last included. */
function sampleIndices(length: number, max: number): number[] {
  if (length <= max) return Array.from({ length }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.round((i * (length - 1)) / (max - 1)));
}

/**
 * Learning curves for the gated metrics found in the candidate's history (else its first few history
 * metrics). The baseline's curve is included when its history has the same steps.
 */
export function learningCurves(
  candidateSteps: Readonly<Steps> | undefined,
  baseline: RunRecord | undefined,
  gated: readonly string[],
): Curve[] {
  const steps = candidateSteps ?? [];
  if (steps.length < 2) return [];
  const available = new Set<string>();
  for (const step of steps)
    for (const key of Object.keys(step)) if (key !== "step" && key !== "epoch") available.add(key);
  const chosen = gated.filter((name) => available.has(name));
  const metrics = (chosen.length > 0 ? chosen : [...available]).slice(0, MAX_CURVES);
  const axis = stepAxis(steps);
  const baseSteps = baseline?.history?.steps ?? [];
  const baseByStep = new Map<number, Record<string, number>>();
  stepAxis(baseSteps).forEach((x, i) => {
    const step = baseSteps[i];
    if (step !== undefined) baseByStep.set(x, step);
  });
  const curves: Curve[] = [];
  for (const metric of metrics) {
    const points = axis.flatMap((x, i) => {
      const y = steps[i]?.[metric];
      return y === undefined || !Number.isFinite(y) ? [] : [{ x, y, base: baseByStep.get(x)?.[metric] }];
    });
    if (points.length < 2) continue;
    const picked = sampleIndices(points.length, MAX_CURVE_POINTS).map(
      (i) => points[i] ?? { x: 0, y: 0, base: undefined },
    );
    const curve: Curve = { metric, x: picked.map((p) => p.x), candidate: picked.map((p) => p.y) };
    if (picked.every((p) => p.base !== undefined && Number.isFinite(p.base)))
      curve.baseline = picked.map((p) => p.base ?? 0);
    curves.push(curve);
  }
  return curves;
}
