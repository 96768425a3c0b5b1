// A small RFC 4180 CSV parser: quoted fields, doubled quotes inside quotes, CRLF or LF line ends, line
// breaks inside quoted fields. Incremental (push chunks, get complete rows) so a large file is read in
// constant memory; the same parser serves the metrics and history readers on whole strings.
// Why not a dependency: the format is small, and we need line numbers for error messages.
import { createReadStream } from "node:fs";
import { ConfigurationError } from "./errors.ts";

export interface CsvRow {
  fields: string[];
  /** 1-based line where the row starts (a quoted field may span lines). */
  line: number;
}

const QUOTE = 34; // "
const CR = 13;
const LF = 10;
/** quotedChar's answer when the quote before this character closed the field. */
const CLOSED = -1;

export class CsvParser {
  private readonly file: string;
  private readonly delimiter: number;
  private field = "";
  private fields: string[] = [];
  private inQuotes = false;
  /** Just saw a quote inside a quoted field: either the closing quote or the first of a doubled pair. */
  private quotePending = false;
  /** The field began with a quote; text after its closing quote is an error. */
  private quotedField = false;
  private afterClosingQuote = false;
  private pendingCr = false;
  private line = 1;
  private rowLine = 1;
  private rowStarted = false;
  private first = true;

  constructor(file: string, delimiter = ",") {
    this.file = file;
    if (delimiter.length !== 1) throw new Error(`CSV delimiter must be one character, got ${delimiter}`);
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Feed text; returns the rows completed by it. A UTF-8 byte order mark at the start is dropped. */
  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    let text = chunk;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0; // start of the unconsumed run of plain field characters
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === LF) {
          start = i + 1;
          continue;
        }
      }
      if (this.inQuotes) {
        const next = this.quotedChar(text, i, c, start);
        if (next !== CLOSED) {
          start = next;
          continue;
        }
        // The previous quote closed the field; c is handled outside quotes.
        start = i;
      }
      start = this.unquotedChar(text, i, c, start, rows);
    }
    if (this.inQuotes) {
      if (!this.quotePending) this.field += text.slice(start);
    } else if (start < n) {
      this.field += text.slice(start);
    }
    return rows;
  }

  /** Character `c` at `i` inside a quoted field: where the unconsumed run now starts, or CLOSED. */
  private quotedChar(text: string, i: number, c: number, start: number): number {
    if (this.quotePending) {
      this.quotePending = false;
      if (c === QUOTE) {
        this.field += '"';
        return i + 1;
      }
      this.inQuotes = false;
      this.afterClosingQuote = true;
      return CLOSED;
    }
    if (c === QUOTE) {
      this.field += text.slice(start, i);
      this.quotePending = true;
      return i + 1;
    }
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) this.line++;
    return start;
  }

  /** Character `c` at `i` outside quotes: ends fields and rows; returns where the unconsumed run starts. */
  private unquotedChar(text: string, i: number, c: number, start: number, rows: CsvRow[]): number {
    if (c === this.delimiter) {
      this.endField(text.slice(start, i));
      return i + 1;
    }
    if (c === LF || c === CR) {
      this.endField(text.slice(start, i));
      rows.push(this.endRow());
      this.line++;
      if (c === CR) this.pendingCr = true;
      return i + 1;
    }
    if (c === QUOTE && this.field === "" && start === i && !this.afterClosingQuote && !this.quotedField) {
      this.inQuotes = true;
      this.quotedField = true;
      this.rowStarted = true;
      return i + 1;
    }
    if (this.afterClosingQuote) {
      throw this.error("text after the closing quote of a field", "Put the delimiter right after the quote.");
    }
    // A quote inside an unquoted field is kept as a character, as Python's csv module does.
    this.rowStarted = true;
    return start;
  }

  /** Ends the input; returns the last row when the text did not end with a line break. */
  end(): CsvRow[] {
    if (this.inQuotes && !this.quotePending) {
      throw this.error(
        `an unterminated quoted field (opened on line ${this.rowLine})`,
        "Close the quote, and double any quote inside the field.",
      );
    }
    this.inQuotes = false;
    this.quotePending = false;
    if (this.rowStarted || this.fields.length > 0 || this.field !== "") {
      this.endField("");
      return [this.endRow()];
    }
    return [];
  }

  private endField(rest: string): void {
    this.fields.push(this.field + rest);
    this.field = "";
    this.quotedField = false;
    this.afterClosingQuote = false;
    this.rowStarted = true;
  }

  private endRow(): CsvRow {
    const row = { fields: this.fields, line: this.rowLine };
    this.fields = [];
    this.rowStarted = false;
    this.rowLine = this.line + 1;
    return row;
  }

  private error(problem: string, fix: string): ConfigurationError {
    return new ConfigurationError(`${this.file}:${this.line}: malformed CSV: ${problem}. ${fix}`, {
      file: this.file,
      line: this.line,
    });
  }
}

/** Parse a whole CSV text. Blank lines are dropped. */
export function parseCsv(text: string, file: string, delimiter = ","): CsvRow[] {
  const parser = new CsvParser(file, delimiter);
  return [...parser.push(text), ...parser.end()].filter((r) => !isBlank(r));
}

/** Stream the rows of a CSV file in constant memory. Blank lines are dropped. */
export async function* readCsvRows(file: string, label = file, delimiter = ","): AsyncGenerator<CsvRow> {
  const parser = new CsvParser(label, delimiter);
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
  for await (const chunk of stream) {
    for (const row of parser.push(chunk as string)) if (!isBlank(row)) yield row;
  }
  for (const row of parser.end()) if (!isBlank(row)) yield row;
}

function isBlank(row: CsvRow): boolean {
  return row.fields.length === 1 && row.fields[0] === "";
}
