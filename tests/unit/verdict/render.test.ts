import { describe, expect, it } from "vitest";
import { evaluateGate } from "../../../src/verdict/evaluate.ts";
import type { CandidateInput } from "../../../src/verdict/evaluate.ts";
import { commentMarker, escapeText, mermaidLabel, safeUrl } from "../../../src/formats/markdown.ts";
import {
  COMMENT_MAX_CHARS,
  FULL_REPORT_MAX_BYTES,
  renderComment,
  renderFullReport,
} from "../../../src/verdict/render.ts";
import { runRecord } from "./fixtures.ts";

/** Cells of a markdown table row: split on pipes that are not backslash-escaped. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, "")
    .replace(/(?<!\\)\|$/, "")
    .split(/(?<!\\)\|/);
}

/** Every table in the text: consecutive lines starting with "|". */
function tables(markdown: string): string[][] {
  const found: string[][] = [];
  let current: string[] = [];
  for (const line of markdown.split("\n")) {
    if (line.startsWith("|")) current.push(line);
    else if (current.length > 0) {
      found.push(current);
      current = [];
    }
  }
  if (current.length > 0) found.push(current);
  return found;
}

function expectWellFormedTables(markdown: string): void {
  const all = tables(markdown);
  expect(all.length).toBeGreaterThan(0);
  for (const table of all) {
    const width = cells(table[0] ?? "").length;
    for (const row of table) expect(cells(row), row).toHaveLength(width);
  }
}

function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? "");
}

const HOSTILE = [
  "<img src=x onerror=alert(1)>",
  "a|b|c",
  "back`tick`s",
  "line\nbreak\r\nand\u2028more",
  "closes --> the marker",
  "@octocat and @org/team",
  "[click](javascript:alert(1))",
  "**bold** _it_ ~~gone~~ $x$ #123",
  '"; x-axis ["pwn"] %%{init: {}}%% ```',
  "see https://evil.example/x, HTTP://EVIL.example and www.evil.example",
  "GH-45 gh-46 owner/repo#47 mailto:a@evil.example",
  "txt.\u202Eexe\u202a\u202b\u202c\u202d \u2066iso\u2067\u2068\u2069 \u200emarks\u200f",
];

