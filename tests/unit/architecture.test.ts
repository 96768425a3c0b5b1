// The layering of src/ (docs/architecture.md), kept by a check rather than by habit. eslint's
// import-x/no-cycle catches cycles between files; this catches what it cannot: cycles between folders,
// and arrows that point the wrong way (a domain folder reaching for @actions/*, src/lib or src/actions).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
/** Folders that are not domain folders: the entries, the plumbing over @actions/*, the ground floor. */
const ACTIONS = "actions";
const LIB = "lib";
const FORMATS = "formats";

interface Import {
  file: string;
  specifier: string;
  /** The src/ folder the import lands in ("actions/<name>" for an action), or undefined for a package. */
  folder: string | undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** True when the text, once comments are gone, is nothing but `export … from` statements. */
function onlyReExports(text: string): boolean {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const rest = code.replace(/export\s+(?:type\s+)?(?:\*|\{[^}]*\})\s+from\s+["'][^"']+["'];?/g, "");
  return code.trim() !== "" && rest.trim() === "";
}

/** "src/actions/train-model/x.ts" -> "actions/train-model"; "src/verdict/x.ts" -> "verdict". */
function folderOf(path: string): string {
  const parts = relative(SRC, path).split(sep);
  return parts[0] === ACTIONS ? `${ACTIONS}/${parts[1] ?? ""}` : (parts[0] ?? "");
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(SPECIFIER)].map(([, specifier = ""]) => ({
    file: relative(SRC, file),
    specifier,
    folder: specifier.startsWith(".") ? folderOf(resolve(dirname(file), specifier)) : undefined,
  }));
}

/** Folder -> the other folders it imports. */
function folderGraph(imports: readonly Import[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { file, folder } of imports) {
    const from = folderOf(join(SRC, file));
    const targets = graph.get(from) ?? new Set<string>();
    graph.set(from, targets);
    if (folder !== undefined && folder !== from) targets.add(folder);
  }
  return graph;
}

/** Every cycle as a path a → b → … → a (depth-first search; each cycle reported once per entry). */
function findCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      cycles.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node, []);
  return cycles;
}

const imports = sourceFiles(SRC).flatMap(importsOf);
const isDomain = (folder: string): boolean =>
  folder !== LIB && folder !== FORMATS && !folder.startsWith(`${ACTIONS}/`);
const from = (folder: string): Import[] => imports.filter((i) => folderOf(join(SRC, i.file)) === folder);
const describeImport = (i: Import): string => `${i.file} imports ${i.specifier}`;

describe("src/ layering", () => {
  it("finds the imports it checks (a check over nothing cannot fail)", () => {
    expect(imports.length).toBeGreaterThan(100);
    expect(folderGraph(imports).get(`${ACTIONS}/train-model`)).toContain(LIB);
  });

  it("finds a folder cycle when there is one", () => {
    const graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
      ["d", new Set(["a"])],
    ]);
    expect(findCycles(graph)).toEqual([["a", "b", "c", "a"]]);
    expect(findCycles(new Map([["a", new Set(["b"])]]))).toEqual([]);
  });

  it("has no cycle between folders", () => {
    expect(findCycles(folderGraph(imports)).map((cycle) => cycle.join(" -> "))).toEqual([]);
  });

  it("keeps domain folders free of @actions/*, src/lib and src/actions", () => {
    const wrong = imports.filter((i) => {
      if (!isDomain(folderOf(join(SRC, i.file)))) return false;
      if (i.folder === undefined) return i.specifier.startsWith("@actions/");
      return i.folder === LIB || i.folder.startsWith(`${ACTIONS}/`);
    });
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("keeps src/formats on the ground floor: no other src/ folder, no @actions/*", () => {
    const wrong = from(FORMATS).filter((i) =>
      i.folder === undefined ? i.specifier.startsWith("@actions/") : i.folder !== FORMATS,
    );
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("keeps src/lib plumbing: it imports src/formats and packages, no domain folder or action", () => {
    const wrong = from(LIB).filter((i) => i.folder !== undefined && i.folder !== LIB && i.folder !== FORMATS);
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("has no barrels: an index.ts outside src/actions defines something, it does not only re-export", () => {
    const barrels = sourceFiles(SRC)
      .filter(
        (file) => file.endsWith(`${sep}index.ts`) && !relative(SRC, file).startsWith(`${ACTIONS}${sep}`),
      )
      .filter((file) => onlyReExports(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file));
    expect(barrels).toEqual([]);
  });

  it("tells a barrel from a module that defines something", () => {
    expect(onlyReExports('// a\nexport * from "./a.ts";\nexport { b, type C } from "./b.ts";\n')).toBe(true);
    expect(onlyReExports('import { b } from "./b.ts";\nexport const TABLE = { b };\n')).toBe(false);
  });

  it("lets no action import another action", () => {
    const wrong = imports.filter((i) => {
      const own = folderOf(join(SRC, i.file));
      return own.startsWith(`${ACTIONS}/`) && i.folder?.startsWith(`${ACTIONS}/`) && i.folder !== own;
    });
    expect(wrong.map(describeImport)).toEqual([]);
  });
});

const ROOT = resolve(SRC, "..");
/** The top-level tree a repository path lies in ("tests", "testing", "bench", "scripts", "src", …). */
const treeOf = (path: string): string => relative(ROOT, path).split(sep)[0] ?? "";

function treeFiles(tree: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" ? [] : walk(path);
      return /\.(?:ts|mjs)$/.test(entry.name) ? [path] : [];
    });
  return walk(join(ROOT, tree));
}

/** "file imports specifier" for each relative import of `tree`'s files that lands in one of `forbidden`. */
function crossings(tree: string, forbidden: readonly string[]): string[] {
  return treeFiles(tree).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(SPECIFIER)]
      .map(([, specifier = ""]) => specifier)
      .filter((s) => s.startsWith(".") && forbidden.includes(treeOf(resolve(dirname(file), s))))
      .map((s) => `${relative(ROOT, file)} imports ${s}`),
  );
}

describe("the trees beside src/", () => {
  it("finds the imports it checks", () => {
    expect(crossings("bench", ["testing"]).length).toBeGreaterThan(0);
    expect(crossings("tests", ["testing"]).length).toBeGreaterThan(10);
  });

  it("keeps what bench/, scripts/ and the tests share in testing/, which never imports tests/", () => {
    const wrong = ["bench", "scripts", "testing"].flatMap((tree) => crossings(tree, ["tests"]));
    expect(wrong).toEqual([]);
  });

  it("keeps src/ free of tests, testing, bench and scripts", () => {
    expect(crossings("src", ["tests", "testing", "bench", "scripts"])).toEqual([]);
  });
});
