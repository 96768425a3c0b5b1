// The model card: one markdown document per published version, generated from the run record (and the
// gate's verdict when there was a gate), with the intended use and limitations from the team's own
// `model-card` template. Every backend carries the same card (the OCI doc layer, the release body).
// Pure and deterministic: no clock, no environment, so a re-publish renders the same bytes.
// Everything from the record is user-controlled text and goes through escapeText.
//
// The card opens with YAML front matter in the Hugging Face Hub's model card metadata format, with a
// `model-index` (task, dataset, metrics) so the Hub and tools that read model cards understand it
// (schemas/huggingface/ has the spec it follows). A template may open with its own front matter
// (license, tags, pipeline_tag, datasets, language…): its keys are kept, `pipeline_tag` names the task
// and `datasets[0]` the dataset; `model-index` is always generated from the record.
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { ConfigurationError } from "../formats/errors.ts";
import { escapeText, link, tableHeader, tableRow } from "../formats/markdown.ts";
import { formatNumber } from "../formats/numbers.ts";
import type { MetricValue, RunRecord } from "../record/run-record.ts";

export interface CardGate {
  verdict: "pass" | "warn" | "inconclusive" | "fail";
  /** Where the verdict came from, e.g. "gate record of run 42" or a check run's name. */
  source: string;
  /** The baseline the gate compared against, as its report describes it. */
  baseline?: string;
}

export interface ModelCardInput {
  record: RunRecord;
  version?: string;
  /** Where the version lives, e.g. oci://ghcr.io/acme/churn/churn:v3 */
  uri?: string;
  gate?: CardGate;
  /** Text of the `model-card` template file: intended use, limitations, owners. */
  template?: string;
  /** GITHUB_SERVER_URL, for links to the run and the commit. */
  serverUrl?: string;
}

/** Placeholders a template may use; anything else in braces stays as written. */
const PLACEHOLDERS = ["name", "version", "uri", "revision", "repository"] as const;

/** The task type when the template names none: the Hub's catch-all pipeline type. */
const DEFAULT_TASK = "other";
const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

export function renderModelCard(input: ModelCardInput): string {
  const { record } = input;
  const template = splitTemplate(input.template);
  const sections = [
    header(input),
    gateSection(input.gate),
    metricsSection(record.metrics),
    paramsSection(record.params),
    dataSection(record),
    codeSection(input),
    environmentSection(record),
    filesSection(record),
    intendedUse({ ...input, ...(template.body === undefined ? {} : { template: template.body }) }),
  ];
  return `${frontMatter(record, template.metadata)}${sections.filter((s) => s !== "").join("\n\n")}\n`;
}

/** A template's own front matter (an object) and the markdown after it. */
function splitTemplate(template: string | undefined): {
  metadata: Record<string, unknown>;
  body: string | undefined;
} {
  const match = template === undefined ? null : FRONT_MATTER.exec(template);
  if (!match || template === undefined) return { metadata: {}, body: template };
  let metadata: unknown;
  try {
    metadata = parseYaml(match[1] ?? "");
  } catch (error) {
    throw new ConfigurationError(
      `The model-card template's front matter is not YAML (${(error as Error).message.split("\n")[0] ?? ""}). Fix the block between the '---' lines, or remove it.`,
    );
  }
  if (metadata !== null && (typeof metadata !== "object" || Array.isArray(metadata))) {
    throw new ConfigurationError(
      "The model-card template's front matter is not a YAML mapping (key: value lines). Fix the block between the '---' lines, or remove it.",
    );
  }
  return { metadata: (metadata ?? {}) as Record<string, unknown>, body: template.slice(match[0].length) };
}

