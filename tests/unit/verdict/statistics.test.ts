// The t interval is checked against scipy (and the t quantile against mpmath at 40 digits, because
// scipy 1.10's own t.ppf is only good to ~1e-9: at df = 50 it is 1.2e-9 off the exact value).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { lnGamma, studentTCdf, studentTQuantile, summarizeSample } from "../../../src/verdict/statistics.ts";

const PYTHON = "/usr/bin/python3";

/** Runs a Python script with JSON on stdin; returns its stdout parsed as JSON (the caller states the shape). */
function python(script: string, input: unknown): unknown {
  const out = execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(input), encoding: "utf8" });
  return JSON.parse(out);
}

function relativeError(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

// Fixture samples: seeds and folds as a user would have them (n = 2, 3, 5, 10, 30).
const SAMPLES: number[][] = [
  [0.912, 0.897],
  [0.81, 0.83, 0.805],
  [120.5, 118.25, 131, 125.75, 119],
  [0.7312, 0.7401, 0.7288, 0.7355, 0.7423, 0.7299, 0.7367, 0.7311, 0.7402, 0.7345],
  Array.from({ length: 30 }, (_, i) => 0.9 + 0.01 * Math.sin(i * 1.7) + 0.003 * Math.cos(i * 5.3)),
];

describe("summarizeSample against scipy.stats", () => {
  it("gives mean ± t(0.975, n-1)·s/√n equal to scipy's t.interval to 1e-9 relative for n = 2, 3, 5, 10, 30", () => {
    const reference = python(
      `
import json, sys
import numpy as np
from scipy import stats
out = []
for sample in json.load(sys.stdin):
    a = np.array(sample, dtype=float)
    low, high = stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a))
    out.append({"mean": float(a.mean()), "sd": float(a.std(ddof=1)), "low": float(low), "high": float(high)})
print(json.dumps(out))
`,
      SAMPLES,
    ) as { mean: number; sd: number; low: number; high: number }[];
    expect(reference).toHaveLength(SAMPLES.length);
    SAMPLES.forEach((sample, index) => {
      const ours = summarizeSample(sample);
      const ref = reference[index];
      if (ref === undefined) throw new Error(`no reference for sample ${index}`);
      expect(ours.n).toBe(sample.length);
      expect(relativeError(ours.mean, ref.mean)).toBeLessThan(1e-12);
      expect(relativeError(ours.sd, ref.sd)).toBeLessThan(1e-12);
      expect(relativeError(ours.low, ref.low), `low, n=${sample.length}`).toBeLessThan(1e-9);
      expect(relativeError(ours.high, ref.high), `high, n=${sample.length}`).toBeLessThan(1e-9);
      // The half-width itself, which is what the interval maths is about, not only the ends.
      expect(
        relativeError(ours.halfWidth, (ref.high - ref.low) / 2),
        `half-width, n=${sample.length}`,
      ).toBeLessThan(1e-9);
    });
  });

  it("matches scipy's t.ppf at p = 0.975 to 1e-9 for the small df where scipy is itself that accurate", () => {
    const dfs = [1, 2, 3, 4, 5, 9, 19, 29, 99];
    const reference = python(
      "import json,sys\nfrom scipy import stats\nprint(json.dumps([float(stats.t.ppf(0.975, df)) for df in json.load(sys.stdin)]))",
      dfs,
    ) as number[];
    dfs.forEach((df, i) => {
      expect(relativeError(studentTQuantile(0.975, df), reference[i] ?? Number.NaN), `df=${df}`).toBeLessThan(
        1e-9,
      );
    });
  });

  it("inverts scipy's t.cdf: t.cdf(our quantile) returns p to 1e-14 (scipy's cdf is accurate; its ppf is not)", () => {
    const cases: [number, number][] = [
      [0.975, 1],
      [0.975, 2],
      [0.975, 50],
      [0.995, 3],
      [0.9, 29],
      [0.6, 19],
      [0.025, 7],
      [0.999999, 12],
      [0.975, 1e5],
    ];
    const points = cases.map(([p, df]) => [studentTQuantile(p, df), df]);
    const cdf = python(
      "import json,sys\nfrom scipy import stats\nprint(json.dumps([float(stats.t.cdf(t, df)) for t, df in json.load(sys.stdin)]))",
      points,
    ) as number[];
    cases.forEach(([p, df], i) =>
      expect(Math.abs((cdf[i] ?? Number.NaN) - p), `p=${p} df=${df}`).toBeLessThan(1e-14),
    );
  });
});

describe("studentTQuantile against mpmath (40 digits)", () => {
  it("is accurate to 1e-12 relative up to df 1000 (1e-10 beyond), fractional df and far tails included", () => {
    const cases: [number, number][] = [];
    for (const df of [1, 2, 3, 4, 5, 7, 10, 50, 100, 1000, 1e6, 0.5, 2.5])
      for (const p of [0.975, 0.995, 0.6, 0.025, 0.9999]) cases.push([p, df]);
    // mpmath polishes a root of its own 40-digit tail function by the secant method; the start point
    // (our value) only speeds it up: the residual check below rejects anything that is not a root.
    const reference = python(
      `
import json, sys
import mpmath as mp
mp.mp.dps = 40
def upper(t, df):
    return mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
out = []
for p, df, start in json.load(sys.stdin):
    p = mp.mpf(p); df = mp.mpf(df); sign = 1
    if p < 0.5:
        p = 1 - p; sign = -1; start = -start
    tail = 1 - p
    root = mp.findroot(lambda t: upper(t, df) - tail, mp.mpf(start) * (1 + mp.mpf("1e-6")), verify=False)
    if abs(upper(root, df) - tail) > tail * mp.mpf("1e-30"):
        raise SystemExit("no root for p=%s df=%s" % (p, df))
    out.append(mp.nstr(sign * root, 25))
print(json.dumps(out))
`,
      cases.map(([p, df]) => [p, df, studentTQuantile(p, df)]),
    ) as string[];
    cases.forEach(([p, df], i) => {
      // Above df 1000 the continued fraction runs near its convergence limit: about 1e-11 there.
      const tolerance = df > 1000 ? 1e-10 : 1e-12;
      expect(relativeError(studentTQuantile(p, df), Number(reference[i])), `p=${p} df=${df}`).toBeLessThan(
        tolerance,
      );
    });
  });

  it("has the exact closed forms at df 1 and 2 and is antisymmetric", () => {
    expect(studentTQuantile(0.75, 1)).toBeCloseTo(1, 14);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.302652729749464, 12);
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0.1, 9)).toBe(-studentTQuantile(0.9, 9));
    expect(studentTCdf(0, 5)).toBe(0.5);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 14);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
  });

  it("rejects p outside [0, 1] and df <= 0", () => {
    expect(() => studentTQuantile(1.5, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.5, 0)).toThrow(RangeError);
    expect(studentTQuantile(1, 3)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("summarizeSample", () => {
  it("gives a zero-width interval for one value and for identical values", () => {
    expect(summarizeSample([0.9])).toMatchObject({ n: 1, mean: 0.9, halfWidth: 0, low: 0.9, high: 0.9 });
    expect(summarizeSample([2, 2, 2])).toMatchObject({ n: 3, mean: 2, sd: 0, halfWidth: 0, low: 2, high: 2 });
  });
});