describe("escaping", () => {
  const metrics: Record<string, number> = {};
  HOSTILE.forEach((name, i) => (metrics[name] = 0.5 + i / 100));
  const rules = HOSTILE.map((name) => `${JSON.stringify(name.replace(/[\r\n\u2028]/g, " "))} >= 0.9`).join(
    "\n",
  );
  const hostileMetrics: Record<string, number> = {};
  HOSTILE.forEach((name, i) => (hostileMetrics[name.replace(/[\r\n\u2028]/g, " ")] = 0.5 + i / 100));
  const record = runRecord({
    name: "model <img src=x onerror=alert(1)> @admin",
    ref: "refs/heads/evil|branch`@octocat-->\n<script>-www.evil.example-GH-9\u202E",
    params: {
      "<b>key|": "value\n| injected | row |",
      "@someone": "<img src=y>",
      link: "https://evil.example/param",
      nested: { "-->": "`code`" },
    },
  });
  const report = evaluateGate({
    rules,
    candidates: [
      {
        label: "runs/<i>x</i>|@bob",
        metrics: { ...metrics, ...hostileMetrics },
        record,
        links: { run: "javascript:alert(1)", artifact: "https://example.com/a (b)|c" },
      },
    ],
    baseline: {
      available: true,
      description: "main @ abc <img src=z> @carol -->",
      metrics: hostileMetrics,
      record: runRecord({ params: { "<b>key|": "old", "@someone": "x" } }),
    },
  });
  const outputs = {
    full: renderFullReport(report, { commentKey: "key --> <img>" }),
    comment: renderComment(report, {
      commentKey: "key --> <img>",
      fullReportUrl: "https://github.com/o/r/actions/runs/1?x=(1)",
    }),
  };

  for (const [kind, markdown] of Object.entries(outputs)) {
    it(`${kind}: contains no raw HTML from user text`, () => {
      expect(markdown).not.toMatch(/<img/i);
      expect(markdown).not.toMatch(/<script/i);
      expect(markdown).not.toMatch(/<b>|<i>/);
      expect(markdown).toContain("&lt;img src=x onerror=alert(1)&gt;");
    });

    it(`${kind}: keeps every table row's column count`, () => {
      expectWellFormedTables(markdown);
      const metricsTable = tables(markdown).find((t) => t[0]?.startsWith("| metric |"));
      expect(metricsTable?.length).toBeGreaterThanOrEqual(2 + HOSTILE.length);
      expect(cells(metricsTable?.[0] ?? "")).toHaveLength(7);
    });

    it(`${kind}: pings nobody and links no issues`, () => {
      expect(markdown).not.toMatch(/@[A-Za-z0-9]/);
      // Outside code blocks (colours like #1f77b4 are ours), no "#<digit>" but the zero-width entity.
      expect(markdown.replace(/```mermaid[\s\S]*?```/g, "")).not.toMatch(/(?<!&)#[0-9]/);
      expect(markdown).toContain("@&#8203;octocat");
    });

    it(`${kind}: leaves no bare URL, www. host or GH- reference for GitHub to autolink`, () => {
      const text = markdown.replace(/```mermaid[\s\S]*?```/g, "");
      expect(text).not.toMatch(/https?:\/\/evil/i);
      expect(text).not.toMatch(/www\.evil/i);
      expect(text).not.toMatch(/\bGH-\d/i);
      expect(text).not.toMatch(/mailto:a/i);
      expect(text).toContain("owner/repo#&#8203;47");
    });

    it(`${kind}: shows bidirectional controls instead of letting them reorder the text`, () => {
      expect(markdown).not.toMatch(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
      expect(markdown).toContain("txt.\\[U+202E\\]exe");
    });

    it(`${kind}: has exactly one HTML comment, the marker, which user text cannot close`, () => {
      expect(markdown.startsWith("<!-- mlops-actions:gate:key -_ _img_ -->\n")).toBe(true);
      expect(markdown.match(/<!--/g)).toHaveLength(1);
      expect(markdown.match(/-->/g)).toHaveLength(1);
    });

    it(`${kind}: links only to http(s) URLs, with ( ) | encoded`, () => {
      expect(markdown).not.toMatch(/(?<!\\)\]\(javascript:/);
      // Every real link (an unescaped "](") goes to http(s).
      expect(markdown).not.toMatch(/(?<!\\)\]\((?!https?:)/);
      if (kind === "full") expect(markdown).toContain("[artifact](https://example.com/a%20%28b%29%7Cc)");
      else expect(markdown).toContain("[Full report](https://github.com/o/r/actions/runs/1?x=%281%29)");
    });

    it(`${kind}: sanitises Mermaid labels`, () => {
      const blocks = mermaidBlocks(markdown);
      expect(blocks.length).toBeGreaterThan(0);
      for (const block of blocks) {
        const body = block.split("\n").slice(1).join("\n"); // after the fixed init line
        expect(body).not.toContain("%%");
        expect(body).not.toContain("`");
        for (const line of body.split("\n").filter((l) => l.includes("x-axis"))) {
          // Labels are quoted strings without quotes or brackets inside.
          expect(line).toMatch(/^\s+x-axis \[("[A-Za-z0-9 _.\-/+=:…]*"(, )?)+\]$/);
        }
      }
    });
  }

  it("escapes the building blocks as documented", () => {
    expect(escapeText("a|b`c*d_e[f]g~h$i\\j")).toBe("a\\|b\\`c\\*d\\_e\\[f\\]g\\~h\\$i\\\\j");
    expect(escapeText("x\n\ny")).toBe("x y");
    expect(escapeText("@user #12 &amp;")).toBe("@&#8203;user #&#8203;12 &amp;amp;");
    expect(escapeText("a".repeat(500), 10)).toBe(`${"a".repeat(10)}…`);
    expect(escapeText("https://x.io www.y.io GH-4 o/r#5")).toBe(
      "https:&#8203;//x.io www&#8203;.y.io GH&#8203;-4 o/r#&#8203;5",
    );
    expect(escapeText("a\u202Eb\u2066c\u200f")).toBe("a\\[U+202E\\]b\\[U+2066\\]c\\[U+200F\\]");
    expect(mermaidLabel('a"b]c%%d`e\nf  g')).toBe("a_b_c__d_e_f g");
    expect(safeUrl("javascript:alert(1)")).toBeUndefined();
    expect(safeUrl("/relative")).toBeUndefined();
    expect(commentMarker("a-->b<!--c")).toBe("<!-- mlops-actions:gate:a-_b__-c -->");
  });
});

describe("report content", () => {
  const candidate = runRecord({
    params: { lr: 0.01, depth: 6 },
    history: {
      file: "h.csv",
      steps: Array.from({ length: 10 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1) })),
    },
  });
  const report = evaluateGate({
    rules: "accuracy >= 0.9\nloss <= baseline\nauc > 0.8 : warn\nseeds >= 0.85",
    candidates: [
      {
        label: "mlops-run.json",
        metrics: { accuracy: 0.95, loss: 0.1, auc: 0.7, seeds: [0.84, 0.86, 0.88, 0.85], latency_ms: 90 },
        record: candidate,
        links: { run: "https://github.com/o/r/actions/runs/7" },
      },
    ],
    baseline: {
      available: true,
      description: "main @ 1a2b3c4",
      metrics: { accuracy: 0.94, loss: 0.2, auc: 0.75, latency_ms: 100 },
      record: runRecord({ params: { lr: 0.02, depth: 6 } }),
    },
  });
  const full = renderFullReport(report);
  const comment = renderComment(report, { fullReportUrl: "https://github.com/o/r/actions/runs/7#summary" });

  it("opens with the verdict, the model and the baseline", () => {
    expect(full.split("\n")[0]).toBe("## ❔ Gate: inconclusive — churn-model");
    expect(full).toContain("**Verdict:** inconclusive. The step passes (fail-on: error).");
    expect(full).toContain("**Baseline:** main @ 1a2b3c4"); // "@ " cannot mention anyone: left as written
    expect(full).toContain("**Rules:** 2 passed · 1 failed · 1 inconclusive · 0 skipped");
  });

  it("shows rows with baseline, candidate, Δ with arrows by direction, Δ%, rule and status", () => {
    expect(full).toContain(
      "| **accuracy** | 0.94 | 0.95 | +0.01 ▲ better | +1.06% | accuracy &gt;= 0.9 | ✅ pass |",
    );
    expect(full).toContain(
      "| **loss** | 0.2 | 0.1 | -0.1 ▼ better | -50.00% | loss &lt;= baseline | ✅ pass |",
    );
    expect(full).toContain(
      "| **auc** | 0.75 | 0.7 | -0.05 ▼ worse | -6.67% | auc &gt; 0.8 : warn | ⚠️ warn: auc = 0.7, needs &gt; 0.8 |",
    );
    expect(full).toMatch(
      /\| \*\*seeds\*\* \| — \| 0\.8575 ± 0\.0271753 \(n=4\) \| — \| — \| seeds &gt;= 0\.85 \| ❔ inconclusive: 0\.8575 \\\[0\.830325, 0\.884675\\\] &gt;= 0\.85/,
    );
    expect(full).toContain("| latency\\_ms | 100 | 90 | -10 ▼ better (assumed) | -10.00% | — | — |");
  });

  it("puts what needs attention first in the comment", () => {
    const rows = (tables(comment).find((t) => t[0]?.startsWith("| metric |")) ?? [])
      .slice(2)
      .map((r) => cells(r)[0]?.trim());
    expect(rows).toEqual(["**seeds**", "**auc**", "**accuracy**", "**loss**", "latency\\_ms"]);
  });

  it("draws a baseline-vs-candidate bar chart for gated metrics and a learning curve", () => {
    const blocks = mermaidBlocks(full);
    expect(blocks[0]).toContain('x-axis ["accuracy", "loss", "auc"]');
    expect(blocks[0]).toContain("bar [0.94, 0.2, 0.75]\n    bar [0.95, 0.1, 0.7]");
    const curve = blocks.find((b) => b.includes('title "loss by step"'));
    expect(curve).toContain('x-axis ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]');
    expect(curve).toContain("line [1, 0.5, 0.333333, 0.25, 0.2, 0.166667, 0.142857, 0.125, 0.111111, 0.1]");
  });

  it("folds params, data and environment diffs and links into <details>", () => {
    expect(full).toContain(
      "<details><summary>Params: 1 changed, 1 unchanged</summary>\n\n| param | baseline | candidate |\n|---|---|---|\n| lr | 0.02 | 0.01 |\n\n</details>",
    );
    expect(full).toContain(
      "<details><summary>Data: 0 changed, 6 unchanged</summary>\n\nNothing changed.\n\n</details>",
    );
    expect(full).toContain("- Candidate run: [workflow run](https://github.com/o/r/actions/runs/7)");
    expect(comment).toContain("[Full report](https://github.com/o/r/actions/runs/7#summary)");
  });

  it("says when there is no baseline", () => {
    const none = evaluateGate({
      rules: "a >= baseline",
      candidates: [{ label: "x", metrics: { a: 1 } }],
      baseline: { available: false, reason: "first run on main" },
    });
    const text = renderFullReport(none);
    expect(text).toContain("**Baseline:** no baseline: first run on main");
    expect(text).toContain(
      "| **a** | — | 1 | — | — | a &gt;= baseline | ⏭️ skipped: no baseline: first run on main |",
    );
  });
});

