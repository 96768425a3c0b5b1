// Markdown renderings of a GateReport: the full report (job summary, report artifact; under 1 MiB) and
// the PR comment (always within GitHub's 65,536 characters: verdict and failing rows first, the rest
// summarised with a pointer to the full report). Both are built from the report alone.
import {
  boundedTable,
  commentMarker,
  cutToFit,
  escapeText,
  link,
  measureBytes,
  measureChars,
  mermaidLabel,
  mermaidNumber,
  tableHeader,
  tableRow,
} from "../formats/markdown.ts";
import type { Measure } from "../formats/markdown.ts";
import { formatNumber, formatPercent, formatSigned } from "../formats/numbers.ts";
import type {
  CandidateReport,
  ContextDiff,
  Estimate,
  GateReport,
  MetricRow,
  RuleResult,
  Verdict,
} from "./report.ts";
import { GATE_RECORD_FILE } from "./report.ts";

/** GitHub's limit for an issue or PR comment body (a check run's summary allows 65,535). */
export const COMMENT_MAX_CHARS = 65_536;
/** What a posted comment or check-run summary may fill: room is left for the run marker and the link to the full report. */
export const COMMENT_BUDGET = COMMENT_MAX_CHARS - 512;
/** GitHub keeps at most 1 MiB of job summary per step; stay under it with room for other steps' lines. */
export const FULL_REPORT_MAX_BYTES = 1024 * 1024 - 4096;

export interface RenderOptions {
  /** Adds the hidden sticky-comment marker `<!-- mlops-actions:gate:<key> -->` as the first line. */
  commentKey?: string;
  /** Where the full report is (job summary or artifact URL): the comment points there for what it omits. */
  fullReportUrl?: string;
}

export interface CommentOptions extends RenderOptions {
  maxChars?: number;
}

export interface FullReportOptions extends RenderOptions {
  maxBytes?: number;
}

const VERDICT_TITLE: Record<Verdict, string> = {
  pass: "✅ Gate: pass",
  warn: "⚠️ Gate: warn",
  inconclusive: "❔ Gate: inconclusive",
  fail: "❌ Gate: fail",
};

/** A gate without rules judges nothing: its title says so instead of a pass nobody earned. */
export const REPORT_ONLY = "Gate: report only (no rules)";

/** Whether the gate had no rules to judge (the verdict is then always pass). */
export function isReportOnly(report: GateReport): boolean {
  return report.candidates.every((candidate) => candidate.rules.length === 0);
}

/** The report's title: the verdict, or "report only" when there were no rules. */
function gateTitle(report: GateReport): string {
  return isReportOnly(report) ? `📋 ${REPORT_ONLY}` : VERDICT_TITLE[report.verdict];
}

const VERDICT_SHORT: Record<Verdict, string> = {
  pass: "✅ pass",
  warn: "⚠️ warn",
  inconclusive: "❔ inconclusive",
  fail: "❌ fail",
};

const METRIC_TABLE = ["metric", "baseline", "candidate", "Δ", "Δ%", "rule", "status"];
const PASSED_OVER_SHOWN = 5;
const CHART_METRICS = 12;
const MAX_BAR_CHARTS = 6;

function formatEstimate(estimate: Estimate | undefined): string {
  if (estimate === undefined) return "—";
  if (estimate.interval === undefined) return formatNumber(estimate.value);
  const n = estimate.n > 1 ? ` (n=${estimate.n})` : "";
  if (estimate.interval === "t95")
    return `${formatNumber(estimate.value)} ± ${formatNumber((estimate.high - estimate.low) / 2)}${n}`;
  return `${formatNumber(estimate.value)} [${formatNumber(estimate.low)}, ${formatNumber(estimate.high)}]${n}`;
}

function deltaCell(row: MetricRow | undefined): string {
  if (row?.delta === undefined || row.change === undefined) return "—";
  if (row.change === "same") return "0 =";
  const arrow = row.delta > 0 ? "▲" : "▼";
  const assumed = row.directionSource === "assumed" ? " (assumed)" : "";
  return `${formatSigned(row.delta)} ${arrow} ${row.change}${assumed}`;
}

function percentCell(row: MetricRow | undefined): string {
  return row?.deltaPercent === undefined ? "—" : formatPercent(row.deltaPercent);
}

