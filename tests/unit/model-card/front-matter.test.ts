// The model card's front matter, parsed back with `yaml` and checked against the Hugging Face Hub's
// documented model card metadata (schemas/huggingface/, written from hub-docs' modelcard.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderModelCard } from "../../../src/model-card/model-card.ts";
import { publishableRecord } from "../../../testing/fixtures/publishable-record.ts";

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../../schemas/huggingface/model-index.schema.json"), "utf8"),
) as object;
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

function frontMatter(card: string): Record<string, unknown> {
  const match = /^---\n([\s\S]*?)\n---\n\n/.exec(card);
  if (!match) throw new Error(`no front matter in:\n${card.slice(0, 200)}`);
  return parse(match[1] ?? "") as Record<string, unknown>;
}

describe("model card front matter", () => {
  const record = publishableRecord();

  it("carries a model-index the Hub's schema accepts: task, dataset with the data digest, every metric", () => {
    const card = renderModelCard({ record, version: "v3" });
    const meta = frontMatter(card);
    expect(validate(meta), JSON.stringify(validate.errors)).toBe(true);
    expect(meta).toEqual({
      tags: ["mlops-actions"],
      "model-index": [
        {
          name: "churn",
          results: [
            {
              task: { type: "other" },
              dataset: { type: "data/train.csv", name: "data/train.csv", revision: "c".repeat(64) },
              metrics: [
                { type: "accuracy", value: 0.91, name: "accuracy" },
                { type: "per_class.1.f1", value: 0.8, name: "per_class.1.f1" },
                { type: "seeds", value: 0.91, name: "seeds" },
              ],
            },
          ],
        },
      ],
    });
  });

  it("keeps the template's own front matter: pipeline_tag names the task, datasets[0] the dataset", () => {
    const template = [
      "---",
      "license: apache-2.0",
      "pipeline_tag: tabular-classification",
      "datasets: [acme/churn-2026]",
      "tags: [churn]",
      "model-index: [{name: ignored}]",
      "---",
      "For churn scoring of {{name}} {{version}} only.",
    ].join("\n");
    const card = renderModelCard({ record, version: "v3", template });
    const meta = frontMatter(card);
    expect(validate(meta), JSON.stringify(validate.errors)).toBe(true);
    expect(meta).toMatchObject({
      license: "apache-2.0",
      pipeline_tag: "tabular-classification",
      tags: ["churn", "mlops-actions"],
    });
    const [entry] = meta["model-index"] as { name: string; results: { task: unknown; dataset: unknown }[] }[];
    expect(entry?.name).toBe("churn");
    expect(entry?.results[0]?.task).toEqual({ type: "tabular-classification" });
    expect(entry?.results[0]?.dataset).toMatchObject({ type: "acme/churn-2026", name: "data/train.csv" });
    // The template's front matter is not repeated in the body.
    expect(card.match(/^---$/gm)).toHaveLength(2);
    expect(card).toContain("## Intended use and limitations\n\nFor churn scoring of churn v3 only.");
  });

  it("quotes metric names YAML would misread, and the schema check fails on a broken model-index", () => {
    const odd = publishableRecord({ metrics: { "a: b": 1, "#x": 2, "- y": 3, "<img src=x>@octocat": 4 } });
    const card = renderModelCard({ record: odd });
    // Inert as markdown (the release body renders it), exact as YAML.
    expect(card).not.toMatch(/<img|@octocat/);
    const meta = frontMatter(card);
    const metrics = (meta["model-index"] as { results: { metrics: { type: string }[] }[] }[])[0]?.results[0]
      ?.metrics;
    expect(metrics?.map((m) => m.type)).toEqual(["#x", "- y", "<img src=x>@octocat", "a: b"]);
    const broken = { "model-index": [{ name: "m", results: [{ task: {}, dataset: {}, metrics: [] }] }] };
    expect(validate(broken)).toBe(false);
  });

  it("refuses a template whose front matter is not a YAML mapping, saying so", () => {
    expect(() => renderModelCard({ record, template: "---\n[unclosed\n---\nbody" })).toThrow(
      /front matter is not YAML/,
    );
    expect(() => renderModelCard({ record, template: "---\n- a list\n---\nbody" })).toThrow(
      /not a YAML mapping/,
    );
  });
});
