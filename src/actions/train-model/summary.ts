// The job summary of a training run: what was trained, its metrics, and how to find it again.
import { escapeText } from "../../formats/markdown.ts";
import type { RunRecord } from "../../record/run-record.ts";

const MAX_ROWS = 200;

export function trainSummary(
  record: RunRecord,
  cacheHit: boolean,
  artifactName: string,
  artifactId: number | undefined,
): string {
  const lines = [
    `### 🧪 Trained \`${escapeText(record.model.name)}\`${cacheHit ? " (restored from the training cache)" : ""}`,
    "",
    `| | |`,
    `| --- | --- |`,
    `| model digest | \`${record.model.digest}\` (${record.model.files.length} files, ${record.model.size} bytes) |`,
    `| fingerprint | \`${record.fingerprint}\` |`,
    `| command | \`${escapeText(record.run.command).replace(/`/g, "'")}\` |`,
    `| duration | ${record.run.durationSeconds} s${record.run.peakMemoryBytes ? `, peak memory ${(record.run.peakMemoryBytes / 2 ** 20).toFixed(0)} MiB` : ""} |`,
    `| data | ${record.data.files} files, ${record.data.bytes} bytes |`,
    `| artifact | ${artifactId === undefined ? "not uploaded" : `\`${escapeText(artifactName)}\` (id ${artifactId})`} |`,
    "",
    "| metric | value |",
    "| --- | --- |",
  ];
  const entries = Object.entries(record.metrics);
  for (const [name, value] of entries.slice(0, MAX_ROWS)) {
    const shown = Array.isArray(value) ? `[${value.map((v) => String(v)).join(", ")}]` : String(value);
    lines.push(`| ${escapeText(name)} | ${escapeText(shown)} |`);
  }
  if (entries.length > MAX_ROWS) lines.push(`| … | ${entries.length - MAX_ROWS} more in the run record |`);
  if (record.ignoredMetrics.length > 0) {
    lines.push(
      "",
      `Left out of the metrics (not numbers): ${record.ignoredMetrics.map((m) => `\`${escapeText(m.name)}\``).join(", ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
