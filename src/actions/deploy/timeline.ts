// The job summary's timeline: resolve, target, health, smoke, load, rollback — each with when it
// started, how long it took and what came of it.
export const TIMELINE_STEPS = ["resolve", "target", "health", "smoke", "load", "rollback"] as const;
export type TimelineStep = (typeof TIMELINE_STEPS)[number];

export interface TimelineEntry {
  step: TimelineStep;
  startedAt: Date;
  ms: number;
  result: "passed" | "failed" | "skipped";
  detail: string;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];

  async step<T>(step: TimelineStep, body: () => Promise<T>, detail: (value: T) => string): Promise<T> {
    const startedAt = new Date();
    const started = performance.now();
    try {
      const value = await body();
      this.entries.push({
        step,
        startedAt,
        ms: performance.now() - started,
        result: "passed",
        detail: detail(value),
      });
      return value;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.entries.push({ step, startedAt, ms: performance.now() - started, result: "failed", detail: text });
      throw error;
    }
  }

  skip(step: TimelineStep, why: string): void {
    this.entries.push({ step, startedAt: new Date(), ms: 0, result: "skipped", detail: why });
  }

  render(title: string): string {
    const icon = { passed: "✅", failed: "❌", skipped: "⏭️" } as const;
    const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").slice(0, 300);
    const rows = this.entries.map(
      (e) =>
        `| ${e.step} | ${e.startedAt.toISOString().slice(11, 19)} | ${(e.ms / 1000).toFixed(1)} s | ${icon[e.result]} ${e.result} | ${cell(e.detail)} |`,
    );
    return [
      `### ${title}`,
      "",
      "| step | started (UTC) | took | result | detail |",
      "| --- | --- | --- | --- | --- |",
      ...rows,
      "",
    ].join("\n");
  }
}
