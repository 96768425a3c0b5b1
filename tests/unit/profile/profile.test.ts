import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { profileCsv } from "../../../src/profile/data-profile.ts";
import type { ColumnProfile } from "../../../src/record/run-record.ts";

type Numeric = Extract<ColumnProfile, { kind: "numeric" }>;
type Categorical = Extract<ColumnProfile, { kind: "categorical" }>;

/** Reference numbers from NumPy and the statistics module (Debian's python3). */
function reference(
  path: string,
  column: string,
  bins: number,
): {
  count: number;
  missing: number;
  min: number;
  max: number;
  mean: number;
  quantiles: number[];
  edges: number[];
  counts: number[];
} {
  const script = `
import csv, json, statistics, sys
import numpy as np
path, column, bins = sys.argv[1], sys.argv[2], int(sys.argv[3])
NA = {"", "NA", "N/A", "NaN", "nan", "null", "None"}
cells = [row[column].strip() for row in csv.DictReader(open(path, newline=""))]
values = [float(c) for c in cells if c not in NA]
counts, edges = np.histogram(values, bins=bins)
print(json.dumps({
  "count": len(values), "missing": len(cells) - len(values),
  "min": min(values), "max": max(values), "mean": statistics.fmean(values),
  "quantiles": [float(np.percentile(values, p)) for p in (5, 25, 50, 75, 95)],
  "edges": [float(e) for e in edges], "counts": [int(c) for c in counts],
}))
`;
  return JSON.parse(
    execFileSync("/usr/bin/python3", ["-c", script, path, column, String(bins)], { encoding: "utf8" }),
  ) as ReturnType<typeof reference>;
}

function dataset(rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), "mlops-profile-"));
  const lines = ['id,"feature, scaled",label,city,late\r\n'];
  let x = 12345;
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  for (let i = 0; i < rows; i++) {
    const feature = i % 17 === 0 ? "" : i % 29 === 0 ? "NA" : (next() * 200 - 50).toFixed(4);
    const label = next() < 0.3 ? "cat" : next() < 0.5 ? '"dog, big"' : "bird";
    const city = `c${Math.floor(next() * 30)}`;
    const late = i === rows - 2 ? "oops" : String(i);
    lines.push(`${i},${feature},${label},${city},${late}\r\n`);
  }
  const path = join(dir, "train.csv");
  writeFileSync(path, lines.join(""));
  return path;
}

function expectNumericMatches(
  column: Numeric,
  ref: ReturnType<typeof reference>,
  exactQuantiles: boolean,
): void {
  expect(column.count).toBe(ref.count);
  expect(column.missing).toBe(ref.missing);
  expect(column.min).toBe(ref.min);
  expect(column.max).toBe(ref.max);
  expect(column.mean).toBeCloseTo(ref.mean, 10);
  const quantiles = [
    column.quantiles.p05,
    column.quantiles.p25,
    column.quantiles.p50,
    column.quantiles.p75,
    column.quantiles.p95,
  ];
  const spread = ref.max - ref.min;
  quantiles.forEach((q, i) => {
    if (exactQuantiles) expect(q).toBeCloseTo(ref.quantiles[i] ?? NaN, 9);
    else expect(Math.abs((q ?? NaN) - (ref.quantiles[i] ?? NaN))).toBeLessThan(spread * 0.05);
  });
  expect(column.histogram.counts).toEqual(ref.counts);
  column.histogram.edges.forEach((e, i) => expect(e).toBeCloseTo(ref.edges[i] ?? NaN, 9));
}

