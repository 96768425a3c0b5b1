// Job summary writes. GitHub keeps at most 1 MiB of summary per step; above that it drops the summary,
// so a too-large report is replaced by its short form rather than lost.
import * as core from "@actions/core";

const SUMMARY_LIMIT_BYTES = 1024 * 1024;

export async function appendSummary(markdown: string, shortForm?: () => string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  let text = markdown;
  if (Buffer.byteLength(text) > SUMMARY_LIMIT_BYTES - 1024) {
    text = shortForm
      ? shortForm()
      : `${text.slice(0, SUMMARY_LIMIT_BYTES / 2)}\n\n… (cut: over GitHub's 1 MiB summary limit)\n`;
  }
  await core.summary.addRaw(text, true).write();
}
