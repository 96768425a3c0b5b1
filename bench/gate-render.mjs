#!/usr/bin/env node
// evaluate-gate's domain at scale: 10,000 metrics × 20 candidates (plus a baseline), evaluated and
// rendered (full report and PR comment), against JSON.parse of the same inputs as JSON text.
// Goal: evaluation + rendering ≤ 20× the parse. Runs the TypeScript sources directly (Node 24 strips
// types), so no build is needed: node bench/gate-render.mjs [--runs 5]
import { evaluateGate } from "../src/verdict/evaluate.ts";
import { renderComment, renderFullReport } from "../src/verdict/render.ts";

const METRICS = 10_000;
const CANDIDATES = 20;
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

function metricsFor(seed) {
  const metrics = {};
  for (let i = 0; i < METRICS; i++) {
    const value = 0.5 + (((i + 1) * 7919 * (seed + 3)) % 10_007) / 100_000;
    // Every 100th metric is a sample of five seeds, as train-model records them.
    metrics[`eval.metric_${i}`] =
      i % 100 === 0 ? [value, value + 0.002, value - 0.001, value + 0.003, value - 0.002] : value;
  }
  return metrics;
}

const baselineText = JSON.stringify(metricsFor(0));
const candidateTexts = Array.from({ length: CANDIDATES }, (_, i) => JSON.stringify(metricsFor(i + 1)));
const rules = Array.from({ length: 40 }, (_, i) =>
  i % 2 === 0 ? `eval.metric_${i * 250} >= baseline - 0.01` : `eval.metric_${i * 250} >= 0.5 : warn`,
).join("\n");

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const parseTimes = [];
const evaluateTimes = [];
const renderTimes = [];
let sizes;
for (let run = 0; run < runs + 1; run++) {
  let start = performance.now();
  const baseline = JSON.parse(baselineText);
  const candidates = candidateTexts.map((text) => JSON.parse(text));
  const parsed = performance.now() - start;

  start = performance.now();
  const report = evaluateGate({
    rules,
    candidates: candidates.map((metrics, i) => ({ label: `runs/candidate-${i}/mlops-run.json`, metrics })),
    baseline: { available: true, description: "main @ 1a2b3c4", metrics: baseline },
  });
  const evaluated = performance.now() - start;

  start = performance.now();
  const full = renderFullReport(report);
  const comment = renderComment(report, {
    commentKey: "bench",
    fullReportUrl: "https://github.com/o/r/actions/runs/1",
  });
  const rendered = performance.now() - start;
  if (run === 0) continue; // warm-up
  parseTimes.push(parsed);
  evaluateTimes.push(evaluated);
  renderTimes.push(rendered);
  sizes = { full: Buffer.byteLength(full), comment: comment.length, verdict: report.verdict };
}

const parse = median(parseTimes);
const evaluate = median(evaluateTimes);
const render = median(renderTimes);
const inputBytes = baselineText.length + candidateTexts.reduce((sum, text) => sum + text.length, 0);
const rows = [
  [
    "inputs",
    `${METRICS} metrics × ${CANDIDATES} candidates + baseline, ${(inputBytes / 1e6).toFixed(1)} MB JSON`,
  ],
  ["JSON.parse (median)", `${parse.toFixed(1)} ms`],
  ["evaluateGate (median)", `${evaluate.toFixed(1)} ms`],
  ["render full + comment (median)", `${render.toFixed(1)} ms`],
  ["(evaluate + render) / parse", `${((evaluate + render) / parse).toFixed(1)}× (goal ≤ 20×)`],
  ["full report size", `${sizes.full} bytes (limit 1,048,576)`],
  ["comment size", `${sizes.comment} chars (limit 65,536)`],
  ["verdict", sizes.verdict],
  ["node", process.version],
];
const width = Math.max(...rows.map(([name]) => name.length));
console.log(`gate-render: ${runs} runs after a warm-up`);
for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
if ((evaluate + render) / parse > 20 || sizes.comment > 65_536 || sizes.full > 1_048_576)
  process.exitCode = 1;
