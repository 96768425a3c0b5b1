// evaluate-gate when GitHub fails after the verdict: one fault per test, injected in the GitHub double
// (each test has its own double, so the faults of one never reach another). Whatever the fault, the step
// outputs are set, mlops-gate.json is written, the gate artifact is uploaded, the report is in the job
// summary, and the step's result follows the verdict: a warning for GitHub's failures, an error naming
// `github-token` for a rejected or empty token — never "Unexpected failure" with a stack.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGateRecord, type GateRecord } from "../../src/verdict/gate-record.ts";
import type { FaultSpec, GitHubDouble } from "../../testing/services/github/index.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import {
  fakeSha,
  pullRequestRun,
  REPO,
  startGitHub,
  type SimulatedRun,
} from "../../testing/support/github.ts";
import { startArtifactServices, type ArtifactServices } from "../../testing/support/services.ts";

const GET_PULL = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
const LIST_COMMENTS = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments";
const CREATE_COMMENT = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";
const CREATE_CHECK_RUN = "POST /repos/{owner}/{repo}/check-runs";

let services: ArtifactServices;
const doubles: GitHubDouble[] = [];

beforeAll(async () => {
  services = await startArtifactServices();
}, 60_000);

afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
  await services.close();
});

interface Gated {
  github: GitHubDouble;
  run: SimulatedRun;
  result: ActionResult;
  runnerTemp: string;
  record: GateRecord;
}

/**
 * A PR whose candidate scores `accuracy` against a file baseline (no API needed before the comment),
 * gated with the faults in place. `token` replaces the run's token (undefined: the writable one).
 */
async function gateWithFaults(
  pr: number,
  candidate: number | Record<string, number>,
  faults: FaultSpec[],
  options: { token?: string; inputs?: Record<string, string>; runnerTemp?: string } = {},
): Promise<Gated> {
  const github = await startGitHub(services);
  doubles.push(github);
  const headSha = fakeSha("fault", String(pr));
  github.state.seedPull(REPO, { number: pr, head: { ref: `fault-${pr}`, sha: headSha } });
  const run = pullRequestRun(github, services, { number: pr, headSha, baseSha: fakeSha("base") });
  const workspace = mkdtempSync(join(tmpdir(), "mlops-faults-"));
  const metrics = typeof candidate === "number" ? { accuracy: candidate, loss: 1 - candidate } : candidate;
  writeFileSync(join(workspace, "metrics.json"), JSON.stringify(metrics));
  writeFileSync(join(workspace, "baseline.json"), JSON.stringify({ accuracy: 0.9, loss: 0.1 }));
  const runnerTemp = options.runnerTemp ?? mkdtempSync(join(tmpdir(), "mlops-faults-temp-"));
  for (const fault of faults) github.faults.add(fault);
  const step = run.step(options.token);
  const result = await runAction({
    action: "evaluate-gate",
    inputs: {
      candidate: "metrics.json",
      baseline: "file:baseline.json",
      rules: "accuracy >= 0.85\naccuracy >= baseline - 0.02",
      ...options.inputs,
    },
    workspace,
    runnerTemp,
    ...step,
  });
  const path = join(runnerTemp, "mlops", "digits", "mlops-gate.json");
  const record = existsSync(path)
    ? parseGateRecord(JSON.parse(readFileSync(path, "utf8")), path)
    : (undefined as unknown as GateRecord);
  return { github, run, result, runnerTemp, record };
}

function messages(result: ActionResult, level: "warning" | "error"): string {
  return result.annotations
    .filter((a) => a.level === level)
    .map((a) => a.message)
    .join("\n");
}

/** Everything that must survive any fault after the verdict. */
function expectVerdictKept(gated: Gated, verdict: "pass" | "fail"): void {
  const { result, record, run, github } = gated;
  expect(result.stderr + result.stdout).not.toMatch(/Unexpected failure/);
  expect(result.outputs).toMatchObject({ verdict, passed: String(verdict === "pass") });
  expect(result.outputs.report).toMatch(/gate-report\.md$/);
  expect(existsSync(result.outputs["report-json"] ?? "")).toBe(true);
  expect(result.summary).toContain(`Gate: ${verdict}`);
  expect(record, "mlops-gate.json is written").toBeDefined();
  expect(record.verdict).toBe(verdict);
  expect(record.posted).toBe(false);
  const uploaded = services.results.list({ workflowRunId: run.runId }).map((a) => a.name);
  expect(uploaded).toContain("mlops-gate-digits");
  expect(github.faults.unused(), "every injected fault was hit").toEqual([]);
  github.assertNoViolations();
}

function calls(github: GitHubDouble, route: string): number[] {
  return github.requests.filter((r) => r.route === route).map((r) => r.status);
}

