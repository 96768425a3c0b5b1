// A per-column profile of a CSV dataset (`data-profile` input), streamed in constant memory.
//
// A column is numeric when every non-missing cell is a decimal number; otherwise categorical. Missing
// cells are the empty cell and pandas' default NA spellings (NA, N/A, NaN, null, None, ...); infinite
// values (inf, -Infinity) count as missing too, since the profile must hold finite numbers.
//
// Numeric columns: count (non-missing), missing, min, max, mean (compensated sum), quantiles p05..p95
// (linear interpolation between order statistics, as numpy.percentile's default and Python's
// statistics.quantiles(method="inclusive")), and a histogram with Sturges' bin count clamped to 10..20
// and numpy.histogram's rules (equal-width bins from min to max, the last bin closed; min == max gives
// the range min-0.5..max+0.5).
//
// Memory: each numeric column keeps its values for the quantiles, up to a cap of
// min(1,000,000, 16,000,000 / columns) values (at most 128 MB in all). Below the cap the quantiles are
// exact; above it the column keeps a uniform reservoir sample (Algorithm R, fixed seed so the same file
// gives the same profile) and the quantiles are estimates from it. min, max, mean and count are always
// exact, and so are histograms and frequencies: when a cap was hit, or a column turned out categorical
// after numeric-looking rows, a second streaming pass over the file counts them exactly.
//
// Categorical columns: the 20 most frequent values (ties by value) and the rest summed under `__other__`.
// At most 100,000 distinct values are tracked per column; later new values count under `__other__`.
import { ConfigurationError } from "../formats/errors.ts";
import type { ColumnProfile } from "../record/run-record.ts";
import { parseDecimal } from "../formats/numbers.ts";
import { readCsvRows } from "../formats/csv.ts";

export interface DataProfile {
  file: string;
  rows: number;
  columns: ColumnProfile[];
}

export interface ProfileOptions {
  delimiter?: string;
  /** Categories listed by name; the rest go under __other__. Default 20. */
  topCategories?: number;
  /** Total values kept for quantiles across numeric columns. Default 16,000,000. */
  sampleBudget?: number;
  /** Values kept per column at most. Default 1,000,000. */
  sampleCap?: number;
}

const OTHER = "__other__";
const MAX_DISTINCT = 100_000;
const QUANTILES: ReadonlyArray<[string, number]> = [
  ["p05", 0.05],
  ["p25", 0.25],
  ["p50", 0.5],
  ["p75", 0.75],
  ["p95", 0.95],
];
// pandas' default na_values.
const MISSING = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
]);
const INFINITE = /^[+-]?(?:inf|infinity)$/i;

/** A deterministic PRNG (mulberry32), so reservoir samples do not change between runs. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class ColumnState {
  readonly name: string;
  count = 0;
  missing = 0;
  numeric = true;
  /** The column was numeric for some rows, then turned categorical: frequencies need a recount. */
  recount = false;
  min = Infinity;
  max = -Infinity;
  private sum = 0;
  private compensation = 0;
  sample: Float64Array;
  sampleSize = 0;
  private readonly capacity: number;
  private readonly random: () => number;
  categories = new Map<string, number>();
  otherOverflow = 0;

  constructor(name: string, capacity: number, seed: number) {
    this.name = name;
    this.capacity = capacity;
    this.sample = new Float64Array(Math.min(capacity, 1024));
    this.random = seededRandom(seed);
  }

  get sampled(): boolean {
    return this.count > this.capacity;
  }

  get mean(): number {
    return this.count === 0 ? Number.NaN : (this.sum + this.compensation) / this.count;
  }

  add(cell: string): void {
    const text = cell.trim();
    if (MISSING.has(text) || INFINITE.test(text)) {
      this.missing++;
      return;
    }
    this.count++;
    if (this.numeric) {
      const value = parseDecimal(text);
      if (value !== undefined && Number.isFinite(value)) {
        this.addNumber(value);
        return;
      }
      // The first text cell: the column is categorical; earlier cells were not counted by value.
      this.numeric = false;
      this.recount = this.count > 1;
      this.sample = new Float64Array(0);
    }
    this.addCategory(text);
  }

  addCategory(text: string): void {
    const seen = this.categories.get(text);
    if (seen !== undefined) this.categories.set(text, seen + 1);
    else if (this.categories.size < MAX_DISTINCT) this.categories.set(text, 1);
    else this.otherOverflow++;
  }

  private addNumber(value: number): void {
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    // Neumaier's compensated sum: the mean stays exact to the last digits over millions of rows.
    const t = this.sum + value;
    this.compensation += Math.abs(this.sum) >= Math.abs(value) ? this.sum - t + value : value - t + this.sum;
    this.sum = t;
    if (this.sampleSize < this.capacity) {
      if (this.sampleSize === this.sample.length) {
        const grown = new Float64Array(Math.min(this.capacity, this.sample.length * 2));
        grown.set(this.sample);
        this.sample = grown;
      }
      this.sample[this.sampleSize++] = value;
    } else {
      const j = Math.floor(this.random() * this.count);
      if (j < this.capacity) this.sample[j] = value;
    }
  }
}

