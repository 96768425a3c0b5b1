// Parser adapter: GitHub's own @actions/workflow-parser validates workflow and action files, and its raw
// token tree (not the converted model, which drops `with:`, `shell:` and `working-directory:`) becomes the
// plain objects the runner executes. Expressions stay as their `${{ }}` source text, evaluated at run time.
//
// The package imports its JSON schemas without an import attribute, which plain Node (and so Vitest, which
// leaves node_modules to Node) refuses; it is bundled once with esbuild into a cached module instead.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import type { TraceWriter } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import type { TemplateParseResult } from "@actions/workflow-parser/templates/template-parse-result";

const projectRoot = resolve(import.meta.dirname, "../../..");

interface ParserModule {
  parseWorkflow(file: { name: string; content: string }, trace: TraceWriter): TemplateParseResult;
  parseAction(file: { name: string; content: string }, trace: TraceWriter): TemplateParseResult;
  convertWorkflowTemplate(
    context: TemplateParseResult["context"],
    root: TemplateToken,
  ): Promise<{ errors?: { Message: string }[] }>;
  NoOperationTraceWriter: new () => TraceWriter;
  isMapping: (t: TemplateToken) => boolean;
  isSequence: (t: TemplateToken) => boolean;
  isLiteral: (t: TemplateToken) => boolean;
  isBasicExpression: (t: TemplateToken) => boolean;
}

let loading: Promise<ParserModule> | undefined;

/** The bundled @actions/workflow-parser (built on first use, cached by package version). */
export function loadParser(): Promise<ParserModule> {
  loading ??= bundleParser();
  return loading;
}

async function bundleParser(): Promise<ParserModule> {
  const packageDir = join(projectRoot, "node_modules", "@actions", "workflow-parser");
  const version = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string })
    .version;
  const entry = [
    'export { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter, isMapping, isSequence, isLiteral, isBasicExpression } from "@actions/workflow-parser";',
    'export { parseAction } from "@actions/workflow-parser/actions/action-parser";',
  ].join("\n");
  const key = createHash("sha256").update(version).update(entry).digest("hex").slice(0, 12);
  const cacheDir = join(tmpdir(), "mlops-rig-cache");
  const bundle = join(cacheDir, `workflow-parser-${key}.mjs`);
  if (!existsSync(bundle)) {
    mkdirSync(cacheDir, { recursive: true });
    const { build } = await import("esbuild");
    // Written under a unique name and renamed: test workers may bundle at the same time.
    const partial = `${bundle}.${String(process.pid)}.tmp.mjs`;
    await build({
      stdin: { contents: entry, resolveDir: projectRoot, loader: "js" },
      bundle: true,
      format: "esm",
      platform: "node",
      outfile: partial,
      logLevel: "silent",
    });
    renameSync(partial, bundle);
  }
  return (await import(pathToFileURL(bundle).href)) as ParserModule;
}

export interface ParsedFile {
  /** The document as plain values; expressions as their `${{ }}` source. Undefined when it did not parse. */
  document: Record<string, unknown> | undefined;
  /** Schema and conversion errors, as "file (Line: n, Col: m): message". */
  errors: string[];
}

/** Validate a workflow file with GitHub's schema (and the converter's checks: needs, cycles, …). */
export async function parseWorkflowText(name: string, content: string): Promise<ParsedFile> {
  const parser = await loadParser();
  const result = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((error) => error.message);
  if (result.value !== undefined && errors.length === 0) {
    const converted = await parser.convertWorkflowTemplate(result.context, result.value);
    errors.push(...(converted.errors ?? []).map((error) => error.Message));
  }
  return { document: plainDocument(parser, result.value), errors };
}

/** Validate an action metadata file with GitHub's action schema. */
export async function parseActionText(name: string, content: string): Promise<ParsedFile> {
  const parser = await loadParser();
  const result = parser.parseAction({ name, content }, new parser.NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((error) => error.message);
  return { document: plainDocument(parser, result.value), errors };
}

export async function parseWorkflowFile(path: string): Promise<ParsedFile> {
  return parseWorkflowText(path, readFileSync(path, "utf8"));
}

export async function parseActionFile(path: string): Promise<ParsedFile> {
  return parseActionText(path, readFileSync(path, "utf8"));
}

function plainDocument(
  parser: ParserModule,
  token: TemplateToken | undefined,
): Record<string, unknown> | undefined {
  if (token === undefined) return undefined;
  const value = toPlain(parser, token);
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Token tree → plain values. Scalars keep their types (the runner reads `true`, `5` as written). */
function toPlain(parser: ParserModule, token: TemplateToken): unknown {
  if (parser.isMapping(token)) {
    const result: Record<string, unknown> = {};
    for (const pair of token as unknown as Iterable<{ key: TemplateToken; value: TemplateToken }>) {
      result[String(toPlain(parser, pair.key))] = toPlain(parser, pair.value);
    }
    return result;
  }
  if (parser.isSequence(token)) {
    return [...(token as unknown as Iterable<TemplateToken>)].map((item) => toPlain(parser, item));
  }
  if (parser.isBasicExpression(token)) {
    const expression = token as unknown as {
      source?: string;
      expression: string;
      blockScalarHeader?: string;
    };
    if (expression.source === undefined) return `\${{ ${expression.expression} }}`;
    // A block scalar's source is the raw text, indentation included: let YAML apply the block's rules.
    if (expression.blockScalarHeader !== undefined) {
      return (parseYaml(`value: ${expression.blockScalarHeader}\n${expression.source}`) as { value: string })
        .value;
    }
    return expression.source;
  }
  if (parser.isLiteral(token)) {
    const literal = token as unknown as { value?: unknown };
    return literal.value ?? null;
  }
  return (token as unknown as { toDisplayString(): string }).toDisplayString();
}