describe.concurrent("a GitHub fault on the PR comment, after the verdict", () => {
  it("500 on creating the comment, through every retry: a warning, and the step passes", async () => {
    const gated = await gateWithFaults(101, 0.92, [
      { route: CREATE_COMMENT, kind: "status", status: 500, times: 4 },
    ]);
    expectVerdictKept(gated, "pass");
    expect(gated.result.exitCode).toBe(0);
    expect(calls(gated.github, CREATE_COMMENT)).toEqual([500, 500, 500, 500]);
    expect(messages(gated.result, "warning")).toMatch(
      /Could not post the PR comment: GitHub failed \(500: Server Error\).*The verdict stands.*mlops-gate-digits artifact \(posted: false\)/s,
    );
    expect(gated.record.postedReason).toMatch(/GitHub failed \(500/);
    expect(messages(gated.result, "error")).toBe("");
  });

  it("a secondary rate limit that does not lift: a warning, and the failing verdict fails the step", async () => {
    const gated = await gateWithFaults(102, 0.5, [
      { route: CREATE_COMMENT, kind: "secondary-rate-limit", retryAfterSeconds: 1, times: 5 },
    ]);
    expectVerdictKept(gated, "fail");
    expect(gated.result.exitCode).toBe(1);
    expect(messages(gated.result, "warning")).toMatch(
      /Could not post the PR comment: GitHub failed \(403: You have exceeded a secondary rate limit/,
    );
    // The only errors: the failing rules and the verdict.
    expect(messages(gated.result, "error")).toMatch(/fail-on 'error' does not allow/);
    expect(messages(gated.result, "error")).not.toMatch(/rate limit|github-token/);
  });

  it("404 on listing the comments: a warning, and the step passes", async () => {
    const gated = await gateWithFaults(103, 0.92, [{ route: LIST_COMMENTS, kind: "status", status: 404 }]);
    expectVerdictKept(gated, "pass");
    expect(gated.result.exitCode).toBe(0);
    expect(messages(gated.result, "warning")).toMatch(/Could not post the PR comment: GitHub failed \(404/);
  });

  it("the connection reset on every try: a warning, and the failing verdict fails the step", async () => {
    const gated = await gateWithFaults(104, 0.5, [{ route: GET_PULL, kind: "drop", times: 4 }]);
    expectVerdictKept(gated, "fail");
    expect(gated.result.exitCode).toBe(1);
    expect(messages(gated.result, "warning")).toMatch(/Could not post the PR comment: GitHub failed \(500/);
    expect(gated.github.state.comments(REPO, 104)).toHaveLength(0);
  });

  it("a failing check run is a warning too", async () => {
    const gated = await gateWithFaults(
      105,
      0.92,
      [{ route: CREATE_CHECK_RUN, kind: "status", status: 422 }],
      {
        inputs: { "check-run": "true" },
      },
    );
    expect(gated.result.exitCode).toBe(0);
    expect(messages(gated.result, "warning")).toMatch(/Could not create the check run: GitHub failed \(422/);
    expect(gated.record.posted).toBe(true); // the comment itself went through
    expect(gated.github.state.comments(REPO, 105)).toHaveLength(1);
  });
});

describe.concurrent("a token GitHub does not accept", () => {
  it("401 (a revoked or expired token): an error naming github-token, after the verdict is kept", async () => {
    const gated = await gateWithFaults(106, 0.92, [], { token: "ghs_revoked_token" });
    expectVerdictKept(gated, "pass");
    expect(gated.result.exitCode).toBe(1);
    const errors = messages(gated.result, "error");
    expect(errors).toMatch(/GitHub rejected the token in 'github-token' \(401: Bad credentials\)/);
    expect(errors).not.toMatch(/\n\s+at /); // no stack
    expect(gated.record.postedReason).toMatch(/github-token/);
  });

  it("an empty github-token: an error naming it, after the verdict is kept", async () => {
    const gated = await gateWithFaults(107, 0.92, [], { inputs: { "github-token": "" } });
    expectVerdictKept(gated, "pass");
    expect(gated.result.exitCode).toBe(1);
    expect(messages(gated.result, "error")).toMatch(
      /Input 'github-token' is empty, and this step needs the GitHub API/,
    );
  });
});

describe("a full disk under RUNNER_TEMP", () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const mount of mounts) execFileSync("umount", [mount]);
  });

  it("fails naming the report file, and leaves no partial file", async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), "mlops-full-disk-"));
    // Room for the runner's own files (event payload, file commands), not for a large report.
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=192k", "tmpfs", runnerTemp]);
    mounts.push(runnerTemp);
    const metrics: Record<string, number> = { accuracy: 0.92 };
    for (let i = 0; i < 4000; i++) metrics[`layer_${i}.grad_norm`] = i / 4000;
    const { result: gated } = await gateWithFaults(108, metrics, [], {
      runnerTemp,
      inputs: { baseline: "none", rules: "accuracy >= 0.85", comment: "never" },
    });
    expect(gated.exitCode).toBe(1);
    expect(gated.stderr + gated.stdout).not.toMatch(/Unexpected failure/);
    const outputDir = join(runnerTemp, "mlops", "digits");
    expect(messages(gated, "error")).toMatch(
      new RegExp(
        `No space left on the device to write ${outputDir}/gate-report\\.md \\(its file system has [\\d.]+ KiB free of 192\\.0 KiB\\)`,
      ),
    );
    expect(readdirSync(outputDir)).toEqual([]); // neither the report nor a temp file
    expect(gated.outputs.verdict).toBe("pass"); // set before the files
  });
});
