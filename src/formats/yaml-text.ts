// YAML files (metrics, params) parsed with errors that carry the file, line and column.
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { ConfigurationError } from "./errors.ts";
import { MAX_NESTING, tooDeepProblem } from "./json-text.ts";

/** Values YAML aliases may expand to (yaml's maxAliasCount): more is an "alias bomb" (billion laughs). */
const MAX_ALIAS_COUNT = 1000;

/** The depth of the deepest mapping or list in a parsed value, counted without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== "object" || item === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export interface ParsedYaml {
  value: unknown;
  /** The line of the value at a path of keys, when it can be found. */
  lineOf: (path: readonly string[]) => number | undefined;
}

export function parseYamlText(text: string, file: string, expected: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema: `yes`/`no` stay strings, `.nan`/`.inf` are numbers. `merge` allows `<<:` keys.
  const doc: Document = parseDocument(text, {
    lineCounter,
    merge: true,
    prettyErrors: true,
    uniqueKeys: true,
  });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    const at = pos ? `:${pos.line}:${pos.col}` : "";
    const message = first.message.split("\n")[0] ?? first.message;
    // The parser itself recurses: a document nested thousands deep overflows its stack.
    const problem = /Maximum call stack size exceeded/.test(message) ? tooDeepProblem() : message;
    throw new ConfigurationError(
      `${file}${at}: not valid YAML: ${problem}. Fix the file so it is ${expected}.`,
      {
        file,
        line: pos?.line,
        column: pos?.col,
      },
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError for too many aliases and overflows on deep nesting.
    const message = error instanceof Error ? error.message : String(error);
    const problem = /alias count/i.test(message)
      ? `its aliases (*name) expand to more than ${MAX_ALIAS_COUNT} values, which looks like an "alias bomb" (billion laughs). Write the values out, or use fewer aliases`
      : /Maximum call stack size exceeded/.test(message)
        ? tooDeepProblem()
        : undefined;
    if (problem === undefined) throw error;
    throw new ConfigurationError(`${file}: cannot read the YAML: ${problem}. Fix it so it is ${expected}.`, {
      file,
    });
  }
  if (nestingDepth(value) > MAX_NESTING) {
    throw new ConfigurationError(
      `${file}: cannot read the YAML: ${tooDeepProblem()}. Fix it so it is ${expected}.`,
      { file },
    );
  }
  return {
    value,
    lineOf: (path) => {
      // Keys may be numbers in YAML (`3: {f1: 0.9}`) while our paths hold strings: try both.
      let node: unknown = doc.contents;
      for (const key of path) {
        if (!isNode(node) || !("get" in node) || typeof node.get !== "function") return undefined;
        const get = node.get.bind(node) as (key: unknown, keepScalar: boolean) => unknown;
        const asNumber = Number(key);
        node = get(key, true) ?? (Number.isFinite(asNumber) ? get(asNumber, true) : undefined);
      }
      if (!isNode(node) || node.range === undefined || node.range === null) return undefined;
      return lineCounter.linePos(node.range[0]).line;
    },
  };
}