function statusCell(result: RuleResult): string {
  switch (result.status) {
    case "pass":
      return "✅ pass";
    case "skipped":
      return `⏭️ ${escapeText(result.message, 200)}`;
    case "inconclusive":
      return `❔ ${escapeText(result.message, 200)}`;
    case "fail":
      return `${result.countsAs === "error" ? "❌ fail" : "⚠️ warn"}: ${escapeText(result.message, 200)}`;
  }
}

/** Rules in comment order: what needs attention first. */
function attentionRank(result: RuleResult): number {
  if (result.status === "fail") return result.countsAs === "error" ? 0 : 2;
  if (result.status === "inconclusive") return 1;
  return result.status === "skipped" ? 3 : 4;
}

function ruleRow(result: RuleResult, row: MetricRow | undefined): string {
  return tableRow([
    `**${escapeText(result.metric, 200)}**`,
    formatEstimate(row?.baseline),
    formatEstimate(row?.candidate ?? result.actual),
    deltaCell(row),
    percentCell(row),
    escapeText(result.text, 200),
    statusCell(result),
  ]);
}

function metricRow(row: MetricRow): string {
  return tableRow([
    escapeText(row.name, 200),
    formatEstimate(row.baseline),
    formatEstimate(row.candidate),
    deltaCell(row),
    percentCell(row),
    "—",
    "—",
  ]);
}

interface Layout {
  mode: "full" | "comment";
  measure: Measure;
  options: RenderOptions;
}

/**
 * How a report shares its size limit among its sections. Sections are placed in priority order (header,
 * footer, leaderboard, notes, metrics table, charts and details, other candidates); a share is of the
 * room still left when its section is placed.
 */
interface SizePolicy {
  /** At most this share goes to the leaderboard (several candidates). */
  leaderboardShare: number;
  /** Leaderboard rows shown at the most; the rest are counted. */
  leaderboardRows: number;
  /** Notes are shown only when they take less than one part in this many. */
  notesOneIn: number;
  /** Charts and details together, so that the metrics table is not starved for them. */
  extrasShare: number;
  /** Kept for the other candidates' folded results (several candidates). */
  othersShare: number;
  /** Rows of each params/data/environment comparison shown at the most. */
  contextRows: number;
}

const SIZE_POLICY: Record<Layout["mode"], SizePolicy> = {
  // The comment is read on the PR: the verdict and the gated metrics come first, the rest is a link away.
  comment: {
    leaderboardShare: 0.25,
    leaderboardRows: 25,
    notesOneIn: 10,
    extrasShare: 0.25,
    othersShare: 0,
    contextRows: 30,
  },
  // The full report (job summary, artifact) has room for everything that fits in 1 MiB.
  full: {
    leaderboardShare: 1,
    leaderboardRows: Infinity,
    notesOneIn: 10,
    extrasShare: 0.35,
    othersShare: 0.2,
    contextRows: Infinity,
  },
};

/**
 * Params, data and environment share the details' room in turn: params one part in three of what is
 * left, data one in two of what is left after params, environment the rest.
 */
const CONTEXT_SECTIONS_ONE_IN = { params: 3, data: 2, environment: 1 } as const;

function header(report: GateReport, candidate: CandidateReport): string {
  const title = `## ${gateTitle(report)} — ${escapeText(candidate.model, 120)}`;
  const lines: string[] = [];
  const outcome = report.passed
    ? `The step passes (fail-on: ${report.failOn}).`
    : `The step fails: verdict ${report.verdict} is not allowed under fail-on: ${report.failOn}.`;
  lines.push(`**Verdict:** ${report.verdict}. ${outcome}`);
  lines.push(`**Baseline:** ${escapeText(report.baseline.description, 300)}`);
  const passedOver = passedOverLine(report);
  if (passedOver !== undefined) lines.push(passedOver);
  lines.push(...policyLines(report));
  const code = candidate.code;
  const where =
    code === undefined
      ? ""
      : ` · commit ${escapeText(code.headSha ?? code.sha, 12)} on ${escapeText(code.ref, 120)}${code.dirty ? " (uncommitted changes)" : ""}`;
  lines.push(`**Candidate:** ${escapeText(candidate.label, 200)}${where}`);
  if (report.rankBy !== undefined && report.candidates.length > 1) {
    const assumed = report.rankBy.directionSource === "assumed" ? ", assumed" : "";
    lines.push(
      `**Champion:** 🏆 ${escapeText(candidate.model, 120)} of ${report.candidates.length} candidates, ranked by ${escapeText(report.rankBy.metric, 120)} (${report.rankBy.direction} is better${assumed})`,
    );
  }
  const c = candidate.counts;
  const total = candidate.rules.length;
  lines.push(
    `**Rules:** ${total === 0 ? "none, so nothing is gated: the step passes whatever the metrics are. Give `rules` (e.g. `accuracy >= 0.9`, `f1 >= baseline - 0.01`) to gate." : `${c.pass} passed · ${c.fail} failed · ${c.inconclusive} inconclusive · ${c.skipped} skipped`}`,
  );
  // Two trailing spaces: hard line breaks, so the facts stay on their own lines in one paragraph.
  return `${title}\n\n${lines.join("  \n")}`;
}

