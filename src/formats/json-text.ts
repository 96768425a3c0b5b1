// JSON as Python writes it. `json.dump` emits the bare tokens NaN, Infinity and -Infinity, which
// JSON.parse rejects with a message that names neither the key nor (always) the line. This parser accepts
// them, reports where they were, and gives every syntax error a line and column.
import { ConfigurationError } from "./errors.ts";

export interface NonFiniteToken {
  /** Keys and list indexes leading to the value. */
  path: string[];
  token: string;
  line: number;
  column: number;
}

export interface ParsedJson {
  value: unknown;
  nonFinite: NonFiniteToken[];
}

/**
 * How deep metrics, params and records may nest. Real files use a few levels; a file nested thousands
 * deep is a mistake or an attack, and would otherwise overflow the stack with an unreadable error.
 */
export const MAX_NESTING = 100;

/** The error for a document nested deeper than MAX_NESTING. */
export function tooDeepProblem(): string {
  return `nested more than ${MAX_NESTING} levels deep (mappings or lists inside each other)`;
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity };
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /-?[A-Za-z_][A-Za-z0-9_]*/y;

/** Parse JSON text (with Python's NaN/Infinity). `file` names the source in errors, `what` its content. */
export function parseJsonText(text: string, file: string, what = "metrics"): ParsedJson {
  const parser = new JsonTextParser(text, file, what);
  const value = parser.parseValue([]);
  parser.expectEnd();
  return { value, nonFinite: parser.nonFinite };
}

/** A recursive-descent reader over one document; `pos` is the next character to read. */
class JsonTextParser {
  readonly nonFinite: NonFiniteToken[] = [];
  private readonly text: string;
  private readonly file: string;
  private readonly what: string;
  private pos: number;

  // No parameter properties: scripts/demo.ts runs this file under Node's type stripping.
  constructor(text: string, file: string, what: string) {
    this.text = text;
    this.file = file;
    this.what = what;
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length)
      this.fail(`unexpected ${this.describe(this.pos)} after the end of the document`);
  }

  parseValue(path: string[]): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    if ((c === "{" || c === "[") && path.length >= MAX_NESTING) this.fail(tooDeepProblem());
    if (c === "{") return this.parseObject(path);
    if (c === "[") return this.parseList(path);
    if (c === '"') return this.parseString();
    return this.parseScalar(path);
  }

  private parseObject(path: string[]): Record<string, unknown> {
    const { text } = this;
    this.pos++;
    const out: Record<string, unknown> = {};
    this.skipSpace();
    if (text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (text[this.pos] !== '"') this.fail(`expected a quoted key, found ${this.describe(this.pos)}`);
      const keyAt = this.pos;
      const key = this.parseString();
      if (Object.hasOwn(out, key)) this.fail(`the key ${JSON.stringify(key)} appears twice`, keyAt);
      this.skipSpace();
      if (text[this.pos] !== ":")
        this.fail(`expected ':' after the key ${JSON.stringify(key)}, found ${this.describe(this.pos)}`);
      this.pos++;
      // defineProperty: a key named "__proto__" must be data, not the prototype.
      Object.defineProperty(out, key, {
        value: this.parseValue([...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (this.endOfItem("}", "an object")) return out;
    }
  }

  private parseList(path: string[]): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.skipSpace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.parseValue([...path, String(out.length)]));
      if (this.endOfItem("]", "a list")) return out;
    }
  }

  /** After an item: true at the closing bracket, false after a comma (another item follows). */
  private endOfItem(close: "}" | "]", inside: string): boolean {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === "," || c === close) {
      this.pos++;
      return c === close;
    }
    return this.fail(`expected ',' or '${close}' in ${inside}, found ${this.describe(this.pos)}`);
  }

  /** A number, true/false/null, or Python's NaN/Infinity/-Infinity (recorded with where it was). */
  private parseScalar(path: string[]): unknown {
    const { text } = this;
    NUMBER.lastIndex = this.pos;
    const number = NUMBER.exec(text);
    if (number && !/[A-Za-z]/.test(text[NUMBER.lastIndex] ?? "")) {
      this.pos = NUMBER.lastIndex;
      return Number(number[0]);
    }
    WORD.lastIndex = this.pos;
    const word = WORD.exec(text);
    if (!word) return this.fail(`expected a value, found ${this.describe(this.pos)}`);
    const token = word[0];
    const at = this.pos;
    this.pos = WORD.lastIndex;
    if (token === "true") return true;
    if (token === "false") return false;
    if (token === "null") return null;
    const nonFiniteValue = NON_FINITE[token];
    if (nonFiniteValue !== undefined) {
      this.nonFinite.push({ path, token, ...this.where(at) });
      return nonFiniteValue;
    }
    return this.fail(`unexpected word ${JSON.stringify(token)}`, at);
  }

  private parseString(): string {
    const { text } = this;
    const start = this.pos;
    this.pos++; // opening quote
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 92) this.pos += 2;
      else if (c === 34) {
        this.pos++;
        try {
          return JSON.parse(text.slice(start, this.pos)) as string;
        } catch {
          return this.fail("a bad escape or control character in a string", start);
        }
      } else if (c === 10) return this.fail("a line break inside a string", start);
      else this.pos++;
    }
    return this.fail("an unterminated string", start);
  }

  private skipSpace(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  private describe(at: number): string {
    return at >= this.text.length ? "the end of the file" : JSON.stringify(this.text.slice(at, at + 12));
  }

  private where(at: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: at - lineStart + 1 };
  }

  private fail(problem: string, at = this.pos): never {
    const { line, column } = this.where(at);
    throw new ConfigurationError(
      `${this.file}:${line}:${column}: not valid JSON: ${problem}. Fix the file so it is a JSON object of ${this.what}.`,
      { file: this.file, line, column },
    );
  }
}
