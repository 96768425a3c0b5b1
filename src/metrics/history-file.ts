// Per-step metrics for learning curves: a CSV/TSV table (one row per step) or JSON Lines (one object per
// step; a JSON list of objects works too). Each step keeps its numeric values under flattened names.
// Unlike the final metrics, a NaN here is not an error (a loss can blow up for a few steps and recover),
// but JSON cannot hold it: such values are left out of their step and listed in `notes`, as are columns
// with text in them, so nothing disappears without a word.
import { extname } from "node:path";
import { ConfigurationError } from "../formats/errors.ts";
import { parseCsv } from "../formats/csv.ts";
import { isPlainObject } from "../formats/flatten.ts";
import { parseJsonText } from "../formats/json-text.ts";
import { readUserFile } from "./metrics-file.ts";
import { isNonFiniteText, parseDecimal } from "../formats/numbers.ts";

export interface HistoryFile {
  steps: Array<Record<string, number>>;
  /** What was left out and why, one line per column or key (first occurrence). */
  notes: string[];
}

export async function readHistoryFile(path: string, label = path): Promise<HistoryFile> {
  const text = await readUserFile(path, label, "per-step metrics (CSV with a header row, or JSON Lines)");
  return parseHistoryText(text, label);
}

export function parseHistoryText(text: string, file: string): HistoryFile {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv" || ext === ".tsv") return parseCsvHistory(text, file, ext === ".tsv" ? "\t" : ",");
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return parseJsonHistory(text, file);
  throw new ConfigurationError(
    `${file}: cannot tell the history format from the extension '${ext}'. Use .csv, .tsv, .jsonl (or .json with a list of objects).`,
    { file },
  );
}

class Notes {
  readonly lines: string[] = [];
  private readonly seen = new Set<string>();
  add(key: string, line: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.lines.push(line);
  }
}

function parseCsvHistory(text: string, file: string, delimiter: string): HistoryFile {
  const rows = parseCsv(text, file, delimiter);
  const header = rows[0];
  if (header === undefined) throw new ConfigurationError(`${file}: the history file is empty.`, { file });
  const names = header.fields.map((f) => f.trim());
  const notes = new Notes();
  const steps: Array<Record<string, number>> = [];
  for (const row of rows.slice(1)) {
    if (row.fields.length > names.length) {
      throw new ConfigurationError(
        `${file}:${row.line}: the row has ${row.fields.length} cells but the header has ${names.length}. Quote cells that contain the delimiter.`,
        { file, line: row.line },
      );
    }
    const step: Record<string, number> = {};
    row.fields.forEach((cell, i) => {
      const name = names[i] ?? "";
      const value = parseDecimal(cell);
      if (value !== undefined) step[name] = value;
      else if (isNonFiniteText(cell))
        notes.add(`nf:${name}`, `${name}: non-finite values (first on line ${row.line}) left out`);
      else if (cell.trim() !== "")
        notes.add(`text:${name}`, `${name}: text values (first on line ${row.line}) left out`);
    });
    steps.push(step);
  }
  return { steps, notes: notes.lines };
}

function parseJsonHistory(text: string, file: string): HistoryFile {
  const notes = new Notes();
  const steps: Array<Record<string, number>> = [];
  const trimmed = text.trimStart();
  const objects: Array<{ value: unknown; line: number }> = [];
  if (trimmed.startsWith("[")) {
    const parsed = parseJsonText(text, file);
    if (!Array.isArray(parsed.value)) throw new Error("unreachable: a JSON text starting with [ is a list");
    for (const value of parsed.value) objects.push({ value, line: 0 });
  } else {
    text.split("\n").forEach((lineText, i) => {
      if (lineText.trim() === "") return;
      const lineNo = i + 1;
      let value: unknown;
      try {
        value = parseJsonText(lineText, file).value;
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        // Re-anchor the error on the file's line, not the line within the one-line document.
        throw new ConfigurationError(
          `${file}:${lineNo}: not valid JSON Lines: ${error.message.replace(/^.*?not valid JSON: /, "")}`,
          { file, line: lineNo },
        );
      }
      objects.push({ value, line: lineNo });
    });
  }
  for (const { value, line } of objects) {
    const at = line > 0 ? `line ${line}` : `item ${steps.length + 1}`;
    if (!isPlainObject(value)) {
      throw new ConfigurationError(
        `${file}${line > 0 ? `:${line}` : ""}: ${at} is not a JSON object; expected one object of metrics per step.`,
        {
          file,
          line: line > 0 ? line : undefined,
        },
      );
    }
    const step: Record<string, number> = {};
    const visit = (name: string, v: unknown): void => {
      if (typeof v === "number") {
        if (Number.isFinite(v)) step[name] = v;
        else notes.add(`nf:${name}`, `${name}: non-finite values (first at ${at}) left out`);
      } else if (isPlainObject(v)) {
        for (const [k, inner] of Object.entries(v)) visit(name === "" ? k : `${name}.${k}`, inner);
      } else if (v !== null) {
        notes.add(
          `type:${name}`,
          `${name}: ${Array.isArray(v) ? "lists" : `${typeof v} values`} (first at ${at}) left out`,
        );
      }
    };
    visit("", value);
    steps.push(step);
  }
  return { steps, notes: notes.lines };
}