describe("data profile", () => {
  it("matches NumPy and statistics for a numeric column (exact quantiles)", async () => {
    const path = dataset(2000);
    const profile = await profileCsv(path, "train.csv");
    expect(profile.rows).toBe(2000);
    expect(profile.columns.map((c) => [c.name, c.kind])).toEqual([
      ["id", "numeric"],
      ["feature, scaled", "numeric"],
      ["label", "categorical"],
      ["city", "categorical"],
      ["late", "categorical"],
    ]);
    const feature = profile.columns[1] as Numeric;
    const bins = feature.histogram.counts.length;
    expect(bins).toBe(12); // Sturges: ceil(log2(n) + 1) for n = 1862
    expectNumericMatches(feature, reference(path, "feature, scaled", bins), true);
  });

  it("keeps min, max, mean and histogram exact past the sample cap (second pass), quantiles close", async () => {
    const path = dataset(5000);
    const profile = await profileCsv(path, "train.csv", { sampleCap: 500 });
    const feature = profile.columns[1] as Numeric;
    expectNumericMatches(feature, reference(path, "feature, scaled", feature.histogram.counts.length), false);
    // Same file, same profile: the reservoir is seeded.
    expect(await profileCsv(path, "train.csv", { sampleCap: 500 })).toEqual(profile);
  });

  it("counts categories exactly, top N plus __other__, also for a column that turns to text late", async () => {
    const path = dataset(3000);
    const profile = await profileCsv(path, "train.csv", { topCategories: 5 });
    const label = profile.columns[2] as Categorical;
    const counts = execFileSync(
      "/usr/bin/python3",
      [
        "-c",
        "import csv,sys,collections,json; print(json.dumps(collections.Counter(r['label'] for r in csv.DictReader(open(sys.argv[1], newline='')))))",
        path,
      ],
      { encoding: "utf8" },
    );
    expect(label.frequencies).toEqual(JSON.parse(counts));
    expect(label.count).toBe(3000);
    const city = profile.columns[3] as Categorical;
    expect(Object.keys(city.frequencies)).toHaveLength(6);
    expect(Object.values(city.frequencies).reduce((a, b) => a + b, 0)).toBe(3000);
    expect(city.frequencies.__other__).toBeGreaterThan(0);
    // "late" is numeric for 2998 rows, then "oops": a second pass recounts every value, so the top 5
    // (all seen once; ties by value) and __other__ cover all 3000 rows.
    const late = profile.columns[4] as Categorical;
    expect(late.kind).toBe("categorical");
    expect(late.frequencies).toEqual({ "0": 1, "1": 1, "10": 1, "100": 1, "1000": 1, __other__: 2995 });
  });

  it("handles a hand-computed tiny file: constant column, missing cells, short rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-profile-"));
    const path = join(dir, "tiny.csv");
    writeFileSync(path, "a,b,,a\n1,5,x,\n2,5\n3,NA,y,z\n4,5,x,z\n");
    const profile = await profileCsv(path);
    expect(profile.columns.map((c) => c.name)).toEqual(["a", "b", "column_3", "a.1"]);
    const a = profile.columns[0] as Numeric;
    expect(a).toMatchObject({ name: "a", kind: "numeric", count: 4, missing: 0, min: 1, max: 4, mean: 2.5 });
    // Type 7 by hand: h = (n - 1) p = 3p; p05 -> 1 + 0.15, p95 -> 3 + 0.85.
    const expectedQuantiles = { p05: 1.15, p25: 1.75, p50: 2.5, p75: 3.25, p95: 3.85 };
    for (const [k, v] of Object.entries(expectedQuantiles)) expect(a.quantiles[k]).toBeCloseTo(v, 12);
    // 10 bins (the minimum) of width 0.3 from 1 to 4; 4 falls in the closed last bin.
    expect(a.histogram.counts).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
    a.histogram.edges.forEach((e, i) => expect(e).toBeCloseTo(1 + 0.3 * i, 12));
    const b = profile.columns[1] as Numeric;
    expect(b).toMatchObject({ count: 3, missing: 1, min: 5, max: 5, mean: 5 });
    expect(b.histogram.edges[0]).toBe(4.5);
    expect(b.histogram.edges.at(-1)).toBe(5.5);
    expect(b.histogram.counts.reduce((x, y) => x + y, 0)).toBe(3);
    expect(profile.columns[2]).toEqual({
      name: "column_3",
      kind: "categorical",
      count: 3,
      missing: 1,
      frequencies: { x: 2, y: 1 },
    });
  });

  it("names the file and line of a row wider than the header, and a missing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-profile-"));
    writeFileSync(join(dir, "bad.csv"), "a,b\n1,2\n1,2,3\n");
    await expect(profileCsv(join(dir, "bad.csv"), "bad.csv")).rejects.toThrow(
      /^bad\.csv:3: the row has 3 cells/,
    );
    await expect(profileCsv(join(dir, "none.csv"), "none.csv")).rejects.toThrow(/^none\.csv: file not found/);
  });
});
