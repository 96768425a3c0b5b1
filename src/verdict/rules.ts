// The rules grammar: one rule a line, parsed by recursive descent (never evaluated as code).
//
//   rule       := metric comparator expression [ ":" ( "warn" | "error" ) ]
//   comparator := ">=" | ">" | "<=" | "<" | "==" | "!="
//   expression := term { ( "+" | "-" ) term }
//   term       := unary { ( "*" | "/" ) unary }
//   unary      := ( "-" | "+" ) unary | primary
//   primary    := number | metric | "baseline" [ "." metric ] | "(" expression ")"
//   metric     := bare-name | "quoted name"
//
// The left side is one candidate metric: the metric the rule gates, whose direction a `>=`/`>` (higher
// is better) or `<=`/`<` (lower is better) implies. `baseline` alone is the baseline's value of that same
// metric; `baseline.<name>` (or `baseline."<name>"`) another baseline metric. Other names on the right
// are the candidate's metrics. Blank lines and `#` comments are ignored.
import { LineSyntaxError, describeToken, splitLines, syntaxErrorFor, tokenizeLine } from "./syntax.ts";
import type { SyntaxProblem, TextSource, Token } from "./syntax.ts";

export type Comparator = ">=" | ">" | "<=" | "<" | "==" | "!=";
export type Severity = "error" | "warn";
export type ArithmeticOperator = "+" | "-" | "*" | "/";
/** One precedence level each, lowest first. */
const ADDITIVE: readonly ArithmeticOperator[] = ["+", "-"];
const MULTIPLICATIVE: readonly ArithmeticOperator[] = ["*", "/"];

export type Expression =
  | { kind: "number"; value: number; text: string; column: number }
  | { kind: "metric"; name: string; column: number }
  | { kind: "baseline"; name: string; column: number }
  | { kind: "negate"; operand: Expression; column: number }
  | { kind: "binary"; operator: ArithmeticOperator; left: Expression; right: Expression; column: number };

export interface Rule {
  /** 1-based line in the rules text. */
  line: number;
  /** The rule as written, without its comment and surrounding whitespace. */
  text: string;
  /** The gated metric (left side). */
  metric: string;
  comparator: Comparator;
  threshold: Expression;
  severity: Severity;
  /** Whether the threshold reads the baseline (then it is skipped when there is no baseline). */
  usesBaseline: boolean;
}

const BASELINE = "baseline";

