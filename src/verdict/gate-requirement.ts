// publish-model's `require-gate: true`: the model may be published only when a gate judged exactly this
// run record (the sha256 of its bytes) and its verdict was pass or warn. The evidence comes from places
// the action searches (this job's $RUNNER_TEMP/mlops/, this run's mlops-gate-* artifacts, gate check runs
// on the record's head commit); this module decides, and when it refuses it names every place it looked
// and what it found there. Pure: the action gathers the evidence.
import { ConfigurationError } from "../formats/errors.ts";
import type { GateCheckCandidate } from "./check-marker.ts";
import type { GateRecord } from "./gate-record.ts";

export type GateEvidence =
  | { kind: "gate-record"; where: string; record: GateRecord }
  | { kind: "check-run"; where: string; conclusion: string | null; candidates: GateCheckCandidate[] };

export interface SearchedPlace {
  /** e.g. "$RUNNER_TEMP/mlops/ (/tmp/runner/mlops)", "artifacts mlops-gate-* of run 42" */
  place: string;
  evidence: GateEvidence[];
  /** Why the place could not be searched (no artifact service, a missing permission). */
  problem?: string;
}

export type GateDecision =
  { passed: true; verdict: "pass" | "warn"; where: string } | { passed: false; error: ConfigurationError };

interface Judged {
  verdict: GateCheckCandidate["verdict"];
  passed: boolean;
}

function judgedIn(evidence: GateEvidence, recordSha256: string): Judged | undefined {
  if (evidence.kind === "check-run") {
    const candidate = evidence.candidates.find((c) => c.recordSha256 === recordSha256);
    if (!candidate) return undefined;
    // A check run counts only when it completed successfully (success: pass, neutral: warn).
    const ok = evidence.conclusion === "success" || evidence.conclusion === "neutral";
    return { verdict: candidate.verdict, passed: candidate.passed && ok };
  }
  const { record } = evidence;
  const candidate = record.candidates.find((c) => c.recordSha256 === recordSha256);
  if (!candidate) return undefined;
  const reported = record.report.candidates.find((c) => c.label === candidate.label);
  if (!reported) return undefined;
  return { verdict: reported.verdict, passed: reported.passed };
}

function describe(evidence: GateEvidence, recordSha256: string): string {
  const judged = judgedIn(evidence, recordSha256);
  if (judged) {
    return `${evidence.where}: verdict ${judged.verdict}${judged.passed ? "" : " (not passed)"}${
      evidence.kind === "check-run" ? `, conclusion ${evidence.conclusion ?? "none"}` : ""
    }`;
  }
  const others =
    evidence.kind === "check-run"
      ? evidence.candidates.map((c) => c.recordSha256)
      : evidence.record.candidates.map((c) => c.recordSha256 ?? "(none)");
  return `${evidence.where}: judged other run records (sha256 ${others.map((s) => s.slice(0, 12)).join(", ") || "none recorded"})`;
}

export function decideGate(
  recordSha256: string,
  recordLabel: string,
  places: readonly SearchedPlace[],
): GateDecision {
  for (const place of places) {
    for (const evidence of place.evidence) {
      const judged = judgedIn(evidence, recordSha256);
      if (judged?.passed && (judged.verdict === "pass" || judged.verdict === "warn")) {
        return { passed: true, verdict: judged.verdict, where: evidence.where };
      }
    }
  }
  const lines = places.map((place) => {
    if (place.problem) return `- ${place.place}: not searched (${place.problem})`;
    if (place.evidence.length === 0) return `- ${place.place}: no gate record`;
    return place.evidence.map((e) => `- ${describe(e, recordSha256)}`).join("\n");
  });
  const failed = places.some((p) => p.evidence.some((e) => judgedIn(e, recordSha256) !== undefined));
  return {
    passed: false,
    error: new ConfigurationError(
      `${failed ? "The gate did not pass" : "No gate passed"} the run record ${recordLabel} (sha256 ${recordSha256}); publish-model requires it (require-gate: true). Looked in:\n${lines.join("\n")}\n` +
        `Run evaluate-gate on this run record before publishing (in this job, or upload its mlops-gate-<key> artifact in this run, or with check-run: true on the record's head commit), or set 'require-gate: false' to publish without a gate.`,
    ),
  };
}
