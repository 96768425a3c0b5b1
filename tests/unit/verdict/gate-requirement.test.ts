import { describe, expect, it } from "vitest";
import {
  gateCheckText,
  parseGateCheckText,
  type GateCheckCandidate,
} from "../../../src/verdict/check-marker.ts";
import { parseGateRecord, type GateRecord } from "../../../src/verdict/gate-record.ts";
import { decideGate, type SearchedPlace } from "../../../src/verdict/gate-requirement.ts";
import { GATE_REPORT_SCHEMA, GATE_REPORT_SCHEMA_VERSION } from "../../../src/verdict/report.ts";
import { ConfigurationError } from "../../../src/formats/errors.ts";

const OURS = "a".repeat(64);
const OTHER = "b".repeat(64);

function gateRecord(
  candidates: {
    sha: string | undefined;
    verdict: "pass" | "warn" | "fail" | "inconclusive";
    passed?: boolean;
  }[],
): GateRecord {
  const diff = { compared: false, rows: [], unchanged: 0 };
  return parseGateRecord(
    {
      schema: "mlops-actions/gate",
      schemaVersion: "1.1",
      verdict: candidates[0]?.verdict ?? "pass",
      passed: true,
      commentKey: "churn",
      rules: { sha256: "c".repeat(64), count: 1 },
      baseline: { spec: "auto", available: false },
      candidates: candidates.map((c, i) => ({
        label: `c${i}`,
        model: "churn",
        ...(c.sha ? { recordSha256: c.sha } : {}),
      })),
      repository: "acme/churn",
      headSha: "h",
      sha: "s",
      runId: 42,
      runAttempt: 1,
      posted: false,
      report: {
        schema: GATE_REPORT_SCHEMA,
        schemaVersion: GATE_REPORT_SCHEMA_VERSION,
        verdict: candidates[0]?.verdict ?? "pass",
        passed: true,
        failOn: "error",
        requireBaseline: false,
        baseline: { available: false, description: "none", links: {} },
        candidates: candidates.map((c, i) => ({
          label: `c${i}`,
          model: "churn",
          verdict: c.verdict,
          passed: c.passed ?? (c.verdict === "pass" || c.verdict === "warn"),
          champion: i === 0,
          counts: { pass: 0, fail: 0, inconclusive: 0, skipped: 0 },
          rules: [],
          metrics: [],
          links: {},
          params: diff,
          data: diff,
          environment: diff,
          curves: [],
        })),
        notes: [],
      },
    },
    "test",
  );
}

const file = (record: GateRecord, where = "/tmp/rt/mlops/churn/mlops-gate.json"): SearchedPlace => ({
  place: "$RUNNER_TEMP/mlops/",
  evidence: [{ kind: "gate-record", where, record }],
});
const none = (place: string, problem?: string): SearchedPlace => ({
  place,
  evidence: [],
  ...(problem ? { problem } : {}),
});

describe("decideGate", () => {
  it("passes on a pass or warn verdict for this record's sha256", () => {
    expect(decideGate(OURS, "mlops-run.json", [file(gateRecord([{ sha: OURS, verdict: "pass" }]))])).toEqual({
      passed: true,
      verdict: "pass",
      where: "/tmp/rt/mlops/churn/mlops-gate.json",
    });
    const warn = decideGate(OURS, "r", [
      none("$RUNNER_TEMP/mlops/"),
      file(
        gateRecord([
          { sha: OTHER, verdict: "fail" },
          { sha: OURS, verdict: "warn" },
        ]),
        "artifact mlops-gate-churn",
      ),
    ]);
    expect(warn).toMatchObject({ passed: true, verdict: "warn", where: "artifact mlops-gate-churn" });
  });

  it("refuses a failing verdict, naming where it was found", () => {
    const decision = decideGate(OURS, "mlops-run.json", [file(gateRecord([{ sha: OURS, verdict: "fail" }]))]);
    if (decision.passed) throw new Error("expected a refusal");
    expect(decision.error).toBeInstanceOf(ConfigurationError);
    expect(decision.error.message).toMatch(
      /^The gate did not pass the run record mlops-run\.json \(sha256 a{64}\)/,
    );
    expect(decision.error.message).toContain(
      "- /tmp/rt/mlops/churn/mlops-gate.json: verdict fail (not passed)",
    );
    expect(decision.error.message).toContain("'require-gate: false'");
  });

  it("refuses a warn that the gate's fail-on turned into a failure", () => {
    expect(
      decideGate(OURS, "r", [file(gateRecord([{ sha: OURS, verdict: "warn", passed: false }]))]).passed,
    ).toBe(false);
  });

  it("refuses a gate record for another record (digest mismatch) and names every place it looked", () => {
    const decision = decideGate(OURS, "mlops-run.json", [
      file(
        gateRecord([
          { sha: OTHER, verdict: "pass" },
          { sha: undefined, verdict: "pass" },
        ]),
      ),
      none("artifacts mlops-gate-* of run 42", "no artifact service in this job"),
      none("gate check runs on 0123456"),
    ]);
    if (decision.passed) throw new Error("expected a refusal");
    expect(decision.error.message).toMatch(/^No gate passed the run record/);
    expect(decision.error.message).toContain("judged other run records (sha256 bbbbbbbbbbbb, (none))");
    expect(decision.error.message).toContain(
      "- artifacts mlops-gate-* of run 42: not searched (no artifact service in this job)",
    );
    expect(decision.error.message).toContain("- gate check runs on 0123456: no gate record");
  });

  it("refuses when nothing was found anywhere", () => {
    const decision = decideGate(OURS, "r", [none("$RUNNER_TEMP/mlops/"), none("artifacts")]);
    expect(decision.passed).toBe(false);
  });

  it("accepts a successful or neutral gate check run that embeds this record's sha256, and nothing less", () => {
    const candidates: GateCheckCandidate[] = [
      { model: "churn", recordSha256: OURS, verdict: "pass", passed: true },
    ];
    const check = (conclusion: string | null, c = candidates): SearchedPlace => ({
      place: "gate check runs",
      evidence: [
        { kind: "check-run", where: "check run 'mlops gate: churn' (id 5)", conclusion, candidates: c },
      ],
    });
    expect(decideGate(OURS, "r", [check("success")]).passed).toBe(true);
    expect(
      decideGate(OURS, "r", [
        check("neutral", [{ model: "churn", recordSha256: OURS, verdict: "warn", passed: true }]),
      ]).passed,
    ).toBe(true);
    expect(decideGate(OURS, "r", [check("failure")]).passed).toBe(false);
    expect(decideGate(OTHER, "r", [check("success")]).passed).toBe(false);
  });
});

describe("gate check text", () => {
  it("round-trips the candidates; anything else reads as none", () => {
    const candidates = [{ model: "churn", recordSha256: OURS, verdict: "warn" as const, passed: true }];
    const text = gateCheckText(candidates);
    expect(text).toContain(`churn: warn (run record sha256 ${OURS})`);
    expect(parseGateCheckText(`${text}\nmore`)).toEqual(candidates);
    expect(parseGateCheckText(null)).toEqual([]);
    expect(parseGateCheckText("<!-- mlops-gate-check {bad} -->")).toEqual([]);
    expect(
      parseGateCheckText(
        '<!-- mlops-gate-check {"candidates":[{"model":"m","recordSha256":"x","verdict":"pass","passed":true}]} -->',
      ),
    ).toEqual([]);
  });
});
