// Turns already-parsed metrics (src/metrics/ reads the files) into estimates the gate compares: a plain
// value, or a sample (seeds, folds) summarised by its mean and a 95% Student-t interval, or a value with
// an interval given directly as `<name>.ci_low` / `<name>.ci_high`.
import { ConfigurationError, quote } from "../formats/errors.ts";
import type { Estimate } from "./report.ts";
import { summarizeSample } from "./statistics.ts";

const CONFIDENCE = 0.95;
const CI_LOW = ".ci_low";
const CI_HIGH = ".ci_high";

export interface PreparedMetrics {
  /** Metrics to show and gate, in their original order, `.ci_low`/`.ci_high` folded into their metric. */
  estimates: Map<string, Estimate>;
  /** Bound keys by name: rules may still read `accuracy.ci_low` as a plain number. */
  bounds: Map<string, Estimate>;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${quote(value, 40)}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${typeof value} ${value.toString()}`;
  }
  return typeof value;
}

function finite(value: unknown, key: string, owner: string, position?: number): number {
  const where =
    position === undefined ? `Metric ${quote(key)}` : `Value ${position + 1} of metric ${quote(key)}`;
  if (typeof value !== "number") {
    const fix =
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? "Flatten nested metrics to dotted names (a.b.c)."
        : "Write metrics as numbers, or lists of numbers for seeds and folds.";
    throw new ConfigurationError(`${where} of ${owner} is ${describeValue(value)}, not a number. ${fix}`);
  }
  if (!Number.isFinite(value)) {
    throw new ConfigurationError(
      `${where} of ${owner} is ${String(value)}: metrics must be finite. Fix the computation that produced it (a division by zero, a diverged run) or drop the key.`,
    );
  }
  return value;
}

function estimateOf(raw: unknown, key: string, owner: string): Estimate {
  if (Array.isArray(raw)) {
    if (raw.length === 0) {
      throw new ConfigurationError(
        `Metric ${quote(key)} of ${owner} is an empty list: give at least one value.`,
      );
    }
    const values = raw.map((v: unknown, i) => finite(v, key, owner, i));
    if (values.length === 1)
      return { value: values[0] ?? 0, n: 1, low: values[0] ?? 0, high: values[0] ?? 0 };
    const summary = summarizeSample(values, CONFIDENCE);
    // Keys in the report's order: value, n, low, high, then sd and interval when there are any.
    return {
      value: summary.mean,
      n: summary.n,
      low: summary.low,
      high: summary.high,
      sd: summary.sd,
      interval: "t95",
    };
  }
  const value = finite(raw, key, owner);
  return { value, n: 1, low: value, high: value };
}

/**
 * Validates and summarises one metrics map. `owner` names it in messages (e.g. "candidate
 * runs/a/mlops-run.json"). Throws ConfigurationError naming the key for NaN, Infinity, non-numbers,
 * empty lists, a lone `.ci_low` or `.ci_high`, or an interval that is reversed or misses its value.
 */
export function prepareMetrics(metrics: Readonly<Record<string, unknown>>, owner: string): PreparedMetrics {
  const estimates = new Map<string, Estimate>();
  const bounds = new Map<string, Estimate>();
  const given = new Map<string, { low?: number; high?: number }>();
  for (const [key, raw] of Object.entries(metrics)) {
    const isLow = key.endsWith(CI_LOW);
    if (isLow || key.endsWith(CI_HIGH)) {
      const value = finite(raw, key, owner);
      bounds.set(key, { value, n: 1, low: value, high: value });
      const base = key.slice(0, key.length - (isLow ? CI_LOW.length : CI_HIGH.length));
      const entry = given.get(base) ?? {};
      if (isLow) entry.low = value;
      else entry.high = value;
      given.set(base, entry);
      continue;
    }
    estimates.set(key, estimateOf(raw, key, owner));
  }
  for (const [base, { low, high }] of given) {
    if (low === undefined || high === undefined) {
      const [has, lacks] = low === undefined ? [CI_HIGH, CI_LOW] : [CI_LOW, CI_HIGH];
      throw new ConfigurationError(
        `Metric ${quote(base + has)} of ${owner} has no ${quote(base + lacks)}: give both ends of the interval, or neither.`,
      );
    }
    if (low > high) {
      throw new ConfigurationError(
        `The interval of metric ${quote(base)} of ${owner} is reversed: ${base}${CI_LOW} = ${low} > ${base}${CI_HIGH} = ${high}.`,
      );
    }
    const existing = estimates.get(base);
    // An interval given explicitly wins over one computed from a sample: it is what the user measured.
    const value = existing?.value ?? (low + high) / 2;
    if (value < low || value > high) {
      throw new ConfigurationError(
        `Metric ${quote(base)} of ${owner} is ${value}, outside its own interval [${low}, ${high}] from ${base}${CI_LOW}/${base}${CI_HIGH}.`,
      );
    }
    const sd = existing?.sd === undefined ? {} : { sd: existing.sd };
    estimates.set(base, { value, n: existing?.n ?? 1, low, high, ...sd, interval: "given" });
  }
  return { estimates, bounds };
}
