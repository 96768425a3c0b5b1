// YAML files (metrics, params) parsed with errors that carry the file, line and column.
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { ConfigurationError } from "../lib/errors.ts";

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
    const problem = first.message.split("\n")[0] ?? first.message;
    throw new ConfigurationError(
      `${file}${at}: not valid YAML: ${problem}. Fix the file so it is ${expected}.`,
      {
        file,
        line: pos?.line,
        column: pos?.col,
      },
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 1000 });
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
