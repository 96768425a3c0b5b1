// The small lexical layer shared by the rules and directions grammars: a hand-written tokenizer over one
// line, and syntax errors that name the source, line and column with a caret under the offending spot.
//
// Lexical decisions (documented in docs for the action):
// - Bare metric names: segments of letters, digits and `_`, joined by `.`; the first character is a letter
//   or `_` (later segments may start with a digit: `per_class.3.f1`). `-` is never part of a bare name
//   because `a-b` must stay a subtraction; any other name is written in double quotes: `"f1-score"`,
//   `"val/loss"`, with `\"` and `\\` as the only escapes.
// - Numbers: `12`, `0.5`, `.5`, `1e-3`, `2.5E+2`. No percent literals: `1%` is ambiguous between an
//   absolute 0.01 and a relative change, so it is rejected with both spellings suggested.
// - `#` starts a comment to the end of the line (outside quoted names).
import { ConfigurationError, quote } from "../formats/errors.ts";
import type { SourceLocation } from "../formats/errors.ts";

/** Where a text came from: `name` is used in messages ("input 'rules'", "gate/rules.txt"). */
export interface TextSource {
  name: string;
  /** Set when the text is a file: errors then carry a location the action can annotate. */
  file?: string;
}

export type TokenKind =
  "name" | "quoted" | "number" | "comparator" | "operator" | "lparen" | "rparen" | "colon" | "dot" | "end";

export interface Token {
  kind: TokenKind;
  /** The name (unescaped for quoted names), the operator or comparator, or the number's source text. */
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
}

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

/** A rule line that does not parse, with the column its problem starts at. */
export class LineSyntaxError extends Error {
  override readonly name = "LineSyntaxError";
  constructor(column: number, message: string) {
    super(message);
    this.column = column;
  }
  readonly column: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const UNICODE_COMPARATORS: Record<string, string> = { "≥": ">=", "≤": "<=", "≠": "!=", "＝": "==" };

function describeChar(char: string): string {
  return /\s/.test(char) ? `whitespace ${JSON.stringify(char)}` : quote(char);
}

/** Tokens of one line, ending with an `end` token (a `#` comment ends the line). */
export function tokenizeLine(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] ?? "";
    if (char === " " || char === "\t") {
      index++;
      continue;
    }
    if (char === "#") break;
    const read = readToken(text, index, char);
    tokens.push(read.token);
    index = read.next;
  }
  tokens.push({ kind: "end", text: "", column: index + 1 });
  return tokens;
}

/** One token starting at `index`, and where the next one may start. */
interface ReadToken {
  token: Token;
  next: number;
}

function readToken(text: string, index: number, char: string): ReadToken {
  if (NAME_START.test(char)) return readName(text, index);
  if (DIGIT.test(char) || (char === "." && DIGIT.test(text[index + 1] ?? ""))) return readNumber(text, index);
  if (char === '"') return readQuoted(text, index);
  return readSymbol(text, index, char);
}

/** A metric name: letters, digits, _ and dots between them. */
function readName(text: string, index: number): ReadToken {
  let end = index + 1;
  while (end < text.length) {
    const next = text[end] ?? "";
    if (NAME_PART.test(next)) end++;
    else if (next === "." && NAME_PART.test(text[end + 1] ?? "")) end += 2;
    else break;
  }
  return { token: { kind: "name", text: text.slice(index, end), column: index + 1 }, next: end };
}

function readNumber(text: string, index: number): ReadToken {
  const match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(index));
  const literal = match?.[0] ?? text[index] ?? "";
  const after = text[index + literal.length] ?? "";
  if (after === "%") {
    throw new LineSyntaxError(
      index + literal.length + 1,
      `percent signs are not supported (is ${literal}% absolute or relative?): write ${Number(literal) / 100} for an absolute amount, or e.g. baseline * ${1 - Number(literal) / 100} for a relative one`,
    );
  }
  if (/[A-Za-z_]/.test(after)) {
    throw new LineSyntaxError(
      index + literal.length + 1,
      /[eE]/.test(after)
        ? `incomplete exponent in number ${quote(text.slice(index, index + literal.length + 1))}: write e.g. 1e-3`
        : `unexpected ${quote(after)} right after the number ${literal}: metric names start with a letter or _ (quote other names: "3${after}")`,
    );
  }
  if (after === ".")
    throw new LineSyntaxError(index + literal.length + 1, `malformed number ${quote(literal + after)}`);
  return { token: { kind: "number", text: literal, column: index + 1 }, next: index + literal.length };
}

