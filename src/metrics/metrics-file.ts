// The metrics file a training command writes: JSON (including Python's NaN/Infinity tokens, which are
// rejected with the key named), YAML, or CSV. DVC's metrics.json / metrics.yaml are plain nested mappings
// and work as they are.
//
// CSV comes in two shapes:
//   - a table with a header row: the LAST row holds the final metrics (a log appended once per epoch);
//   - a two-column table of names and values, recognised by a header `name,value` (also `metric`/`key`
//     and `value`/`score`), or by a second cell of the first row that is a number (no header).
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { ConfigurationError } from "../formats/errors.ts";
import type { MetricValue } from "../record/run-record.ts";
import { parseCsv, type CsvRow } from "../formats/csv.ts";
import { flattenMetrics, isPlainObject, type FlatMetrics, type IgnoredMetric } from "../formats/flatten.ts";
import { parseJsonText } from "../formats/json-text.ts";
import { isNonFiniteText, parseDecimal } from "../formats/numbers.ts";
import { parseYamlText } from "../formats/yaml-text.ts";

export type { FlatMetrics, IgnoredMetric } from "../formats/flatten.ts";

export type MetricsFormat = "json" | "yaml" | "csv" | "tsv";

const EXPECTED = "a mapping of metric names to numbers";

/** The format a file name implies, or undefined when its extension is not one we read. */
function metricsFormatOf(file: string): MetricsFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".csv") return "csv";
  if (ext === ".tsv") return "tsv";
  return undefined;
}

/** Read text a user pointed us at, with errors that say which file and what was expected. */
export async function readUserFile(path: string, label: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new ConfigurationError(
        `${label}: file not found; expected ${what}. Check the path (it is relative to the working directory) and that the command wrote it.`,
        { file: label },
      );
    }
    if (code === "EISDIR") {
      throw new ConfigurationError(`${label}: is a folder; expected a file with ${what}.`, { file: label });
    }
    throw error;
  }
}

/**
 * Read and flatten a metrics file. `label` is the path as the user gave it, for messages.
 * The format comes from the extension; a file with another extension is read as JSON when it starts
 * with `{`, else as YAML.
 */
export async function readMetricsFile(path: string, label = path): Promise<FlatMetrics> {
  const text = await readUserFile(path, label, `metrics (${EXPECTED}; JSON, YAML or CSV)`);
  return parseMetricsText(
    text,
    label,
    metricsFormatOf(label) ?? (text.trimStart().startsWith("{") ? "json" : "yaml"),
  );
}

export function parseMetricsText(text: string, file: string, format: MetricsFormat): FlatMetrics {
  if (text.trim() === "") {
    throw new ConfigurationError(`${file}: the metrics file is empty; expected ${EXPECTED}.`, { file });
  }
  if (format === "csv" || format === "tsv") return parseCsvMetrics(text, file, format === "tsv" ? "\t" : ",");

  let root: unknown;
  let lineOf: (path: readonly string[]) => number | undefined;
  if (format === "json") {
    const parsed = parseJsonText(text, file);
    root = parsed.value;
    lineOf = (path) => {
      // A list of numbers is one metric: its name is a prefix of the token's path.
      const name = path.join(".");
      return parsed.nonFinite.find((t) => {
        const at = t.path.join(".");
        return at === name || at.startsWith(`${name}.`);
      })?.line;
    };
  } else {
    const parsed = parseYamlText(text, file, EXPECTED);
    root = parsed.value;
    lineOf = parsed.lineOf;
  }
  if (!isPlainObject(root)) {
    const got = Array.isArray(root) ? "a list" : root === null ? "nothing (null)" : `a ${typeof root}`;
    throw new ConfigurationError(`${file}: the top level is ${got}; expected ${EXPECTED}.`, {
      file,
      line: 1,
    });
  }
  return flattenMetrics(
    root,
    (name, value) => {
      // Names were joined with dots; split back for the line lookup (keys with dots fall back to no line).
      throw nonFiniteError(file, name, String(value), lineOf(name.split(".")));
    },
    (name) => {
      throw new ConfigurationError(
        `${file}: the metric name '${name}' appears twice after flattening nested keys with dots. Rename one of the keys.`,
        { file },
      );
    },
  );
}

function nonFiniteError(
  file: string,
  name: string,
  value: string,
  line: number | undefined,
): ConfigurationError {
  const at = line === undefined ? "" : `:${line}`;
  return new ConfigurationError(
    `${file}${at}: metric '${name}' is ${value}, which is not a finite number. ` +
      "A NaN or infinite metric usually means training diverged; fix the run, or leave the metric out of the file.",
    { file, line },
  );
}

const NAME_HEADERS = new Set(["name", "metric", "key", "metric_name"]);
const VALUE_HEADERS = new Set(["value", "score"]);

function parseCsvMetrics(text: string, file: string, delimiter: string): FlatMetrics {
  const rows = parseCsv(text, file, delimiter);
  const header = rows[0];
  if (header === undefined) throw new ConfigurationError(`${file}: no rows; expected ${EXPECTED}.`, { file });
  const metrics: Record<string, MetricValue> = {};
  const ignored: IgnoredMetric[] = [];

  const take = (name: string, cell: string | undefined, line: number): void => {
    if (name === "") {
      throw new ConfigurationError(
        `${file}:${line}: a metric has an empty name. Name every column (or row).`,
        {
          file,
          line,
        },
      );
    }
    if (Object.hasOwn(metrics, name) || ignored.some((i) => i.name === name)) {
      throw new ConfigurationError(`${file}:${line}: the metric name '${name}' appears twice. Rename one.`, {
        file,
        line,
      });
    }
    const text = (cell ?? "").trim();
    if (isNonFiniteText(text)) throw nonFiniteError(file, name, text, line);
    const value = parseDecimal(text);
    if (value !== undefined) metrics[name] = value;
    else
      ignored.push({
        name,
        value: cell ?? null,
        reason: text === "" ? "an empty cell" : "text, not a number",
      });
  };

  const [first, second] = header.fields;
  const isPairTable =
    header.fields.length === 2 &&
    first !== undefined &&
    second !== undefined &&
    ((NAME_HEADERS.has(first.trim().toLowerCase()) && VALUE_HEADERS.has(second.trim().toLowerCase())) ||
      (parseDecimal(first) === undefined && (parseDecimal(second) !== undefined || isNonFiniteText(second))));
  if (isPairTable) {
    const hasHeader = NAME_HEADERS.has((first ?? "").trim().toLowerCase());
    for (const row of hasHeader ? rows.slice(1) : rows) {
      checkWidth(row, 2, file);
      take((row.fields[0] ?? "").trim(), row.fields[1], row.line);
    }
    return { metrics, ignored };
  }

  const last = rows.length > 1 ? rows[rows.length - 1] : undefined;
  if (last === undefined) {
    throw new ConfigurationError(
      `${file}: has a header row but no values; expected a header and at least one row (the last row is read).`,
      { file },
    );
  }
  checkWidth(last, header.fields.length, file);
  header.fields.forEach((name, i) => {
    take(name.trim(), last.fields[i], last.line);
  });
  return { metrics, ignored };
}

function checkWidth(row: CsvRow, width: number, file: string): void {
  if (row.fields.length > width) {
    throw new ConfigurationError(
      `${file}:${row.line}: the row has ${row.fields.length} cells but the table has ${width} columns. ` +
        "Quote cells that contain the delimiter.",
      { file, line: row.line },
    );
  }
}
