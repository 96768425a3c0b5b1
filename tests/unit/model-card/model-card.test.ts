import { describe, expect, it } from "vitest";
import { renderModelCard } from "../../../src/model-card/model-card.ts";
import { publishableRecord } from "../../../testing/fixtures/publishable-record.ts";

describe("renderModelCard", () => {
  const record = publishableRecord();

  it("renders metrics, params, data and code lineage, environment and files from the run record", () => {
    const card = renderModelCard({ record, version: "v3", uri: "oci://ghcr.io/acme/churn/churn:v3" });
    expect(card).toMatch(/^---\n[\s\S]*?\n---\n\n# churn v3\n/);
    expect(card).toContain(
      "[run 4242 (attempt 1)](https://github.com/acme/churn/actions/runs/4242/attempts/1)",
    );
    expect(card).toContain(
      "[0123456789ab](https://github.com/acme/churn/commit/0123456789abcdef0123456789abcdef01234567)",
    );
    expect(card).toContain("- Published at: `oci://ghcr.io/acme/churn/churn:v3`");
    expect(card).toContain("| accuracy | 0.91 |");
    expect(card).toContain("| seeds | 0.91 (mean of 2: 0.9, 0.92) |");
    expect(card).toContain("| max\\_depth | 5 |");
    expect(card).toContain(`Data digest: \`${"c".repeat(64)}\` (1 files, 1000 B).`);
    expect(card).toContain("| data/train.csv | 1 | 1000 B |");
    expect(card).toContain("- Python: Python 3.11.2");
    expect(card).toContain("| sub/vocab.txt | 5 B |");
    expect(card).toContain("No gate verdict was required");
    expect(card).toContain("## Intended use and limitations\n\nNot documented. Add a `model-card` template");
  });

  it("is deterministic: the same input renders the same bytes", () => {
    expect(renderModelCard({ record, version: "v3" })).toBe(renderModelCard({ record, version: "v3" }));
  });

  it("shows the gate's verdict and baseline", () => {
    const card = renderModelCard({
      record,
      gate: { verdict: "warn", source: "gate record of run 42", baseline: "main @ 1a2b3c4" },
    });
    expect(card).toContain("Verdict: **warn** (gate record of run 42).\nBaseline: main @ 1a2b3c4.");
  });

  it("takes intended use from the template, filling placeholders; a template with headings stands as written", () => {
    const plain = renderModelCard({
      record,
      version: "v3",
      template: "Scores churn risk for {{ name }} {{version}}. {{unknown}} stays.\n",
    });
    expect(plain).toContain(
      "## Intended use and limitations\n\nScores churn risk for churn v3. {{unknown}} stays.",
    );
    const own = renderModelCard({
      record,
      template: "## Intended use\n\nRetention offers.\n\n## Out of scope\n\nCredit decisions.\n",
    });
    expect(own).toContain("## Intended use\n\nRetention offers.\n\n## Out of scope\n\nCredit decisions.\n");
    expect(own).not.toContain("## Intended use and limitations");
  });

  it("escapes user-controlled text from the record", () => {
    const hostile = publishableRecord({
      metrics: { "a|b<img src=x>": 1 },
      params: { "@octocat": "#1" },
    });
    const card = renderModelCard({ record: hostile });
    expect(card).toContain("| a\\|b&lt;img src=x&gt; | 1 |");
    expect(card).not.toContain("<img");
    expect(card).not.toMatch(/@octocat/);
  });
});
