// Steady traffic through a front during a switch: requests sent on the clock (~20/s), every answer kept
// with the version that gave it, so a test can require zero non-2xx answers, no starved sender and both
// versions answering. Used by the serving tests (the receiver alone) and the deploy tests (the action).

export interface Answer {
  status: number;
  /** The version that answered (or the error, for a request that got no answer). */
  version?: string;
}

export interface TrafficReport {
  sent: number;
  /** How many the clock called for while the traffic ran. */
  planned: number;
  answers: Answer[];
  failures: Answer[];
}

export interface SteadyTraffic {
  /** How many answers came from `version` so far. */
  seen(version: string): number;
  /** Stops sending and waits for every request in flight. */
  stop(): Promise<TrafficReport>;
}

/**
 * Calls `send` every `intervalMs` by the clock. Each tick sends the requests due (at most two, so a
 * starved event loop shows as a shortfall rather than a burst).
 */
export function steadyTraffic(send: () => Promise<Answer>, intervalMs = 50): SteadyTraffic {
  const answers: Answer[] = [];
  const pending: Promise<void>[] = [];
  let sent = 0;
  const shoot = () => {
    sent += 1;
    pending.push(
      send().then(
        (answer) => void answers.push(answer),
        (error: unknown) =>
          void answers.push({ status: 0, version: `${String(error)}: ${String((error as Error).cause)}` }),
      ),
    );
  };
  const started = Date.now();
  const timer = setInterval(() => {
    const due = Math.floor((Date.now() - started) / intervalMs) - sent;
    for (let i = 0; i < Math.min(due, 2); i++) shoot();
  }, intervalMs / 2);
  return {
    seen: (version) => answers.filter((a) => a.version === version).length,
    async stop() {
      clearInterval(timer);
      const planned = Math.floor((Date.now() - started) / intervalMs);
      await Promise.all(pending);
      return { sent, planned, answers, failures: answers.filter((a) => a.status < 200 || a.status > 299) };
    },
  };
}

/** One line for the log: what was sent, what answered. */
export function describeTraffic(report: TrafficReport, versions: string[]): string {
  const by = versions.map((v) => `${v} ${report.answers.filter((a) => a.version === v).length}`).join(", ");
  return `${report.sent} sent of ${report.planned} planned, ${by}, ${report.failures.length} failed`;
}