/** Runs whose newer artifacts were not trusted as the baseline: a reviewer sees that something tried. */
function passedOverLine(report: GateReport): string | undefined {
  const runs = report.baseline.passedOver ?? [];
  if (runs.length === 0) return undefined;
  const shown = runs
    .slice(0, PASSED_OVER_SHOWN)
    .map((run) => `run ${run.runId}: ${escapeText(run.reason, 120)}`);
  const more = runs.length > PASSED_OVER_SHOWN ? ` · … and ${runs.length - PASSED_OVER_SHOWN} more` : "";
  return `**Passed over** (only this repository's push, workflow_dispatch and schedule runs count): ${shown.join(" · ")}${more}`;
}

/** Pull requests that edit the rules or directions file they are judged by. */
function policyLines(report: GateReport): string[] {
  return (report.policyFiles ?? []).flatMap((source) => {
    const file = escapeText(source.file, 200);
    const base = escapeText(source.baseSha.slice(0, 7), 12);
    if (source.change === "changed")
      return [
        `**⚠️ ${source.input} changed in this PR: not applied until merged.** Judged by ${file} as of the base commit ${base}.`,
      ];
    if (source.change === "added")
      return [
        `**⚠️ ${source.input} file ${file} is new in this PR** (not in the base commit ${base}): applied as the PR wrote it; review it.`,
      ];
    return [];
  });
}

function leaderboard(report: GateReport, layout: Layout, budget: number): string | undefined {
  if (report.candidates.length < 2 || report.rankBy === undefined) return undefined;
  const ordered = [...report.candidates].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
  const limited = ordered.slice(0, SIZE_POLICY[layout.mode].leaderboardRows);
  const rows = limited.map((candidate) => {
    const passedRules = candidate.counts.pass;
    return tableRow([
      String(candidate.rank ?? "—"),
      `${candidate.champion ? "🏆 " : ""}${escapeText(candidate.model, 120)}`,
      escapeText(candidate.label, 120),
      candidate.rankValue === undefined ? "—" : formatNumber(candidate.rankValue),
      VERDICT_SHORT[candidate.verdict],
      `${passedRules}/${candidate.rules.length}`,
    ]);
  });
  const title = "### Leaderboard";
  const table = boundedTable(
    tableHeader(["#", "model", "candidate", escapeText(report.rankBy.metric, 80), "verdict", "rules passed"]),
    rows,
    ordered.length,
    budget - layout.measure(title) - 2,
    layout.measure,
    (omitted) => `… and ${omitted} more candidates (see the full report).`,
  );
  return table === undefined ? undefined : `${title}\n\n${table.text}`;
}

function changeMagnitude(row: MetricRow): number {
  if (row.deltaPercent !== undefined) return Math.abs(row.deltaPercent);
  return row.delta === undefined || row.delta === 0 ? -1 : Number.MAX_VALUE;
}