describe("leaderboard", () => {
  it("ranks several candidates and marks the champion", () => {
    const candidates: CandidateInput[] = ["a", "b", "c", "d", "e"].map((name, i) => ({
      label: `runs/${name}.json`,
      metrics: { accuracy: [0.9, 0.95, 0.93, 0.97, 0.88][i] ?? 0 },
      record: runRecord({ name: `model-${name}` }),
    }));
    const report = evaluateGate({
      rules: "accuracy >= 0.9\naccuracy <= 0.96 : error",
      candidates,
      baseline: { available: false, reason: "none" },
    });
    const full = renderFullReport(report);
    const board = tables(full).find((t) => t[0]?.startsWith("| # |"));
    expect(board).toEqual([
      "| # | model | candidate | accuracy | verdict | rules passed |",
      "|---|---|---|---|---|---|",
      "| 1 | model-d | runs/d.json | 0.97 | ❌ fail | 1/2 |",
      "| 2 | 🏆 model-b | runs/b.json | 0.95 | ✅ pass | 2/2 |",
      "| 3 | model-c | runs/c.json | 0.93 | ✅ pass | 2/2 |",
      "| 4 | model-a | runs/a.json | 0.9 | ✅ pass | 2/2 |",
      "| 5 | model-e | runs/e.json | 0.88 | ❌ fail | 1/2 |",
    ]);
    expect(full.split("\n")[0]).toBe("## ✅ Gate: pass — model-b");
    expect(full).toContain(
      "**Champion:** 🏆 model-b of 5 candidates, ranked by accuracy (higher is better, assumed)",
    );
    expect(full).toContain(
      "<details><summary>rank 1: model-d (runs/d.json): fail, 1/2 rules passed</summary>",
    );
    expect(renderComment(report)).toContain("| 2 | 🏆 model-b | runs/b.json | 0.95 | ✅ pass | 2/2 |");
  });
});

