// Every action.yml and workflow file we ship, validated offline with GitHub's own parser and schemas.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseActionFile,
  parseWorkflowFile,
  parseWorkflowText,
} from "../../../testing/rig/workflow/index.ts";
import { actionFiles, root, workflowFiles } from "./shipped-files.ts";

describe.each(actionFiles)("%s", (file) => {
  it("is a valid action per @actions/workflow-parser", async () => {
    const parsed = await parseActionFile(join(root, file));
    expect(parsed.errors).toEqual([]);
  });
});

describe.each(workflowFiles)("%s", (file) => {
  it("is a valid workflow per @actions/workflow-parser", async () => {
    const parsed = await parseWorkflowFile(join(root, file));
    expect(parsed.errors).toEqual([]);
    expect(parsed.document?.jobs).toBeTypeOf("object");
  });
});

describe("the parser adapter", () => {
  it("reports schema errors with their line", async () => {
    const parsed = await parseWorkflowText(
      "bad.yml",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [run: echo]\n  b:\n    runs-on: x\n    needs: nope\n    steps:\n      - run: echo\n",
    );
    expect(parsed.errors.join("\n")).toMatch(/bad\.yml \(Line: 8.*depends on unknown job 'nope'/);
    const schema = await parseWorkflowText(
      "bad.yml",
      "on: push\njobs:\n  a:\n    runs-on: x\n    stepz: []\n",
    );
    expect(schema.errors.join("\n")).toMatch(/Line: 5.*stepz/);
  });

  it("keeps with:, shell: and working-directory:, and block scalars with expressions as YAML reads them", async () => {
    const parsed = await parseWorkflowText(
      "w.yml",
      [
        "on: push",
        "jobs:",
        "  a:",
        "    runs-on: x",
        "    steps:",
        "      - uses: $/actions/train-model",
        "        with: { command: 'x ${{ github.sha }}', model-path: m }",
        "      - shell: bash",
        "        working-directory: sub",
        "        run: |",
        "          echo ${{ github.sha }}",
        "          echo two",
        "",
      ].join("\n"),
    );
    expect(parsed.errors).toEqual([]);
    const steps = (parsed.document?.jobs as { a: { steps: Record<string, unknown>[] } }).a.steps;
    expect(steps[0]?.with).toEqual({ command: "x ${{ github.sha }}", "model-path": "m" });
    expect(steps[1]).toMatchObject({ shell: "bash", "working-directory": "sub" });
    expect(steps[1]?.run).toBe("echo ${{ github.sha }}\necho two\n");
  });
});

describe("starter templates", () => {
  const templates = workflowFiles.filter((file) => file.startsWith("workflows-templates/"));

  it("are the three flows", () => {
    expect(templates.map((file) => file.split("/").pop()).sort()).toEqual([
      "ml-pr-comment.yml",
      "ml-pr.yml",
      "ml-retrain.yml",
    ]);
  });

  it.each(templates)("%s has a .properties.json with a name, description and categories", (file) => {
    const properties = join(root, file.replace(/\.ya?ml$/, ".properties.json"));
    expect(existsSync(properties)).toBe(true);
    const json = JSON.parse(readFileSync(properties, "utf8")) as Record<string, unknown>;
    expect(json.name).toBeTypeOf("string");
    expect(String(json.description).length).toBeGreaterThan(30);
    expect(Array.isArray(json.categories)).toBe(true);
  });

  it.each(templates)("%s uses our actions as <owner>/mlops-actions/actions/<name>@v1", (file) => {
    const text = readFileSync(join(root, file), "utf8");
    const ours = [...text.matchAll(/^\s*(?:- )?uses:\s*(\S+)/gm)]
      .map((m) => m[1] ?? "")
      .filter((u) => !u.startsWith("actions/"));
    expect(ours.length).toBeGreaterThan(0);
    for (const uses of ours) expect(uses).toMatch(/^mlops-actions\/mlops-actions\/actions\/[\w-]+@v1$/);
  });
});

describe("reusable workflows", () => {
  const reusable = workflowFiles.filter((file) => /\/reusable-[^/]+\.yml$/.test(file));

  it("exist for the three flows, directly in .github/workflows", () => {
    expect(reusable.map((file) => file.split("/").pop()).sort()).toEqual([
      "reusable-ml-pr-comment.yml",
      "reusable-ml-pr.yml",
      "reusable-ml-retrain.yml",
    ]);
  });

  it.each(reusable)("%s runs on workflow_call only and uses our actions through $/", async (file) => {
    const parsed = await parseWorkflowFile(join(root, file));
    expect(Object.keys(parsed.document?.on as object)).toEqual(["workflow_call"]);
    const text = readFileSync(join(root, file), "utf8");
    const ours = [...text.matchAll(/^\s*(?:- )?uses:\s*(\S+)/gm)]
      .map((m) => m[1] ?? "")
      .filter((u) => !u.startsWith("actions/"));
    for (const uses of ours) expect(uses).toMatch(/^\$\/actions\/[\w-]+$/);
  });
});
