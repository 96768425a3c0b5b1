// What a gate check run embeds for publish-model: each candidate's model, verdict and the sha256 of the
// run record it judged, as one JSON line in an HTML comment of the check run's `output.text`. One
// definition for the writer (evaluate-gate) and the reader (publish-model's gate requirement).
import * as z from "zod";

const GATE_CHECK_MARKER = "mlops-gate-check";
/** Check runs of the gate are named `mlops gate: <comment-key>`. */
export const GATE_CHECK_NAME_PREFIX = "mlops gate: ";

const Candidate = z.object({
  model: z.string().max(1000),
  recordSha256: z.string().regex(/^[0-9a-f]{64}$/),
  verdict: z.enum(["pass", "warn", "inconclusive", "fail"]),
  passed: z.boolean(),
});
export type GateCheckCandidate = z.infer<typeof Candidate>;

export function gateCheckText(candidates: readonly GateCheckCandidate[]): string {
  const lines = candidates.map((c) => `- ${c.model}: ${c.verdict} (run record sha256 ${c.recordSha256})`);
  return `Judged run records:\n${lines.join("\n")}\n\n<!-- ${GATE_CHECK_MARKER} ${JSON.stringify({ candidates })} -->\n`;
}

/** The candidates a check run's text embeds; [] when it has none or they do not parse. */
export function parseGateCheckText(text: string | null | undefined): GateCheckCandidate[] {
  const match = new RegExp(`<!-- ${GATE_CHECK_MARKER} (\\{.*?\\}) -->`).exec(text ?? "");
  if (!match?.[1]) return [];
  try {
    const parsed = z.object({ candidates: z.array(Candidate).max(1000) }).safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data.candidates : [];
  } catch {
    return [];
  }
}