/** A "quoted name", with \" and \\ as its only escapes. */
function readQuoted(text: string, index: number): ReadToken {
  const column = index + 1;
  let value = "";
  let end = index + 1;
  for (;;) {
    if (end >= text.length) {
      throw new LineSyntaxError(column, 'unterminated quoted name: add the closing "');
    }
    const next = text[end] ?? "";
    if (next === "\\") {
      const escaped = text[end + 1] ?? "";
      if (escaped !== '"' && escaped !== "\\") {
        throw new LineSyntaxError(
          end + 1,
          `unknown escape ${quote("\\" + escaped)} in a quoted name: only \\" and \\\\ are escapes`,
        );
      }
      value += escaped;
      end += 2;
      continue;
    }
    if (next === '"') break;
    value += next;
    end++;
  }
  if (value === "") throw new LineSyntaxError(column, 'empty quoted name ""');
  return { token: { kind: "quoted", text: value, column }, next: end + 1 };
}

/** Comparators, operators and punctuation; the near misses people type get an error naming the fix. */
function readSymbol(text: string, index: number, char: string): ReadToken {
  const column = index + 1;
  const two = text.slice(index, index + 2);
  if (two === ">=" || two === "<=" || two === "==" || two === "!=") {
    return { token: { kind: "comparator", text: two, column }, next: index + 2 };
  }
  if (two === "=>" || two === "=<") {
    throw new LineSyntaxError(
      column,
      `unknown comparator ${quote(two)}: did you mean ${two === "=>" ? ">=" : "<="}?`,
    );
  }
  if (char === ">" || char === "<")
    return { token: { kind: "comparator", text: char, column }, next: index + 1 };
  if (char === "=")
    throw new LineSyntaxError(column, 'a single "=" is not a comparator: use == for equality, or >= / <=');
  if (char === "!")
    throw new LineSyntaxError(column, '"!" on its own is not an operator: use != for "not equal"');
  const unicode = UNICODE_COMPARATORS[char];
  if (unicode !== undefined) throw new LineSyntaxError(column, `use ${unicode} instead of ${quote(char)}`);
  if (char === "+" || char === "-" || char === "*" || char === "/") {
    if (two === "**") throw new LineSyntaxError(column, "there is no power operator **: multiply instead");
    return { token: { kind: "operator", text: char, column }, next: index + 1 };
  }
  if (char === "(" || char === ")" || char === ":" || char === ".") {
    const kind = char === "(" ? "lparen" : char === ")" ? "rparen" : char === ":" ? "colon" : "dot";
    return { token: { kind, text: char, column }, next: index + 1 };
  }
  const hint = char === "'" || char === "`" ? ": quote names with double quotes" : "";
  throw new LineSyntaxError(column, `unexpected character ${describeChar(char)}${hint}`);
}

/** How a token reads in a message. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case "end":
      return "the end of the line";
    case "quoted":
      return `the quoted name ${JSON.stringify(token.text)}`;
    case "name":
      return `the name ${quote(token.text)}`;
    case "number":
      return `the number ${token.text}`;
    default:
      return quote(token.text);
  }
}

/** One line's excerpt with a caret under `column`, e.g. "  3 | f1 >= baseline -\n    |                 ^". */
function caretExcerpt(lineText: string, line: number, column: number): string {
  const gutter = String(line);
  const shown = lineText.replace(/\t/g, " ");
  return `  ${gutter} | ${shown}\n  ${" ".repeat(gutter.length)} | ${" ".repeat(Math.max(0, column - 1))}^`;
}

/**
 * One ConfigurationError for all problems of a text, so a user fixes them in one round. The message
 * names each line and column; the location (for annotations) is the first problem's, when from a file.
 */
export function syntaxErrorFor(
  source: TextSource,
  lines: readonly string[],
  problems: readonly SyntaxProblem[],
  what: string,
): ConfigurationError {
  const shown = problems.slice(0, 20);
  const parts = shown.map(
    (p) =>
      `${source.name} line ${p.line}, column ${p.column}: ${p.message}\n${caretExcerpt(lines[p.line - 1] ?? "", p.line, p.column)}`,
  );
  if (problems.length > shown.length) parts.push(`… and ${problems.length - shown.length} more problems`);
  const first = problems[0];
  const location: SourceLocation | undefined =
    source.file !== undefined && first !== undefined
      ? { file: source.file, line: first.line, column: first.column }
      : undefined;
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return new ConfigurationError(
    `Cannot read the ${what} in ${source.name} (${count}):\n${parts.join("\n")}`,
    location,
  );
}

/** Lines of a text, without their line endings. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
