// The expression context of a workflow run and the evaluation of `${{ }}` and `if:` with GitHub's
// @actions/expressions. Status functions follow the runner: at job level they look at the needed jobs,
// at step level at the job's steps so far.
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { truthy } from "@actions/expressions/result";
import { evaluateTemplate } from "../expressions.ts";

/** github, env, inputs, steps, needs, job, runner, secrets, vars, matrix, strategy: plain JSON values. */
export type Contexts = Record<string, unknown>;

/** What success(), failure() and cancelled() answer where a condition is evaluated. */
export interface Status {
  success: boolean;
  failure: boolean;
  cancelled: boolean;
}

/** A scalar from the workflow file as text; anything else (a mapping where a scalar belongs) as JSON. */
export function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export const succeeded: Status = { success: true, failure: false, cancelled: false };

function statusFunctions(status: Status): FunctionDefinition[] {
  const fixed = (name: string, value: boolean): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value),
  });
  return [
    fixed("always", true),
    fixed("success", status.success),
    fixed("failure", status.failure),
    fixed("cancelled", status.cancelled),
  ];
}

/**
 * An `if:` condition. As on the runner, `${{ }}` around it is optional and a condition that calls no
 * status function means `success() && (condition)`; an empty one is `success()`.
 */
export function evaluateIf(condition: unknown, contexts: Contexts, status: Status): boolean {
  let source = text(condition).trim();
  if (source.startsWith("${{") && source.endsWith("}}")) source = source.slice(3, -2).trim();
  if (source === "") source = "success()";
  else if (!/\b(?:always|success|failure|cancelled)\s*\(/i.test(source)) source = `success() && (${source})`;
  const functions = statusFunctions(status);
  const { tokens } = new Lexer(source).lex();
  const expression = new Parser(tokens, Object.keys(contexts), functions).parse();
  const context = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  return truthy(new Evaluator(expression, context, new Map(functions.map((f) => [f.name, f]))).evaluate());
}

/** A value from the workflow file with its `${{ }}` parts evaluated; non-strings become strings as in `with:`. */
export function expand(value: unknown, contexts: Contexts): string {
  if (typeof value !== "string") return text(value);
  return evaluateTemplate(value, contexts);
}

/** Each value of a mapping (`with:`, `env:`, `outputs:`) expanded. */
export function expandMapping(mapping: unknown, contexts: Contexts): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof mapping !== "object" || mapping === null) return result;
  for (const [key, value] of Object.entries(mapping)) result[key] = expand(value, contexts);
  return result;
}