/** Hugging Face model card metadata: the template's keys, our tag, and the model-index from the record. */
function frontMatter(record: RunRecord, metadata: Record<string, unknown>): string {
  const kept = Object.fromEntries(
    Object.entries(metadata).filter(([key]) => key !== "model-index" && /^[A-Za-z0-9_.-]+$/.test(key)),
  );
  const tags = Array.isArray(kept.tags) ? kept.tags.filter((t): t is string => typeof t === "string") : [];
  const datasets = Array.isArray(kept.datasets)
    ? kept.datasets.filter((d): d is string => typeof d === "string")
    : [];
  const dataNames = record.data.paths.map((p) => p.path);
  const dataset: Record<string, string> = {
    type: datasets[0] ?? dataNames[0] ?? "unrecorded",
    name: dataNames.length > 0 ? dataNames.join(", ") : (datasets[0] ?? "unrecorded"),
  };
  if (record.data.digest !== "") dataset.revision = record.data.digest;
  const metrics = Object.keys(record.metrics)
    .sort()
    .map((name) => {
      const value = record.metrics[name] ?? 0;
      const number = typeof value === "number" ? value : value.reduce((a, b) => a + b, 0) / value.length;
      return { type: name, value: number, name };
    });
  const task = typeof kept.pipeline_tag === "string" ? kept.pipeline_tag : DEFAULT_TASK;
  const document = {
    ...kept,
    tags: [...new Set([...tags, "mlops-actions"])],
    "model-index": [{ name: record.model.name, results: [{ task: { type: task }, dataset, metrics }] }],
  };
  const yaml = stringifyYaml(document, {
    lineWidth: 0,
    defaultStringType: "QUOTE_DOUBLE",
    defaultKeyType: "PLAIN",
  });
  return `---\n${inertQuotedStrings(yaml)}---\n\n`;
}

/**
 * The release body renders the front matter as markdown: inside every double-quoted YAML string, the
 * characters markdown acts on (HTML, mentions, issue links, autolinks, code, emphasis) become YAML
 * `\xNN` escapes. The YAML parses back to the exact values; the rendered text stays inert. Keys are
 * plain (ours, or the template's filtered to safe names), so every `"` opens a string scalar.
 */
function inertQuotedStrings(yaml: string): string {
  return yaml.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) =>
    quoted
      .replace(
        /[<>&@#`*[\]~$:]/g,
        (char) => `\\x${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
      )
      .replace(/(www)\./gi, "$1\\x2E"),
  );
}

function header(input: ModelCardInput): string {
  const { record } = input;
  const server = (input.serverUrl ?? "https://github.com").replace(/\/+$/, "");
  const repo = `${server}/${record.code.repository}`;
  const title = `# ${escapeText(record.model.name)}${input.version ? ` ${escapeText(input.version)}` : ""}`;
  const lines = [
    title,
    "",
    `Trained by ${link(`run ${record.run.id} (attempt ${record.run.attempt})`, `${repo}/actions/runs/${record.run.id}/attempts/${record.run.attempt}`)} of workflow ${escapeText(record.run.workflow)} on ${escapeText(record.run.startedAt)} (${formatNumber(record.run.durationSeconds)} s, ${escapeText(record.run.event)} by ${escapeText(record.run.actor)}), from commit ${link(record.code.sha.slice(0, 12), `${repo}/commit/${record.code.sha}`)}.`,
    "",
    `- Model digest: \`${record.model.digest}\` (${record.model.files.length} file${record.model.files.length === 1 ? "" : "s"}, ${formatBytes(record.model.size)})`,
    `- Training fingerprint: \`${record.fingerprint}\``,
  ];
  if (input.uri) lines.push(`- Published at: \`${input.uri.replace(/`/g, "")}\``);
  if (record.run.cacheHit) {
    const from = record.run.restoredFrom;
    lines.push(
      `- From the training cache${from ? `: trained by run ${escapeText(from.id)} (attempt ${from.attempt}) at ${escapeText(from.startedAt)}` : ""}`,
    );
  }
  return lines.join("\n");
}

function gateSection(gate: CardGate | undefined): string {
  if (!gate) return "## Gate\n\nNo gate verdict was required for this version.";
  const lines = [`## Gate`, "", `Verdict: **${gate.verdict}** (${escapeText(gate.source)}).`];
  if (gate.baseline) lines.push(`Baseline: ${escapeText(gate.baseline)}.`);
  return lines.join("\n");
}

function metricValue(value: MetricValue): string {
  if (typeof value === "number") return formatNumber(value);
  const mean = value.reduce((a, b) => a + b, 0) / value.length;
  return `${formatNumber(mean)} (mean of ${value.length}: ${value.map(formatNumber).join(", ")})`;
}

function metricsSection(metrics: RunRecord["metrics"]): string {
  const names = Object.keys(metrics).sort();
  if (names.length === 0) return "## Metrics\n\nThe run recorded no metrics.";
  const rows = names.map((name) => tableRow([escapeText(name), escapeText(metricValue(metrics[name] ?? 0))]));
  return ["## Metrics", "", tableHeader(["Metric", "Value"]), ...rows].join("\n");
}