describe("a gate without rules", () => {
  const report = evaluateGate({
    rules: "",
    candidates: [{ label: "mlops-run.json", metrics: { accuracy: 0.1 }, record: runRecord({}) }],
    baseline: { available: true, description: "main @ 1a2b3c4", metrics: { accuracy: 0.99 } },
  });

  it("is titled a report only, never a pass, and says nothing is gated", () => {
    for (const markdown of [renderFullReport(report), renderComment(report)]) {
      expect(markdown.split("\n")[0]).toBe("## 📋 Gate: report only (no rules) — churn-model");
      expect(markdown).not.toContain("Gate: pass");
      expect(markdown).toContain("**Rules:** none, so nothing is gated");
      expect(markdown).toContain("| accuracy | 0.99 | 0.1 | -0.89 ▼ worse (assumed) |");
    }
  });
});

describe("size limits", () => {
  const N = 10_000;
  const candidateMetrics: Record<string, number> = {};
  const baselineMetrics: Record<string, number> = {};
  for (let i = 0; i < N; i++) {
    candidateMetrics[`metric_${i}`] = 0.5 + ((i * 7919) % 1000) / 10_000;
    // Every 400th metric got worse by 0.05: half of the 50 rules fail.
    baselineMetrics[`metric_${i}`] =
      (candidateMetrics[`metric_${i}`] ?? 0) + (i % 400 === 0 ? 0.05 : ((i % 7) - 3) / 1000);
  }
  const rules = Array.from({ length: 50 }, (_, i) => `metric_${i * 200} >= baseline - 0.01`).join("\n");
  const report = evaluateGate({
    rules,
    candidates: [{ label: "big.json", metrics: candidateMetrics }],
    baseline: { available: true, description: "main", metrics: baselineMetrics },
  });
  const failing = report.candidates[0]?.rules.filter((r) => r.status === "fail") ?? [];

  it("keeps the comment within 65,536 characters with 10,000 metrics, failing rows first", () => {
    const comment = renderComment(report, { fullReportUrl: "https://github.com/o/r/actions/runs/1" });
    expect(comment.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(comment.length).toBeGreaterThan(COMMENT_MAX_CHARS * 0.8); // it uses the room it has
    expect(failing).toHaveLength(25);
    const rows = (tables(comment).find((t) => t[0]?.startsWith("| metric |")) ?? []).slice(2);
    const firstRows = rows.slice(0, failing.length).map((r) => cells(r)[0]?.trim());
    expect(firstRows).toEqual(failing.map((r) => `**${r.metric.replace(/_/g, "\\_")}**`));
    expect(comment).toMatch(
      /… and \d+ more rows not shown here \(\d+ better, \d+ worse, \d+ unchanged or without a baseline\): see \[the full report\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)\./,
    );
    expectWellFormedTables(comment);
  });

  it("honours a smaller maxChars too", () => {
    for (const maxChars of [2000, 10_000, 30_000]) {
      const comment = renderComment(report, { maxChars, commentKey: "k" });
      expect(comment.length).toBeLessThanOrEqual(maxChars);
      expect(comment).toContain("## ❌ Gate: fail — big.json");
    }
  });

  it("keeps the full report under 1 MiB", () => {
    const full = renderFullReport(report);
    expect(Buffer.byteLength(full)).toBeLessThanOrEqual(FULL_REPORT_MAX_BYTES);
    expect(full).toContain("| metric\\_9999 |"); // 10,000 rows fit in a full report
    const tight = renderFullReport(report, { maxBytes: 100_000 });
    expect(Buffer.byteLength(tight)).toBeLessThanOrEqual(100_000);
    expect(tight).toMatch(/… and \d+ more rows not shown here .*: see mlops-gate\.json\./);
  });
});

describe("what a reviewer must see in the header", () => {
  const candidates: CandidateInput[] = [{ label: "metrics.json", metrics: { accuracy: 0.95 } }];

  it("lists the runs passed over for the baseline (five, then a count), escaped", () => {
    const passedOver = Array.from({ length: 7 }, (_, index) => ({
      runId: 100 + index,
      reason: index === 0 ? "from fork evil/x <img>" : "event pull_request",
    }));
    const report = evaluateGate({
      rules: "accuracy >= 0.9",
      candidates,
      baseline: { available: false, reason: "no artifact on main yet", passedOver },
    });
    expect(report.baseline.passedOver).toEqual(passedOver);
    const comment = renderComment(report, { maxChars: 2_000 });
    expect(comment).toContain("run 100: from fork evil/x &lt;img&gt;");
    expect(comment).toContain("run 104: event pull\\_request · … and 2 more");
    expect(comment).not.toContain("run 105");
  });

  it("says a changed rules file was not applied, and a new one was", () => {
    const report = evaluateGate({
      rules: "accuracy >= 0.9",
      candidates,
      baseline: { available: false, reason: "none" },
      policyFiles: [
        { input: "rules", file: ".github/gate-rules.txt", baseSha: "a".repeat(40), change: "changed" },
        { input: "directions", file: "directions.txt", baseSha: "a".repeat(40), change: "added" },
      ],
    });
    const comment = renderComment(report, { maxChars: 2_000 });
    expect(comment).toContain("⚠️ rules changed in this PR: not applied until merged.");
    expect(comment).toContain("as of the base commit aaaaaaa");
    expect(comment).toContain("⚠️ directions file directions.txt is new in this PR");
  });
});