class RuleParser {
  private readonly tokens: Token[];
  private position = 0;
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.position] ?? { kind: "end", text: "", column: 1 };
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.position++;
    return token;
  }

  parseRule(): Omit<Rule, "line" | "text"> {
    const subject = this.next();
    if (subject.kind === "end") throw new LineSyntaxError(subject.column, "empty rule");
    if (subject.kind !== "name" && subject.kind !== "quoted") {
      throw new LineSyntaxError(
        subject.column,
        `a rule starts with the metric it gates, not ${describeToken(subject)}: e.g. accuracy >= 0.9`,
      );
    }
    if (subject.kind === "name" && (subject.text === BASELINE || subject.text.startsWith(`${BASELINE}.`))) {
      throw new LineSyntaxError(
        subject.column,
        `the left side is the candidate's metric, not the baseline: write e.g. ${subject.text === BASELINE ? "accuracy" : subject.text.slice(BASELINE.length + 1)} >= baseline - 0.01`,
      );
    }
    const comparator = this.next();
    if (comparator.kind !== "comparator") {
      const hint =
        comparator.kind === "operator"
          ? ": the left side is one metric name; put arithmetic on the right side"
          : comparator.kind === "end"
            ? `: add a comparison such as ${subject.text} >= 0.9`
            : "";
      throw new LineSyntaxError(
        comparator.column,
        `expected a comparator (>=, >, <=, <, ==, !=) after the metric, found ${describeToken(comparator)}${hint}`,
      );
    }
    const threshold = this.parseExpression();
    let severity: Severity = "error";
    const after = this.next();
    if (after.kind === "colon") {
      const word = this.next();
      if (word.kind !== "name" || (word.text !== "warn" && word.text !== "error")) {
        const hint = word.kind === "name" && /^warn/i.test(word.text) ? ' (write "warn")' : "";
        throw new LineSyntaxError(
          word.column,
          `expected the severity "warn" or "error" after ":", found ${describeToken(word)}${hint}`,
        );
      }
      severity = word.text;
      const end = this.next();
      if (end.kind !== "end")
        throw new LineSyntaxError(end.column, `unexpected ${describeToken(end)} after the severity`);
    } else if (after.kind !== "end") {
      const hint =
        after.kind === "comparator"
          ? ": a rule has one comparison (write two rules for a range)"
          : after.kind === "rparen"
            ? ': no "(" to match'
            : "";
      throw new LineSyntaxError(
        after.column,
        `unexpected ${describeToken(after)} after the threshold${hint}`,
      );
    }
    return {
      metric: subject.text,
      comparator: comparator.text as Comparator,
      threshold,
      severity,
      usesBaseline: readsBaseline(threshold),
    };
  }

  private parseExpression(): Expression {
    return this.parseLeftAssociative(ADDITIVE, () => this.parseTerm());
  }

  private parseTerm(): Expression {
    return this.parseLeftAssociative(MULTIPLICATIVE, () => this.parseUnary());
  }

  /** operand (operator operand)*, grouped from the left: a - b - c is (a - b) - c. */
  private parseLeftAssociative(
    operators: readonly ArithmeticOperator[],
    parseOperand: () => Expression,
  ): Expression {
    let left = parseOperand();
    for (;;) {
      const token = this.peek();
      const operator = operators.find((op) => token.kind === "operator" && token.text === op);
      if (operator === undefined) return left;
      this.next();
      const right = parseOperand();
      left = { kind: "binary", operator, left, right, column: token.column };
    }
  }

  private parseUnary(): Expression {
    const token = this.peek();
    if (token.kind === "operator" && (token.text === "-" || token.text === "+")) {
      this.next();
      const operand = this.parseUnary();
      return token.text === "-" ? { kind: "negate", operand, column: token.column } : operand;
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expression {
    const token = this.next();
    switch (token.kind) {
      case "number": {
        const value = Number(token.text);
        if (!Number.isFinite(value))
          throw new LineSyntaxError(token.column, `the number ${token.text} is too large`);
        return { kind: "number", value, text: token.text, column: token.column };
      }
      case "quoted":
        return { kind: "metric", name: token.text, column: token.column };
      case "name": {
        if (token.text === BASELINE) {
          if (this.peek().kind === "dot") {
            this.next();
            const name = this.next();
            if (name.kind !== "quoted" && name.kind !== "name") {
              throw new LineSyntaxError(
                name.column,
                `expected a metric name after "baseline.", found ${describeToken(name)}`,
              );
            }
            return { kind: "baseline", name: name.text, column: token.column };
          }
          return { kind: "baseline", name: "", column: token.column };
        }
        if (token.text.startsWith(`${BASELINE}.`)) {
          return { kind: "baseline", name: token.text.slice(BASELINE.length + 1), column: token.column };
        }
        if (/^(nan|inf|infinity)$/i.test(token.text)) {
          throw new LineSyntaxError(
            token.column,
            `${token.text} is not allowed in a threshold: thresholds are finite numbers (quote it if it is a metric's name)`,
          );
        }
        return { kind: "metric", name: token.text, column: token.column };
      }
      case "lparen": {
        const inner = this.parseExpression();
        const close = this.next();
        if (close.kind !== "rparen") {
          throw new LineSyntaxError(
            close.column,
            `expected ")" to close the "(" at column ${token.column}, found ${describeToken(close)}`,
          );
        }
        return inner;
      }
      default:
        throw new LineSyntaxError(
          token.column,
          `expected a number, metric name, baseline or "(", found ${describeToken(token)}`,
        );
    }
  }
}

function readsBaseline(expression: Expression): boolean {
  switch (expression.kind) {
    case "baseline":
      return true;
    case "negate":
      return readsBaseline(expression.operand);
    case "binary":
      return readsBaseline(expression.left) || readsBaseline(expression.right);
    default:
      return false;
  }
}

/** The rule's text without its comment. */
function ruleText(line: string, tokens: readonly Token[]): string {
  const end = tokens[tokens.length - 1];
  return line.slice(0, end === undefined ? line.length : end.column - 1).trim();
}

/**
 * Parses rules text. Throws one ConfigurationError listing every malformed line (line, column, caret)
 * with `location` set when `source.file` is given.
 */
export function parseRules(text: string, source: TextSource = { name: "input 'rules'" }): Rule[] {
  const lines = splitLines(text);
  const rules: Rule[] = [];
  const problems: SyntaxProblem[] = [];
  lines.forEach((lineText, index) => {
    const line = index + 1;
    try {
      const tokens = tokenizeLine(lineText);
      if (tokens.length === 1) return; // blank or comment only
      const parsed = new RuleParser(tokens).parseRule();
      rules.push({ line, text: ruleText(lineText, tokens), ...parsed });
    } catch (error) {
      if (!(error instanceof LineSyntaxError)) throw error;
      problems.push({ line, column: error.column, message: error.message });
    }
  });
  if (problems.length > 0) throw syntaxErrorFor(source, lines, problems, "rules");
  return rules;
}

/** Every metric an expression reads, split into candidate and baseline references (`""` = the subject). */
export function referencedMetrics(
  expression: Expression,
  into: { candidate: string[]; baseline: string[] } = { candidate: [], baseline: [] },
): { candidate: string[]; baseline: string[] } {
  switch (expression.kind) {
    case "metric":
      into.candidate.push(expression.name);
      break;
    case "baseline":
      into.baseline.push(expression.name);
      break;
    case "negate":
      referencedMetrics(expression.operand, into);
      break;
    case "binary":
      referencedMetrics(expression.left, into);
      referencedMetrics(expression.right, into);
      break;
    case "number":
      break;
  }
  return into;
}