function paramsSection(params: RunRecord["params"]): string {
  const names = Object.keys(params).sort();
  if (names.length === 0) return "## Parameters\n\nNone given.";
  const rows = names.map((name) =>
    tableRow([escapeText(name), escapeText(JSON.stringify(params[name]) ?? "null")]),
  );
  return ["## Parameters", "", tableHeader(["Parameter", "Value"]), ...rows].join("\n");
}

function dataSection(record: RunRecord): string {
  const { data } = record;
  if (data.paths.length === 0) return "## Data\n\nNo data paths were recorded.";
  const rows = data.paths.map((p) =>
    tableRow([
      escapeText(p.path),
      String(p.files),
      formatBytes(p.bytes),
      `\`${p.digest.slice(0, 16)}\``,
      p.source,
    ]),
  );
  const lines = [
    "## Data",
    "",
    `Data digest: \`${data.digest}\` (${data.files} files, ${formatBytes(data.bytes)}).`,
    "",
    tableHeader(["Path", "Files", "Size", "Digest", "Source"]),
    ...rows,
  ];
  if (data.profile) {
    lines.push(
      "",
      `Profile of ${escapeText(data.profile.file)}: ${data.profile.rows} rows, ${data.profile.columns.length} columns (${data.profile.columns.map((c) => `${escapeText(c.name, 60)} ${c.kind}`).join(", ")}).`,
    );
  }
  return lines.join("\n");
}

function codeSection(input: ModelCardInput): string {
  const { code } = input.record;
  const lines = [
    "## Code",
    "",
    `- Repository: ${escapeText(code.repository)}`,
    `- Commit: \`${escapeText(code.sha, 64)}\`${code.headSha ? ` (pull request head \`${escapeText(code.headSha, 64)}\`)` : ""}`,
    `- Ref: ${escapeText(code.ref)}${code.pullRequest === undefined ? "" : ` (pull request ${code.pullRequest})`}`,
    `- Uncommitted changes in code paths: ${code.dirty ? "**yes**" : "no"}`,
    `- Command: \`${input.record.run.command
      .replace(/`/g, "'")
      .replace(/[\r\n]+/g, " ")
      .slice(0, 300)}\``,
  ];
  if (code.paths.length > 0) {
    lines.push("", tableHeader(["Code path", "Digest", "Source"]));
    for (const p of code.paths)
      lines.push(tableRow([escapeText(p.path), `\`${p.digest.slice(0, 16)}\``, p.source]));
  }
  return lines.join("\n");
}

function environmentSection(record: RunRecord): string {
  const { environment } = record;
  const runner = environment.runner;
  const lines = [
    "## Environment",
    "",
    `- Python: ${escapeText(environment.python ?? "not recorded")}`,
    `- Runner: ${escapeText(runner.os)} ${escapeText(runner.arch)}${runner.image ? ` (${escapeText(runner.image)})` : ""}`,
    `- Toolkit: mlops-actions ${escapeText(record.toolkitVersion)}`,
  ];
  if (environment.lockfiles.length > 0) {
    lines.push("", tableHeader(["Lock file", "sha256"]));
    for (const l of environment.lockfiles)
      lines.push(tableRow([escapeText(l.path), `\`${l.sha256.slice(0, 16)}\``]));
  }
  return lines.join("\n");
}

function filesSection(record: RunRecord): string {
  const rows = record.model.files.map((f) =>
    tableRow([escapeText(f.path), formatBytes(f.size), `\`${f.sha256}\``]),
  );
  return ["## Files", "", tableHeader(["File", "Size", "sha256"]), ...rows].join("\n");
}

function intendedUse(input: ModelCardInput): string {
  const template = input.template?.trim();
  if (!template) {
    return "## Intended use and limitations\n\nNot documented. Add a `model-card` template file describing what the model is for, what it must not be used for, and its known limits.";
  }
  const values: Record<(typeof PLACEHOLDERS)[number], string> = {
    name: input.record.model.name,
    version: input.version ?? "",
    uri: input.uri ?? "",
    revision: input.record.code.sha,
    repository: input.record.code.repository,
  };
  const filled = template.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, key: string) =>
    (PLACEHOLDERS as readonly string[]).includes(key)
      ? escapeText(values[key as (typeof PLACEHOLDERS)[number]])
      : whole,
  );
  // The team's own markdown, as written: it starts its own sections, or is the body of this one.
  return /^#{1,6} /m.test(filled) ? filled : `## Intended use and limitations\n\n${filled}`;
}

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${formatNumber(Number(value.toFixed(1)))} ${units[unit]}`;
}