function metricsTable(candidate: CandidateReport, layout: Layout, budget: number): string | undefined {
  const byName = new Map<string, MetricRow>();
  for (const row of candidate.metrics) byName.set(row.name, row);
  const results =
    layout.mode === "comment"
      ? [...candidate.rules].sort((a, b) => attentionRank(a) - attentionRank(b) || a.line - b.line)
      : candidate.rules;
  let ungated = candidate.metrics.filter((row) => !row.gated);
  if (layout.mode === "comment") {
    ungated = ungated
      .map((row, index) => ({ row, index, magnitude: changeMagnitude(row) }))
      .sort((a, b) => b.magnitude - a.magnitude || a.index - b.index)
      .map((entry) => entry.row);
  }
  // Gated metrics without any rule result cannot happen (gated = has a rule), so rules cover them.
  function* rows(): Generator<string> {
    for (const result of results) yield ruleRow(result, byName.get(result.metric));
    for (const row of ungated) yield metricRow(row);
  }
  const total = results.length + ungated.length;
  const title = "### Metrics";
  const pointer =
    layout.options.fullReportUrl === undefined
      ? "the full report"
      : link("the full report", layout.options.fullReportUrl);
  const table = boundedTable(
    tableHeader(METRIC_TABLE),
    rows(),
    total,
    budget - layout.measure(title) - 2,
    layout.measure,
    (omitted) => {
      const rest = ungated.slice(Math.max(0, ungated.length - omitted));
      let better = 0;
      let worse = 0;
      for (const row of rest) {
        if (row.change === "better") better++;
        else if (row.change === "worse") worse++;
      }
      const where = layout.mode === "comment" ? pointer : GATE_RECORD_FILE;
      return `… and ${omitted} more rows not shown here (${better} better, ${worse} worse, ${omitted - better - worse} unchanged or without a baseline): see ${where}.`;
    },
  );
  return table === undefined ? undefined : `${title}\n\n${table.text}`;
}

function mermaidBlock(lines: readonly string[]): string {
  return ["```mermaid", ...lines, "```"].join("\n");
}

/** Colours are fixed so the caption can name them: xychart-beta draws no legend. */
function chartTheme(withBaseline: boolean): string {
  const palette = withBaseline ? "#9e9e9e, #1f77b4" : "#1f77b4";
  return `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`;
}

function barCharts(candidate: CandidateReport, hasBaseline: boolean): string[] {
  const shown = candidate.metrics.filter((row) => row.gated && row.candidate !== undefined);
  // With a baseline, chart the metrics that have both sides; else the candidate's alone.
  const paired = shown.filter((row) => row.baseline !== undefined);
  const withBaseline = hasBaseline && paired.length > 0;
  const gated = withBaseline ? paired : shown;
  if (gated.length === 0) return [];
  // Metrics of very different sizes (accuracy 0.9, latency 120 ms) get separate charts, by order of magnitude.
  const groups = new Map<number, MetricRow[]>();
  for (const row of gated) {
    const size = Math.max(Math.abs(row.candidate?.value ?? 0), Math.abs(row.baseline?.value ?? 0));
    const bucket = size === 0 ? 0 : Math.floor(Math.log10(size));
    const group = groups.get(bucket) ?? [];
    if (group.length < CHART_METRICS) group.push(row);
    groups.set(bucket, group);
  }
  const charts: string[] = [];
  for (const group of [...groups.values()].slice(0, MAX_BAR_CHARTS)) {
    const lines = [
      chartTheme(withBaseline),
      "xychart-beta",
      `    title "${withBaseline ? "Baseline vs candidate" : "Candidate"}"`,
      `    x-axis [${group.map((row) => `"${mermaidLabel(row.name)}"`).join(", ")}]`,
    ];
    if (withBaseline)
      lines.push(`    bar [${group.map((row) => mermaidNumber(row.baseline?.value ?? 0)).join(", ")}]`);
    lines.push(`    bar [${group.map((row) => mermaidNumber(row.candidate?.value ?? 0)).join(", ")}]`);
    charts.push(mermaidBlock(lines));
  }
  return charts;
}

function curveCharts(candidate: CandidateReport): string[] {
  return candidate.curves.map((curve) => {
    const lines = [
      chartTheme(curve.baseline !== undefined),
      "xychart-beta",
      `    title "${mermaidLabel(curve.metric)} by step"`,
      `    x-axis [${curve.x.map((x) => `"${mermaidNumber(x)}"`).join(", ")}]`,
    ];
    // The first series takes the first (grey) colour, so the baseline goes first when there is one.
    if (curve.baseline !== undefined)
      lines.push(`    line [${curve.baseline.map(mermaidNumber).join(", ")}]`);
    lines.push(`    line [${curve.candidate.map(mermaidNumber).join(", ")}]`);
    return mermaidBlock(lines);
  });
}

function charts(candidate: CandidateReport, report: GateReport): string | undefined {
  const bars = barCharts(candidate, report.baseline.available);
  const curves = curveCharts(candidate);
  if (bars.length === 0 && curves.length === 0) return undefined;
  const parts = ["### Charts", "Grey: baseline · blue: candidate."];
  if (bars.length > 0) parts.push(...bars);
  if (curves.length > 0) parts.push("Learning curves:", ...curves);
  return parts.join("\n\n");
}

