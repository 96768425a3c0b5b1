// Evaluates `${{ }}` in action.yml defaults and post-if conditions with GitHub's own expression library.
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { truthy } from "@actions/expressions/result";

export type StepStatus = "success" | "failure" | "cancelled";

/** Plain JSON-like values for each context: github, runner, env, inputs, job, steps, secrets, vars… */
export type ExpressionContexts = Record<string, unknown>;

function statusFunctions(status: StepStatus): Map<string, FunctionDefinition> {
  const fixed = (name: string, value: boolean): [string, FunctionDefinition] => [
    name,
    { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) },
  ];
  return new Map([
    fixed("always", true),
    fixed("success", status === "success"),
    fixed("failure", status === "failure"),
    fixed("cancelled", status === "cancelled"),
  ]);
}

function evaluate(source: string, contexts: ExpressionContexts, status: StepStatus): data.ExpressionData {
  const functions = statusFunctions(status);
  const { tokens } = new Lexer(source).lex();
  const expression = new Parser(tokens, Object.keys(contexts), [...functions.values()]).parse();
  const context = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  return new Evaluator(expression, context, functions).evaluate();
}

/**
 * Expand a string that may hold `${{ expr }}` parts (an input default such as `${{ runner.temp }}/models`):
 * literal text is kept, each expression is evaluated and converted to a string.
 */
export function evaluateTemplate(template: string, contexts: ExpressionContexts): string {
  let result = "";
  let index = 0;
  for (;;) {
    const start = template.indexOf("${{", index);
    if (start < 0) return result + template.slice(index);
    const end = closingBraces(template, start + 3);
    if (end < 0) throw new Error(`Unclosed expression in ${JSON.stringify(template)}: a '\${{' has no '}}'.`);
    result += template.slice(index, start);
    const value = evaluate(template.slice(start + 3, end).trim(), contexts, "success");
    result += value.kind === data.Kind.Null ? "" : value.coerceString();
    index = end + 2;
  }
}

/**
 * Evaluate an `if:`-style condition (post-if). As in the runner, a condition that calls no status function
 * means `success() && (condition)`.
 */
export function evaluateCondition(
  condition: string,
  contexts: ExpressionContexts,
  status: StepStatus,
): boolean {
  let source = condition.trim();
  if (source.startsWith("${{") && source.endsWith("}}")) source = source.slice(3, -2).trim();
  if (!/\b(?:always|success|failure|cancelled)\s*\(/i.test(source)) source = `success() && (${source})`;
  return truthy(evaluate(source, contexts, status));
}

/** Index of the `}}` closing an expression that starts at `from`, skipping '…' string literals. */
function closingBraces(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "'") {
        if (text[i + 1] === "'") i++;
        else inString = false;
      }
    } else if (char === "'") {
      inString = true;
    } else if (char === "}" && text[i + 1] === "}") {
      return i;
    }
  }
  return -1;
}
