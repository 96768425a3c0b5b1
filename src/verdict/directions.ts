// Which way is better for each metric. In order of precedence: the `directions` input (`name: higher`
// or `name: lower`, one a line), the rules (a `>=`/`>` rule means higher is better, `<=`/`<` lower; a
// metric with rules both ways falls through), and last the metric's name (loss, error, latency… are
// lower-is-better, anything else higher), which reports mark as "assumed".
import type { Rule } from "./rules.ts";
import { LineSyntaxError, describeToken, splitLines, syntaxErrorFor, tokenizeLine } from "./syntax.ts";
import type { SyntaxProblem, TextSource } from "./syntax.ts";

export type Direction = "higher" | "lower";
/** configured: the directions input; rule: implied by a rule's comparator; assumed: from the name. */
export type DirectionSource = "configured" | "rule" | "assumed";

export interface ResolvedDirection {
  direction: Direction;
  source: DirectionSource;
}

/** Words (split on `.`, `_`, `-`, `/`, spaces and camelCase) that mark a lower-is-better metric. */
const LOWER_IS_BETTER_WORDS = new Set([
  "loss",
  "losses",
  "logloss",
  "nll",
  "error",
  "errors",
  "err",
  "latency",
  "time",
  "duration",
  "seconds",
  "secs",
  "ms",
  "mse",
  "mae",
  "rmse",
  "mape",
  "smape",
  "msle",
  "rmsle",
  "perplexity",
  "ppl",
  "wer",
  "cer",
  "fpr",
  "fnr",
  "eer",
  "brier",
  "regret",
  "cost",
  "bytes",
  "memory",
]);

export function directionFromName(name: string): Direction {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => LOWER_IS_BETTER_WORDS.has(word)) ? "lower" : "higher";
}

export interface DirectionEntry {
  direction: Direction;
  line: number;
}

/** Parses `name: higher|lower` lines; one ConfigurationError lists every malformed line. */
export function parseDirections(
  text: string,
  source: TextSource = { name: "input 'directions'" },
): Map<string, DirectionEntry> {
  const lines = splitLines(text);
  const entries = new Map<string, DirectionEntry>();
  const problems: SyntaxProblem[] = [];
  lines.forEach((lineText, index) => {
    const line = index + 1;
    try {
      const tokens = tokenizeLine(lineText);
      const [name, colon, word, end] = tokens as [
        (typeof tokens)[number],
        ...((typeof tokens)[number] | undefined)[],
      ];
      if (name.kind === "end") return;
      if (name.kind !== "name" && name.kind !== "quoted") {
        throw new LineSyntaxError(
          name.column,
          `expected a metric name, found ${describeToken(name)}: write e.g. "latency_ms: lower"`,
        );
      }
      if (colon?.kind !== "colon") {
        const found = colon === undefined ? "the end of the line" : describeToken(colon);
        throw new LineSyntaxError(
          colon?.column ?? lineText.length + 1,
          `expected ":" after the metric name, found ${found}: write "${name.text}: higher" or "${name.text}: lower"`,
        );
      }
      if (word === undefined || word.kind !== "name" || (word.text !== "higher" && word.text !== "lower")) {
        const found = word === undefined ? "the end of the line" : describeToken(word);
        const hint = word?.kind === "name" ? directionHint(word.text) : "";
        throw new LineSyntaxError(
          word?.column ?? lineText.length + 1,
          `expected "higher" or "lower", found ${found}${hint}`,
        );
      }
      if (end !== undefined && end.kind !== "end") {
        throw new LineSyntaxError(
          end.column,
          `unexpected ${describeToken(end)} after "${word.text}": one metric a line`,
        );
      }
      const previous = entries.get(name.text);
      if (previous !== undefined) {
        throw new LineSyntaxError(
          name.column,
          `the direction of ${JSON.stringify(name.text)} is already set on line ${previous.line}`,
        );
      }
      entries.set(name.text, { direction: word.text, line });
    } catch (error) {
      if (!(error instanceof LineSyntaxError)) throw error;
      problems.push({ line, column: error.column, message: error.message });
    }
  });
  if (problems.length > 0) throw syntaxErrorFor(source, lines, problems, "directions");
  return entries;
}

function directionHint(word: string): string {
  const lower = word.toLowerCase();
  if (
    ["max", "maximize", "maximise", "up", "increase", "higher_is_better", "bigger"].includes(lower) ||
    lower === "higher"
  ) {
    return ' (write "higher")';
  }
  if (
    ["min", "minimize", "minimise", "down", "decrease", "lower_is_better", "smaller"].includes(lower) ||
    lower === "lower"
  ) {
    return ' (write "lower")';
  }
  return "";
}

/** Resolves directions for any metric name, with the precedence described at the top of this file. */
export class DirectionResolver {
  private readonly configured: ReadonlyMap<string, DirectionEntry>;
  private readonly fromRules = new Map<string, Direction | "conflict">();
  private readonly cache = new Map<string, ResolvedDirection>();

  constructor(configured: ReadonlyMap<string, DirectionEntry>, rules: readonly Rule[]) {
    this.configured = configured;
    for (const rule of rules) {
      const implied =
        rule.comparator === ">=" || rule.comparator === ">"
          ? "higher"
          : rule.comparator === "<=" || rule.comparator === "<"
            ? "lower"
            : undefined;
      if (implied === undefined) continue;
      const seen = this.fromRules.get(rule.metric);
      this.fromRules.set(rule.metric, seen === undefined || seen === implied ? implied : "conflict");
    }
  }

  resolve(name: string): ResolvedDirection {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    const configured = this.configured.get(name);
    const fromRule = this.fromRules.get(name);
    const resolved: ResolvedDirection =
      configured !== undefined
        ? { direction: configured.direction, source: "configured" }
        : fromRule !== undefined && fromRule !== "conflict"
          ? { direction: fromRule, source: "rule" }
          : { direction: directionFromName(name), source: "assumed" };
    this.cache.set(name, resolved);
    return resolved;
  }
}