function contextSection(
  title: string,
  diff: ContextDiff,
  what: string,
  layout: Layout,
  budget: number,
): string | undefined {
  if (diff.rows.length === 0 && diff.unchanged === 0) return undefined;
  const summary = diff.compared
    ? `${title}: ${diff.rows.length} changed, ${diff.unchanged} unchanged`
    : `${title}: ${diff.rows.length} (no baseline record to compare)`;
  const open = `<details><summary>${escapeText(summary)}</summary>\n\n`;
  const close = "\n\n</details>";
  if (diff.rows.length === 0) return `${open}Nothing changed.${close}`;
  const limit = Math.min(SIZE_POLICY[layout.mode].contextRows, diff.rows.length);
  const rows = diff.rows
    .slice(0, limit)
    .map((row) =>
      diff.compared
        ? tableRow([
            escapeText(row.key, 200),
            row.baseline === undefined ? "(absent)" : escapeText(row.baseline),
            row.candidate === undefined ? "(absent)" : escapeText(row.candidate),
          ])
        : tableRow([escapeText(row.key, 200), escapeText(row.candidate ?? "")]),
    );
  const headings = diff.compared ? [what, "baseline", "candidate"] : [what, "candidate"];
  const table = boundedTable(
    tableHeader(headings),
    rows,
    diff.rows.length,
    budget - layout.measure(open + close),
    layout.measure,
    (omitted) => `… and ${omitted} more (see ${GATE_RECORD_FILE}).`,
  );
  return table === undefined ? undefined : `${open}${table.text}${close}`;
}

function linksSection(report: GateReport, candidate: CandidateReport): string | undefined {
  const items: string[] = [];
  if (candidate.links.run !== undefined)
    items.push(`- Candidate run: ${link("workflow run", candidate.links.run)}`);
  if (candidate.links.artifact !== undefined)
    items.push(`- Candidate artifact: ${link("artifact", candidate.links.artifact)}`);
  if (report.baseline.links.run !== undefined)
    items.push(`- Baseline run: ${link("workflow run", report.baseline.links.run)}`);
  if (report.baseline.links.artifact !== undefined)
    items.push(`- Baseline artifact: ${link("artifact", report.baseline.links.artifact)}`);
  if (items.length === 0) return undefined;
  return `<details><summary>Links</summary>\n\n${items.join("\n")}\n\n</details>`;
}

function details(
  report: GateReport,
  candidate: CandidateReport,
  layout: Layout,
  budget: number,
): string | undefined {
  const parts: string[] = [];
  let remaining = budget;
  const add = (text: string | undefined): void => {
    if (text === undefined) return;
    const size = layout.measure(text) + 2;
    if (size > remaining) return;
    parts.push(text);
    remaining -= size;
  };
  add(linksSection(report, candidate));
  const oneIn = CONTEXT_SECTIONS_ONE_IN;
  add(contextSection("Params", candidate.params, "param", layout, remaining / oneIn.params));
  add(contextSection("Data", candidate.data, "data", layout, remaining / oneIn.data));
  add(
    contextSection(
      "Environment",
      candidate.environment,
      "environment",
      layout,
      remaining / oneIn.environment,
    ),
  );
  return parts.length === 0 ? undefined : parts.join("\n\n");
}

/** The other candidates' rule results, each folded away (full report only). */
function otherCandidates(
  report: GateReport,
  champion: CandidateReport,
  layout: Layout,
  budget: number,
): string | undefined {
  const others = report.candidates
    .filter((candidate) => candidate !== champion)
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
  if (others.length === 0) return undefined;
  const parts = ["### Other candidates"];
  let remaining = budget - layout.measure(parts[0] ?? "");
  let omitted = 0;
  for (const candidate of others) {
    const byName = new Map(candidate.metrics.filter((row) => row.gated).map((row) => [row.name, row]));
    const ungated = candidate.metrics.length - byName.size;
    const summary = `rank ${candidate.rank ?? "—"}: ${candidate.model} (${candidate.label}): ${candidate.verdict}, ${candidate.counts.pass}/${candidate.rules.length} rules passed`;
    const body =
      candidate.rules.length === 0
        ? "No rules."
        : [
            tableHeader(METRIC_TABLE),
            ...candidate.rules.map((result) => ruleRow(result, byName.get(result.metric))),
          ].join("\n");
    const text = `<details><summary>${escapeText(summary)}</summary>\n\n${body}${ungated === 0 ? "" : `\n\n${ungated} ungated metrics: see ${GATE_RECORD_FILE}.`}\n\n</details>`;
    const size = layout.measure(text) + 2;
    if (size > remaining - 200) {
      omitted++;
      continue;
    }
    parts.push(text);
    remaining -= size;
  }
  if (omitted > 0) parts.push(`… ${omitted} more candidates did not fit: see ${GATE_RECORD_FILE}.`);
  return parts.join("\n\n");
}

