// requireGate's search against real places: a gate record in $RUNNER_TEMP/mlops/, and gate check runs
// created through the GitHub double (validated against GitHub's OpenAPI) by evaluate-gate's own code.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createGateCheckRun } from "../../../src/actions/evaluate-gate/check-run.ts";
import { requireGate, type GateSearch } from "../../../src/actions/publish-model/gate-evidence.ts";
import { evaluateGate } from "../../../src/verdict/evaluate.ts";
import { ConfigurationError } from "../../../src/formats/errors.ts";
import { createOctokit } from "../../../src/lib/octokit.ts";
import {
  fakeSha,
  readOnlyPermissions,
  startGitHubDouble,
  type GitHubDouble,
} from "../../../testing/services/github/index.ts";

const REPO = "acme/churn";
const OURS = "a".repeat(64);
const head = fakeSha("trained commit");

describe("requireGate", () => {
  let double: GitHubDouble;
  let runnerTemp: string;

  beforeEach(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_bot");
    double.addToken("ghs_noread", { permissions: { ...readOnlyPermissions(), checks: "none" } });
    double.state.seedCommits(REPO, head);
    vi.stubEnv("GITHUB_API_URL", double.url);
    // No artifact service in this test: the artifact place reports why it was not searched.
    vi.stubEnv("ACTIONS_RUNTIME_TOKEN", undefined);
    vi.stubEnv("ACTIONS_RESULTS_URL", undefined);
    runnerTemp = mkdtempSync(join(tmpdir(), "mlops-rt-"));
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    double.assertNoViolations();
    await double.close();
  });

  const search = (token = "ghs_bot"): GateSearch => ({
    recordSha256: OURS,
    recordLabel: "mlops-run.json",
    runnerTemp,
    owner: "acme",
    repo: "churn",
    headSha: head,
    runId: "42",
    github: () => Promise.resolve(createOctokit(token, { retries: 0 })),
  });

  async function gateCheck(rules: string, recordSha256 = OURS): Promise<void> {
    const report = evaluateGate({
      rules,
      candidates: [{ label: "mlops-run.json", model: "churn", metrics: { accuracy: 0.9 } }],
      baseline: { available: false, reason: "none" },
    });
    const champion = report.candidates[0];
    if (!champion) throw new Error("no candidate");
    await createGateCheckRun(
      createOctokit("ghs_bot"),
      {
        owner: "acme",
        repo: "churn",
        headSha: head,
        name: "mlops gate: churn",
        candidates: [{ model: "churn", recordSha256, verdict: champion.verdict, passed: champion.passed }],
      },
      report,
      "summary",
    );
  }

  it("passes on a gate check run on the record's head commit that embeds this record's sha256", async () => {
    await gateCheck("accuracy >= 0.8");
    const decision = await requireGate(search());
    expect(decision).toMatchObject({ passed: true, verdict: "pass" });
    expect(decision.where).toMatch(/^check run 'mlops gate: churn' \(id \d+\)$/);
  });

  it("refuses a failing gate check run and names every place it looked", async () => {
    await gateCheck("accuracy >= 0.95");
    const refused = requireGate(search());
    await expect(refused).rejects.toThrow(ConfigurationError);
    const message = await refused.catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    expect(message).toMatch(/^The gate did not pass the run record mlops-run\.json/);
    expect(message).toContain(`- $RUNNER_TEMP/mlops/ (${join(runnerTemp, "mlops")}): no gate record`);
    expect(message).toMatch(
      /- this run's mlops-gate-\* artifacts \(run 42\): not searched \(Reading this run's gate artifacts needs GitHub's artifact service/,
    );
    expect(message).toMatch(
      /- check run 'mlops gate: churn' \(id \d+\): verdict fail \(not passed\), conclusion failure/,
    );
  });

  it("refuses a check run for another record (digest mismatch)", async () => {
    await gateCheck("accuracy >= 0.8", "b".repeat(64));
    await expect(requireGate(search())).rejects.toThrow(
      /No gate passed .*judged other run records \(sha256 bbbbbbbbbbbb\)/s,
    );
  });

  it("reports a token that may not read check runs as a place not searched", async () => {
    await expect(requireGate(search("ghs_noread"))).rejects.toThrow(
      /- gate check runs: not searched \(GitHub refused to list the check runs.*'checks: read'/s,
    );
  });

  it("passes on this job's gate record in $RUNNER_TEMP/mlops/ without calling GitHub", async () => {
    const report = evaluateGate({
      rules: "accuracy >= 0.8",
      candidates: [{ label: "mlops-run.json", model: "churn", metrics: { accuracy: 0.9 } }],
      baseline: { available: false, reason: "none" },
    });
    const dir = join(runnerTemp, "mlops", "churn");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "mlops-gate.json"),
      JSON.stringify({
        schema: "mlops-actions/gate",
        schemaVersion: "1.1",
        verdict: report.verdict,
        passed: report.passed,
        commentKey: "churn",
        rules: { sha256: "c".repeat(64), count: 1 },
        baseline: { spec: "none", available: false },
        candidates: [{ label: "mlops-run.json", model: "churn", recordSha256: OURS }],
        repository: REPO,
        headSha: head,
        sha: head,
        runId: 42,
        runAttempt: 1,
        posted: false,
        report,
      }),
    );
    const before = double.requests.length;
    expect(await requireGate(search())).toMatchObject({
      passed: true,
      verdict: "pass",
      where: join(dir, "mlops-gate.json"),
    });
    expect(double.requests.length).toBe(before);
  });
});
