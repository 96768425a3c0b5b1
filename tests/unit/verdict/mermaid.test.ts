// The gate's charts through Mermaid's own xychart-beta parser (recorded from mermaid: see
// tests/fixtures/mermaid/xychart-parser.mjs), as GitHub would parse them: directives stripped first, then
// the diagram's grammar. Mermaid's number token is `[+-]?(\d+(\.\d+)?|\.\d+)`: no exponents.
import { describe, expect, it } from "vitest";
import { evaluateGate } from "../../../src/verdict/evaluate.ts";
import { mermaidNumber } from "../../../src/formats/markdown.ts";
import { renderComment, renderFullReport } from "../../../src/verdict/render.ts";
import { directiveRegex, parser } from "../../fixtures/mermaid/xychart-parser.mjs";
import { runRecord } from "./fixtures.ts";

interface ParsedChart {
  bars: number[][];
  lines: number[][];
  xBand: string[];
}

/** Parses one mermaid block as mermaid does; throws mermaid's own parse error. */
function parseChart(block: string): ParsedChart {
  const chart: ParsedChart = { bars: [], lines: [], xBand: [] };
  const values = (data: { value: number }[] | { value: number }[][]): number[] =>
    (data as { value: number }[]).map((d) => d.value);
  const ignore = (): void => undefined;
  parser.yy = {
    setOrientation: ignore,
    setDiagramTitle: ignore,
    setAccTitle: ignore,
    setAccDescription: ignore,
    setXAxisTitle: ignore,
    setYAxisTitle: ignore,
    setXAxisRangeData: ignore,
    setYAxisRangeData: ignore,
    setXAxisBand: (band: { text: string }[]) => (chart.xBand = band.map((b) => b.text)),
    setBarData: (_title: unknown, data: { value: number }[]) => chart.bars.push(values(data)),
    setLineData: (_title: unknown, data: { value: number }[]) => chart.lines.push(values(data)),
  };
  parser.parse(block.replace(directiveRegex, "").trim());
  return chart;
}

function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? "");
}

/** The value a chart should show: ours rounded to 6 significant digits. */
const shown = (value: number): number => Number(value.toPrecision(6));

describe("Mermaid charts of huge and tiny numbers", () => {
  const candidate = { big: 1e308, loss: 3.4e38, tiny: 1.5e-7, negative: -2.5e21, plain: 0.91 };
  const baseline = { big: 1.7976931348623157e308, loss: 0.2, tiny: 3e-12, negative: -1e21, plain: 0.9 };
  const steps = [0.9, 0.5, 3.4e38, 0.3, 1e-9].map((loss, i) => ({ step: (i + 1) * 1e21, loss }));
  const report = evaluateGate({
    rules: Object.keys(candidate)
      .map((name) => `${name} > -1e300 : warn`)
      .join("\n"),
    candidates: [
      {
        label: "mlops-run.json",
        metrics: candidate,
        record: runRecord({ history: { file: "h.jsonl", steps } }),
      },
    ],
    baseline: { available: true, description: "main", metrics: baseline },
  });

  for (const [kind, markdown] of Object.entries({
    full: renderFullReport(report),
    comment: renderComment(report),
  })) {
    it(`${kind}: every chart parses, with the values it was given`, () => {
      const blocks = mermaidBlocks(markdown);
      expect(blocks.length).toBeGreaterThanOrEqual(3);
      const bars: number[] = [];
      const lines: number[] = [];
      for (const block of blocks) {
        const chart = parseChart(block);
        bars.push(...chart.bars.flat());
        lines.push(...chart.lines.flat());
      }
      for (const value of [...Object.values(candidate), ...Object.values(baseline)])
        expect(bars).toContain(shown(value));
      expect(lines).toEqual(expect.arrayContaining(steps.map((s) => shown(s.loss))));
    });
  }

  it("writes numbers in plain decimals that read back to the same value", () => {
    for (const value of [1e21, 1e308, -3.4e38, 1.5e-7, 5e-324, 123456789, 0.1, -0, 42]) {
      const text = mermaidNumber(value);
      expect(text, String(value)).toMatch(/^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/);
      expect(Number(text)).toBe(shown(value) === 0 ? 0 : shown(value));
    }
    expect(mermaidNumber(1e21)).toBe(`1${"0".repeat(21)}`);
    expect(mermaidNumber(-2.5e-7)).toBe("-0.00000025");
    expect(mermaidNumber(Number.NaN)).toBe("0");
  });

  it("the recorded parser rejects the exponent form, as mermaid does", () => {
    expect(() => parseChart('xychart-beta\n    x-axis ["a"]\n    bar [1e+21]')).toThrow(/Parse error/);
    expect(parseChart('xychart-beta\n    x-axis ["a"]\n    bar [1000]').bars).toEqual([[1000]]);
  });
});
