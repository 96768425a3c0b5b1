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
  const nonFinite: NonFiniteToken[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const where = (at: number): { line: number; column: number } => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: at - lineStart + 1 };
  };
  const fail = (problem: string, at = pos): never => {
    const { line, column } = where(at);
    throw new ConfigurationError(
      `${file}:${line}:${column}: not valid JSON: ${problem}. Fix the file so it is a JSON object of ${what}.`,
      { file, line, column },
    );
  };
  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
      else break;
    }
  };
  const describe = (at: number): string =>
    at >= text.length ? "the end of the file" : JSON.stringify(text.slice(at, at + 12));

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 92) pos += 2;
      else if (c === 34) {
        pos++;
        try {
          return JSON.parse(text.slice(start, pos)) as string;
        } catch {
          return fail("a bad escape or control character in a string", start);
        }
      } else if (c === 10) return fail("a line break inside a string", start);
      else pos++;
    }
    return fail("an unterminated string", start);
  };

  const parseValue = (path: string[]): unknown => {
    skipSpace();
    const c = text[pos];
    if ((c === "{" || c === "[") && path.length >= MAX_NESTING) fail(tooDeepProblem());
    if (c === "{") {
      pos++;
      const out: Record<string, unknown> = {};
      skipSpace();
      if (text[pos] === "}") {
        pos++;
        return out;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail(`expected a quoted key, found ${describe(pos)}`);
        const keyAt = pos;
        const key = parseString();
        if (Object.hasOwn(out, key)) fail(`the key ${JSON.stringify(key)} appears twice`, keyAt);
        skipSpace();
        if (text[pos] !== ":")
          fail(`expected ':' after the key ${JSON.stringify(key)}, found ${describe(pos)}`);
        pos++;
        // defineProperty: a key named "__proto__" must be data, not the prototype.
        Object.defineProperty(out, key, {
          value: parseValue([...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skipSpace();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return out;
        }
        fail(`expected ',' or '}' in an object, found ${describe(pos)}`);
      }
    }
    if (c === "[") {
      pos++;
      const out: unknown[] = [];
      skipSpace();
      if (text[pos] === "]") {
        pos++;
        return out;
      }
      for (;;) {
        out.push(parseValue([...path, String(out.length)]));
        skipSpace();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return out;
        }
        fail(`expected ',' or ']' in a list, found ${describe(pos)}`);
      }
    }
    if (c === '"') return parseString();
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    if (number && !/[A-Za-z]/.test(text[NUMBER.lastIndex] ?? "")) {
      pos = NUMBER.lastIndex;
      return Number(number[0]);
    }
    WORD.lastIndex = pos;
    const word = WORD.exec(text);
    if (word) {
      const token = word[0];
      const at = pos;
      pos = WORD.lastIndex;
      if (token === "true") return true;
      if (token === "false") return false;
      if (token === "null") return null;
      const nonFiniteValue = NON_FINITE[token];
      if (nonFiniteValue !== undefined) {
        nonFinite.push({ path, token, ...where(at) });
        return nonFiniteValue;
      }
      return fail(`unexpected word ${JSON.stringify(token)}`, at);
    }
    return fail(`expected a value, found ${describe(pos)}`);
  };

  const value = parseValue([]);
  skipSpace();
  if (pos < text.length) fail(`unexpected ${describe(pos)} after the end of the document`);
  return { value, nonFinite };
}
