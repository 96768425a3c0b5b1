// buildGateRecord, called directly: the record evaluate-gate uploads, and what parseGateRecord reads back.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { evaluateGate, type CandidateInput } from "../../../src/verdict/evaluate.ts";
import { buildGateRecord, parseGateRecord, type GateRecordFacts } from "../../../src/verdict/gate-record.ts";

const RULES = "accuracy >= 0.9\nloss <= baseline";
const metrics = { accuracy: 0.93, loss: [0.2, 0.25, 0.22] };
const candidates: CandidateInput[] = [{ label: "runs/a.json", metrics }];
/** As a caller may hold them: with a value the gate cannot judge, which the record leaves out. */
const heldCandidates: CandidateInput[] = [{ label: "runs/a.json", metrics: { ...metrics, note: "text" } }];

function facts(overrides: Partial<GateRecordFacts> = {}): GateRecordFacts {
  const report = evaluateGate({
    rules: RULES,
    candidates,
    baseline: { available: true, description: "main", metrics: { accuracy: 0.9, loss: 0.3 } },
  });
  return {
    report,
    commentKey: "iris",
    rules: { text: RULES, file: ".github/gate-rules.txt" },
    baseline: { spec: "branch:main", available: true, runId: 12 },
    candidates: heldCandidates,
    recordDigests: new Map([["runs/a.json", "e".repeat(64)]]),
    modelName: "iris",
    run: {
      repository: "octo/models",
      headSha: "b".repeat(40),
      sha: "a".repeat(40),
      pullRequest: 7,
      runId: 42,
      runAttempt: 1,
    },
    ...overrides,
  };
}

describe("buildGateRecord", () => {
  it("builds a record that parseGateRecord accepts as it is", () => {
    const record = buildGateRecord(facts());
    expect(parseGateRecord(JSON.parse(JSON.stringify(record)), "mlops-gate.json")).toEqual(record);
    expect(record).toMatchObject({
      verdict: record.report.verdict,
      commentKey: "iris",
      pullRequest: 7,
      runId: 42,
      posted: false,
      rules: {
        sha256: createHash("sha256").update(RULES).digest("hex"),
        file: ".github/gate-rules.txt",
        count: 2,
      },
    });
    expect(record.postedReason).toMatch(/^not posted yet/);
  });

  it("pins each candidate by its record digest and keeps only the metrics a gate can judge", () => {
    const [candidate] = buildGateRecord(facts()).candidates;
    expect(candidate).toEqual({
      label: "runs/a.json",
      model: "runs/a.json",
      recordSha256: "e".repeat(64),
      metrics: { accuracy: 0.93, loss: [0.2, 0.25, 0.22] },
    });
  });

  it("leaves out the pull request and the rules file when there are none", () => {
    const base = facts();
    const record = buildGateRecord({
      ...base,
      rules: { text: RULES },
      run: { ...base.run, pullRequest: undefined },
    });
    expect(Object.keys(record)).not.toContain("pullRequest");
    expect(Object.keys(record.rules)).toEqual(["sha256", "count"]);
  });
});