function notesSection(report: GateReport): string | undefined {
  if (report.notes.length === 0) return undefined;
  return report.notes.map((note) => `> ${escapeText(note, 500)}`).join("\n>\n");
}

/** Report sections in display order (they are filled in priority order). */
const MARKER = 0;
const HEADER = 1;
const NOTES = 2;
const LEADERBOARD = 3;
const TABLE = 4;
const CHARTS = 5;
const DETAILS = 6;
const OTHERS = 7;
const FOOTER = 8;

function render(report: GateReport, layout: Layout, limit: number): string {
  const champion = report.candidates[report.champion ?? 0];
  if (champion === undefined) return cutToFit(`## ${gateTitle(report)}`, limit, layout.measure, "");
  const { measure, options } = layout;
  const policy = SIZE_POLICY[layout.mode];
  const SEPARATOR = 2;
  // Slots in display order; filled in priority order below.
  const slots: (string | undefined)[] = [];
  let remaining = limit - 64; // slack for separators and rounding
  const place = (slot: number, text: string | undefined): boolean => {
    if (text === undefined) return false;
    const size = measure(text) + SEPARATOR;
    if (size > remaining) return false;
    slots[slot] = text;
    remaining -= size;
    return true;
  };
  if (options.commentKey !== undefined) place(MARKER, commentMarker(options.commentKey));
  place(HEADER, header(report, champion));
  const footer =
    layout.mode === "comment" && options.fullReportUrl !== undefined
      ? `<sub>${link("Full report", options.fullReportUrl)} · mlops-actions evaluate-gate</sub>`
      : "<sub>mlops-actions evaluate-gate</sub>";
  place(FOOTER, footer);
  place(LEADERBOARD, leaderboard(report, layout, Math.min(remaining, remaining * policy.leaderboardShare)));
  const notes = notesSection(report);
  if (notes !== undefined && measure(notes) < remaining / policy.notesOneIn) place(NOTES, notes);
  // Charts and details are worth showing only if the table is not starved for them.
  const extrasBudget = remaining * policy.extrasShare;
  const chartText = charts(champion, report);
  const chartSize = chartText === undefined ? 0 : measure(chartText) + SEPARATOR;
  const detailText = details(report, champion, layout, Math.max(0, extrasBudget - chartSize));
  const detailSize = detailText === undefined ? 0 : measure(detailText) + SEPARATOR;
  const reserved =
    (chartSize + detailSize <= extrasBudget ? chartSize + detailSize : detailSize) +
    (report.candidates.length > 1 ? remaining * policy.othersShare : 0);
  place(TABLE, metricsTable(champion, layout, remaining - reserved));
  place(CHARTS, chartText);
  place(DETAILS, detailText);
  if (layout.mode === "full") place(OTHERS, otherCandidates(report, champion, layout, remaining));
  const text = `${slots.filter((slot): slot is string => slot !== undefined).join("\n\n")}\n`;
  return cutToFit(text, limit, measure, `… (cut to fit the size limit: see ${GATE_RECORD_FILE})`);
}

/** The full markdown report for the job summary and the report artifact; at most `maxBytes` UTF-8 bytes. */
export function renderFullReport(report: GateReport, options: FullReportOptions = {}): string {
  return render(
    report,
    { mode: "full", measure: measureBytes, options },
    options.maxBytes ?? FULL_REPORT_MAX_BYTES,
  );
}

/**
 * The sticky PR comment: always at most `maxChars` (UTF-16 units, which is at least the character
 * count GitHub limits). Verdict, failing and inconclusive rules first; ungated metrics by size of change
 * until the budget ends; the rest summarised with a pointer to `fullReportUrl`.
 */
export function renderComment(report: GateReport, options: CommentOptions = {}): string {
  return render(
    report,
    { mode: "comment", measure: measureChars, options },
    options.maxChars ?? COMMENT_MAX_CHARS,
  );
}