export async function profileCsv(
  path: string,
  label = path,
  options: ProfileOptions = {},
): Promise<DataProfile> {
  const delimiter = options.delimiter ?? (label.toLowerCase().endsWith(".tsv") ? "\t" : ",");
  let header: string[] | undefined;
  let columns: ColumnState[] = [];
  let rows = 0;
  try {
    for await (const row of readCsvRows(path, label, delimiter)) {
      if (header === undefined) {
        header = uniqueNames(row.fields);
        const budget = options.sampleBudget ?? 16_000_000;
        const capacity = Math.max(
          1,
          Math.min(options.sampleCap ?? 1_000_000, Math.floor(budget / header.length)),
        );
        columns = header.map((name, i) => new ColumnState(name, capacity, 0x9e3779b9 ^ i));
        continue;
      }
      checkWidth(row.fields.length, columns.length, label, row.line);
      rows++;
      for (let i = 0; i < columns.length; i++) columns[i]?.add(row.fields[i] ?? "");
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ConfigurationError(
        `${label}: file not found; expected a CSV file with a header row to profile (data-profile).`,
        { file: label },
      );
    }
    throw error;
  }
  if (header === undefined) {
    throw new ConfigurationError(`${label}: the file is empty; expected a CSV file with a header row.`, {
      file: label,
    });
  }

  const histograms = new Map<ColumnState, Histogram>();
  for (const c of columns)
    if (c.numeric && c.count > 0) histograms.set(c, new Histogram(c.min, c.max, c.count));
  const needsSecondPass = columns.filter((c) => (c.numeric && c.count > 0 && c.sampled) || c.recount);
  if (needsSecondPass.length === 0) {
    for (const [c, h] of histograms) for (let i = 0; i < c.sampleSize; i++) h.add(c.sample[i] ?? 0);
  } else {
    for (const c of columns) {
      if (c.recount) {
        c.categories = new Map();
        c.otherOverflow = 0;
      } else if (c.numeric && !c.sampled) {
        const h = histograms.get(c);
        if (h) for (let i = 0; i < c.sampleSize; i++) h.add(c.sample[i] ?? 0);
      }
    }
    const indexed = needsSecondPass.map((c) => [c, columns.indexOf(c)] as const);
    let first = true;
    for await (const row of readCsvRows(path, label, delimiter)) {
      if (first) {
        first = false;
        continue;
      }
      for (const [c, index] of indexed) {
        const text = (row.fields[index] ?? "").trim();
        if (MISSING.has(text) || INFINITE.test(text)) continue;
        if (c.recount) c.addCategory(text);
        else histograms.get(c)?.add(parseDecimal(text) ?? 0);
      }
    }
  }

  return {
    file: label,
    rows,
    columns: columns.map((c) => toProfile(c, histograms.get(c), options.topCategories ?? 20)),
  };
}

class Histogram {
  readonly edges: number[];
  readonly counts: number[];
  private readonly low: number;
  private readonly width: number;

  constructor(min: number, max: number, count: number) {
    const bins = Math.min(20, Math.max(10, Math.ceil(Math.log2(count) + 1)));
    const low = min === max ? min - 0.5 : min;
    const high = min === max ? max + 0.5 : max;
    this.low = low;
    this.width = high - low;
    this.edges = Array.from({ length: bins + 1 }, (_, i) =>
      i === bins ? high : low + (this.width * i) / bins,
    );
    this.counts = new Array<number>(bins).fill(0);
  }

  add(value: number): void {
    const bins = this.counts.length;
    let i = Math.min(bins - 1, Math.max(0, Math.floor(((value - this.low) / this.width) * bins)));
    // Settle float rounding at the edges the way numpy does: bin i holds edges[i] <= v < edges[i + 1].
    while (i > 0 && value < (this.edges[i] ?? -Infinity)) i--;
    while (i < bins - 1 && value >= (this.edges[i + 1] ?? Infinity)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
  }
}

function toProfile(c: ColumnState, histogram: Histogram | undefined, top: number): ColumnProfile {
  if (c.numeric && c.count > 0 && histogram) {
    const sorted = c.sample.subarray(0, Math.min(c.sampleSize, c.sample.length)).slice().sort();
    const quantiles: Record<string, number> = {};
    for (const [name, p] of QUANTILES) quantiles[name] = quantile(sorted, p);
    return {
      name: c.name,
      kind: "numeric",
      count: c.count,
      missing: c.missing,
      min: c.min,
      max: c.max,
      mean: c.mean,
      quantiles,
      histogram: { edges: histogram.edges, counts: histogram.counts },
    };
  }
  const ranked = [...c.categories].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const frequencies: Record<string, number> = {};
  let other = c.otherOverflow;
  ranked.forEach(([value, n], i) => {
    if (i < top && value !== OTHER) frequencies[value] = n;
    else other += n;
  });
  if (other > 0) frequencies[OTHER] = other;
  return { name: c.name, kind: "categorical", count: c.count, missing: c.missing, frequencies };
}

/** Linear interpolation between closest ranks (numpy's default, R's type 7). `sorted` is ascending. */
export function quantile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] ?? 0;
  const b = sorted[Math.min(lo + 1, n - 1)] ?? a;
  return a + (h - lo) * (b - a);
}

function uniqueNames(fields: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((raw, i) => {
    const base = raw.trim() === "" ? `column_${i + 1}` : raw.trim();
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}.${n}`; // as pandas names duplicate columns
  });
}

function checkWidth(width: number, columns: number, file: string, line: number): void {
  if (width > columns) {
    throw new ConfigurationError(
      `${file}:${line}: the row has ${width} cells but the header has ${columns}. Quote cells that contain the delimiter, or fix the header.`,
      { file, line },
    );
  }
}
