// evaluate-gate through the rig against the GitHub REST double (validated against GitHub's OpenAPI
// description), Azurite and the results service: baselines found through the API, the sticky comment,
// races, fork PRs and their companion, check runs and permission errors.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { parseGateCheckText } from "../../src/verdict/check-marker.ts";
import { parseGateRecord, type GateRecord } from "../../src/verdict/gate-record.ts";
import { readOnlyPermissions, type GitHubDouble } from "../../testing/services/github/index.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import {
  fakeSha,
  pullRequestRun,
  pushRun,
  REPO,
  startGitHub,
  TOKEN,
  type SimulatedRun,
} from "../../testing/support/github.ts";
import {
  startArtifactServices,
  uploadArtifactAs,
  type ArtifactServices,
} from "../../testing/support/services.ts";
import { checkoutExample } from "../../testing/support/workspace.ts";

let services: ArtifactServices;
let github: GitHubDouble;
let mainRun: SimulatedRun;

const RULES = "accuracy >= 0.8\nf1 >= baseline - 0.01\nloss <= baseline * 1.10";
const MARKER = "<!-- mlops-actions:gate:digits -->";

interface Job {
  workspace: string;
  runnerTemp: string;
  train: ActionResult;
}

/** train-model in a fresh checkout, as the first step of a job of `run`. */
async function trainJob(
  run: SimulatedRun,
  inputs: Record<string, string> = {},
  token?: string,
): Promise<Job> {
  const workspace = checkoutExample("quickstart");
  const runnerTemp = mkdtempSync(join(tmpdir(), "mlops-job-"));
  const train = await runAction({
    action: "train-model",
    inputs: {
      command: "python3 train.py",
      "model-path": "model",
      "data-paths": "data",
      cache: "false",
      ...inputs,
    },
    workspace,
    runnerTemp,
    ...run.step(token),
  });
  expect(train.exitCode, train.stderr + JSON.stringify(train.annotations)).toBe(0);
  return { workspace, runnerTemp, train };
}

/** evaluate-gate as the next step of the same job (GITHUB_ENV from train-model carries MLOPS_RUN_RECORD). */
function gateStep(
  job: Job,
  run: SimulatedRun,
  inputs: Record<string, string>,
  options: { token?: string; runAttempt?: number } = {},
): Promise<ActionResult> {
  const step = run.step(options.token);
  return runAction({
    action: "evaluate-gate",
    inputs: { rules: RULES, ...inputs },
    workspace: job.workspace,
    runnerTemp: job.runnerTemp,
    ...step,
    github: { ...step.github, ...(options.runAttempt ? { runAttempt: options.runAttempt } : {}) },
    env: { ...step.env, ...job.train.env },
  });
}

function errors(result: ActionResult): string[] {
  return result.annotations.filter((a) => a.level === "error").map((a) => a.message);
}

function gateComments(pr: number) {
  return github.state.comments(REPO, pr).filter((c) => c.body.startsWith(MARKER));
}

beforeAll(async () => {
  services = await startArtifactServices();
  github = await startGitHub(services);
  mainRun = pushRun(github, services, "main", fakeSha("main-1"));
  await trainJob(mainRun);
}, 120_000);

afterEach(() => {
  github.assertNoViolations();
});

afterAll(async () => {
  await github.close();
  await services.close();
});

describe("a pull request against main", () => {
  let job: Job;
  let run: SimulatedRun;
  let result: ActionResult;

  beforeAll(async () => {
    github.state.seedPull(REPO, {
      number: 7,
      head: { ref: "feature-7", sha: fakeSha("pr7") },
      base: { sha: mainRun.headSha },
    });
    run = pullRequestRun(github, services, { number: 7, headSha: fakeSha("pr7"), baseSha: mainRun.headSha });
    job = await trainJob(run, { params: JSON.stringify({ epochs: "120" }) });
    result = await gateStep(job, run, {});
  }, 120_000);

  it("uses the base commit's artifact as the baseline and passes", () => {
    expect(errors(result)).toEqual([]);
    expect(result.outputs.verdict).toBe("pass");
    expect(result.outputs.passed).toBe("true");
    expect(result.summary).toContain(`run ${mainRun.runId}, artifact mlops-run-digits`);
    const record = parseGateRecord(
      JSON.parse(readFileSync(join(job.runnerTemp, "mlops", "digits", "mlops-gate.json"), "utf8")),
      "gate",
    );
    expect(record.baseline).toMatchObject({
      spec: "auto",
      available: true,
      runId: mainRun.runId,
      sha: mainRun.headSha,
    });
    expect(record.headSha).toBe(run.headSha);
    expect(record.posted).toBe(true);
    expect(record.candidates[0]?.recordSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("posts one sticky comment with the table, marked with head and run", () => {
    const comments = gateComments(7);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    expect(body).toContain(`<!-- mlops-actions:gate-run head=${run.headSha} run=${run.runId} attempt=1 -->`);
    expect(body).toMatch(/\| metric \| baseline \| candidate \| Δ \| Δ% \| rule \| status \|/);
    expect(comments[0]?.user).toBe("github-actions[bot]");
  });

  it("uploads the gate record as an artifact of the run", () => {
    const stored = services.results.list({ workflowRunId: run.runId }).map((a) => a.name);
    expect(stored).toEqual(expect.arrayContaining(["mlops-run-digits", "mlops-gate-digits"]));
  });

  it("updates the same comment on a re-run", async () => {
    const again = await gateStep(job, run, {}, { runAttempt: 2 });
    expect(errors(again)).toEqual([]);
    const comments = gateComments(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(`run=${run.runId} attempt=2`);
  });

  it("on a re-run, reads the head and the comments together, then writes once without re-reading", async () => {
    const GET_PULL = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
    const LIST_COMMENTS = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments";
    const UPDATE_COMMENT = "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}";
    const [headCheck, listing] = [github.hold(GET_PULL), github.hold(LIST_COMMENTS)];
    const before = github.requests.length;
    const again = gateStep(job, run, {}, { runAttempt: 3 });
    // Both reads reach GitHub while neither has been answered: one round trip, not two.
    await Promise.all([headCheck.reached, listing.reached]);
    headCheck.release();
    listing.release();
    expect(errors(await again)).toEqual([]);
    const routes = github.requests
      .slice(before)
      .map((r) => r.route ?? "")
      .filter((route) => [GET_PULL, LIST_COMMENTS, UPDATE_COMMENT].includes(route));
    // An update rewrites the oldest gate comment: there is nothing older to find by reading again.
    expect([...routes].sort()).toEqual([GET_PULL, LIST_COMMENTS, UPDATE_COMMENT].sort());
    expect(routes.at(-1)).toBe(UPDATE_COMMENT);
    expect(gateComments(7)).toHaveLength(1);
    expect(gateComments(7)[0]?.body).toContain(`run=${run.runId} attempt=3`);
  });

  it("creates a check run on the PR's head commit, with annotations on the rules file", async () => {
    writeFileSync(join(job.workspace, "gate-rules.txt"), "# gate\naccuracy >= 0.8\nf1 >= 0.99\n");
    const checked = await gateStep(job, run, {
      rules: "gate-rules.txt",
      "check-run": "true",
      "fail-on": "never",
    });
    expect(errors(checked).length).toBeGreaterThan(0); // the failing rule is annotated even though the step passes
    expect(checked.exitCode).toBe(0);
    const check = github.state.checkRuns(REPO).at(-1);
    expect(check?.headSha).toBe(run.headSha);
    expect(check?.conclusion).toBe("neutral"); // fail-on: never lets a failing verdict pass the step
    expect(JSON.stringify(check)).toContain("gate-rules.txt");
    const annotation = checked.annotations.find((a) => a.level === "error");
    expect(annotation).toMatchObject({ file: "gate-rules.txt", line: 3 });
    // The text embeds the sha256 of the judged run record's bytes: publish-model's require-gate reads it.
    const recordBytes = readFileSync(job.train.env.MLOPS_RUN_RECORD ?? "");
    expect(parseGateCheckText(check?.output.text)).toMatchObject([
      {
        recordSha256: createHash("sha256").update(recordBytes).digest("hex"),
        verdict: "fail",
        passed: true,
      },
    ]);
  });
});

describe("baselines", () => {
  it("falls back to the newest run on the base branch when the base commit has none", async () => {
    github.state.seedPull(REPO, {
      number: 8,
      head: { ref: "feature-8", sha: fakeSha("pr8") },
      base: { sha: fakeSha("untrained") },
    });
    const run = pullRequestRun(github, services, {
      number: 8,
      headSha: fakeSha("pr8"),
      baseSha: fakeSha("untrained"),
    });
    const job = await trainJob(run);
    const result = await gateStep(job, run, { comment: "never" });
    expect(errors(result)).toEqual([]);
    expect(result.summary).toContain(`main @ ${mainRun.headSha.slice(0, 7)} (run ${mainRun.runId}`);
  });

  it("reports an expired artifact as the reason there is no baseline, never a silent pass", async () => {
    const expiringMain = pushRun(github, services, "main", fakeSha("main-expiring"));
    await trainJob(expiringMain, { "model-name": "churn" });
    const artifact = services.results.list({ workflowRunId: expiringMain.runId, name: "mlops-run-churn" })[0];
    if (!artifact) throw new Error("no artifact");
    services.results.expire(artifact.id);
    github.state.seedPull(REPO, {
      number: 12,
      head: { ref: "feature-12", sha: fakeSha("pr12") },
      base: { sha: expiringMain.headSha },
    });
    const run = pullRequestRun(github, services, {
      number: 12,
      headSha: fakeSha("pr12"),
      baseSha: expiringMain.headSha,
    });
    const job = await trainJob(run, { "model-name": "churn" });
    const result = await gateStep(job, run, { comment: "never" });
    expect(result.exitCode).toBe(0);
    expect(result.summary).toMatch(/no baseline: the mlops-run-churn artifact of run \d+ \(\w+\) expired/);
    expect(result.summary).toMatch(/skipped: no baseline/);
    const strict = await gateStep(job, run, { comment: "never", "require-baseline": "true" });
    expect(strict.exitCode).toBe(1);
  });

  it("names the missing permission when the token may not read Actions", async () => {
    github.addToken("ghs_no_actions", {
      permissions: { actions: "none", issues: "write", pull_requests: "write" },
    });
    github.state.seedPull(REPO, {
      number: 13,
      head: { ref: "feature-13", sha: fakeSha("pr13") },
      base: { sha: mainRun.headSha },
    });
    const run = pullRequestRun(github, services, {
      number: 13,
      headSha: fakeSha("pr13"),
      baseSha: mainRun.headSha,
    });
    const job = await trainJob(run);
    const result = await gateStep(job, run, {}, { token: "ghs_no_actions" });
    expect(result.exitCode).toBe(1);
    expect(errors(result).join("\n")).toMatch(/needs 'actions: read'.*permissions:\n\s+actions: read/s);
  });
});

describe("verdicts", () => {
  it("fails the step on a failing rule and says why", async () => {
    const run = pushRun(github, services, "experiment", fakeSha("exp-1"));
    const job = await trainJob(run, { "model-name": "strict" });
    const result = await gateStep(job, run, { rules: "accuracy >= 0.999", baseline: "none" });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ verdict: "fail", passed: "false" });
    expect(errors(result).join("\n")).toMatch(/fail-on 'error' does not allow/);
  });

  it("without the artifact service still gates: the missing upload is a warning", async () => {
    const run = pushRun(github, services, "no-artifacts", fakeSha("no-artifacts-1"));
    const workspace = mkdtempSync(join(tmpdir(), "mlops-gate-"));
    writeFileSync(join(workspace, "metrics.json"), '{"accuracy": 0.95}\n');
    const step = run.step();
    const result = await runAction({
      action: "evaluate-gate",
      inputs: { candidate: "metrics.json", rules: "accuracy >= 0.9", baseline: "none" },
      workspace,
      github: step.github,
      env: {}, // no ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL, as on a runner set up by hand
    });
    expect(result.exitCode, JSON.stringify(result.annotations)).toBe(0);
    expect(result.outputs).toMatchObject({ verdict: "pass", passed: "true" });
    const warnings = result.annotations.filter((a) => a.level === "warning").map((a) => a.message);
    expect(warnings.join("\n")).toMatch(
      /Uploading the gate record \(mlops-gate-.*\) needs GitHub's artifact service, but ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set in this job/,
    );
  });

  it("without rules reports only, and warns that nothing is gated", async () => {
    const run = pushRun(github, services, "no-rules", fakeSha("no-rules-1"));
    const job = await trainJob(run, { "model-name": "ungated" });
    const result = await gateStep(job, run, { rules: "", baseline: "none" });
    expect(result.exitCode).toBe(0);
    expect(result.summary).toContain("## 📋 Gate: report only (no rules) — ungated");
    expect(result.summary).not.toContain("Gate: pass");
    const warnings = result.annotations.filter((a) => a.level === "warning");
    expect(warnings.map((w) => w.message).join("\n")).toMatch(/No rules: nothing is gated.*Give 'rules'/);
  });
});

describe("fork pull requests", () => {
  const headSha = fakeSha("fork-pr");
  let prRun: SimulatedRun;
  let result: ActionResult;

  beforeAll(async () => {
    github.state.seedPull(REPO, {
      number: 9,
      head: { ref: "patch-1", sha: headSha },
      base: { sha: mainRun.headSha },
      fork: true,
    });
    prRun = pullRequestRun(github, services, {
      number: 9,
      headSha,
      baseSha: mainRun.headSha,
      headRef: "patch-1",
      fork: true,
    });
    const job = await trainJob(prRun);
    result = await gateStep(job, prRun, {});
  }, 120_000);

  it("does not fail because it may not comment, and says so", () => {
    expect(result.exitCode).toBe(0);
    expect(result.outputs.verdict).toBe("pass");
    expect(gateComments(9)).toHaveLength(0);
    expect(result.annotations.some((a) => a.level === "warning" && a.message.includes("read-only"))).toBe(
      true,
    );
    expect(result.summary).toContain("Gate: pass");
  });

  it("is posted by the workflow_run companion, judged again by the companion's rules", async () => {
    const companion = await runCompanion(prRun, headSha, "patch-1");
    expect(errors(companion), companion.stderr).toEqual([]);
    const comments = gateComments(9);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(`head=${headSha} run=${prRun.runId}`);
    expect(companion.outputs.verdict).toBe("pass");
  });

  it("a tampered gate record (pass, edited rules, links elsewhere, free text): the companion posts the recomputed fail", async () => {
    const tamperedHead = fakeSha("fork-tampered");
    github.state.seedPull(REPO, {
      number: 10,
      head: { ref: "patch-2", sha: tamperedHead },
      base: { sha: mainRun.headSha },
      fork: true,
    });
    const run = pullRequestRun(github, services, {
      number: 10,
      headSha: tamperedHead,
      baseSha: mainRun.headSha,
      headRef: "patch-2",
      fork: true,
    });
    // A model that is much worse than main's: one epoch at a tiny learning rate.
    const job = await trainJob(run, { params: JSON.stringify({ epochs: 1, learning_rate: 0.0001 }) });
    // The fork's workflow gates with rules it edited, and without the artifact service, so that it can
    // upload a record of its own making instead.
    const step = run.step();
    const forkGate = await runAction({
      action: "evaluate-gate",
      inputs: { rules: "accuracy >= 0", baseline: "none", comment: "never" },
      workspace: job.workspace,
      runnerTemp: job.runnerTemp,
      ...step,
      env: job.train.env,
    });
    expect(forkGate.outputs.verdict).toBe("pass");
    const recordFile = join(job.runnerTemp, "mlops", "digits", "mlops-gate.json");
    const record = JSON.parse(readFileSync(recordFile, "utf8")) as GateRecord;
    const evil = "https://evil.example/login";
    record.verdict = "pass";
    record.passed = true;
    record.postedReason = `Approved by the maintainers, see ${evil}`;
    record.report.verdict = "pass";
    record.report.notes = [`Security review passed: [details](${evil})`];
    record.report.baseline.description = `[main, reviewed](${evil})`;
    record.report.baseline.links = { run: evil };
    const candidate = record.report.candidates[0];
    if (!candidate) throw new Error("no candidate");
    candidate.label = `[signed build](${evil})`;
    candidate.links = { run: evil, artifact: evil };
    candidate.rules = [];
    candidate.counts = { pass: 0, fail: 0, inconclusive: 0, skipped: 0 };
    const recorded = record.candidates[0];
    if (!recorded) throw new Error("no candidate");
    recorded.label = `[signed build](${evil})`;
    const tampered = mkdtempSync(join(tmpdir(), "mlops-tampered-"));
    writeFileSync(join(tampered, "mlops-gate.json"), JSON.stringify(record));
    await uploadArtifactAs(
      services,
      run.runId,
      "mlops-gate-digits",
      [join(tampered, "mlops-gate.json")],
      tampered,
    );

    const companion = await runCompanion(run, tamperedHead, "patch-2");
    expect(errors(companion).join("\n")).not.toMatch(/Unexpected failure/);
    expect(companion.outputs.verdict).toBe("fail");
    const comments = gateComments(10);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    if (process.env.SHOW_COMMENT) writeFileSync(process.env.SHOW_COMMENT, body);
    expect(body).toContain("❌ Gate: fail");
    expect(body).toContain("reported by the pull request's run");
    expect(body).toMatch(/loss/); // judged by the companion's rules, not the fork's
    const links = [...body.matchAll(/https?:\/\/[^\s)>\]"'|]+/g)].map((m) => m[0]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links)
      expect(link).toMatch(/^https:\/\/github\.com\/acme\/digits\/actions\/runs\/\d+/);
    expect(body).toContain(`https://github.com/${REPO}/actions/runs/${run.runId}`);
    for (const text of [
      "evil.example",
      "Approved by the maintainers",
      "Security review",
      "signed build",
      "reviewed",
    ])
      expect(body).not.toContain(text);
    expect(companion.summary).not.toContain("evil.example");
  });
});

/** The ml-pr-comment companion's step, for the completed run of a fork PR. */
function runCompanion(prRun: SimulatedRun, headSha: string, headBranch: string): Promise<ActionResult> {
  const companionRunId = nextCompanionRun++;
  github.state.seedWorkflowRun(REPO, { id: companionRunId, headSha: mainRun.headSha, event: "workflow_run" });
  return runAction({
    action: "evaluate-gate",
    inputs: { mode: "post-from-artifact", rules: RULES },
    github: { repository: REPO, runId: companionRunId, token: TOKEN, apiUrl: github.url },
    env: services.actionsEnv(companionRunId),
    event: {
      name: "workflow_run",
      patch: (payload) => {
        const p = payload as { workflow_run: Record<string, unknown> };
        p.workflow_run.id = prRun.runId;
        p.workflow_run.head_sha = headSha;
        p.workflow_run.head_branch = headBranch;
        p.workflow_run.event = "pull_request";
        p.workflow_run.pull_requests = [];
        p.workflow_run.html_url = "https://evil.example/run";
        p.workflow_run.head_repository = {
          owner: { login: "contributor" },
          full_name: "contributor/digits",
        };
      },
    },
  });
}
let nextCompanionRun = 7777;

describe("Dependabot and other read-only tokens", () => {
  it("a Dependabot PR's read-only token: no failure for want of a comment, the report in the summary", async () => {
    github.addToken("ghs_dependabot", {
      login: "dependabot[bot]",
      type: "Bot",
      permissions: readOnlyPermissions(),
    });
    const head = fakeSha("dependabot");
    github.state.seedPull(REPO, {
      number: 30,
      user: "dependabot[bot]",
      head: { ref: "dependabot/pip/numpy-1.26.4", sha: head },
      base: { sha: mainRun.headSha },
    });
    const run = pullRequestRun(github, services, {
      number: 30,
      headSha: head,
      baseSha: mainRun.headSha,
      headRef: "dependabot/pip/numpy-1.26.4",
    });
    const job = await trainJob(run, {}, "ghs_dependabot");
    const result = await gateStep(job, run, { "check-run": "true" }, { token: "ghs_dependabot" });
    expect(result.exitCode).toBe(0);
    expect(gateComments(30)).toHaveLength(0);
    const warnings = result.annotations.filter((a) => a.level === "warning").map((a) => a.message);
    expect(warnings.join("\n")).toMatch(/Not commenting: the token may not write pull request comments/);
    expect(warnings.join("\n")).toMatch(/No check run: the token is read-only/);
    const record = parseGateRecord(
      JSON.parse(readFileSync(join(job.runnerTemp, "mlops", "digits", "mlops-gate.json"), "utf8")),
      "gate",
    );
    expect(record.posted).toBe(false);
    expect(record.postedReason).toMatch(/read-only/);
  });
});

describe("a report larger than a comment may be", () => {
  it("posts the short rendering, within 65,536 characters, linking to the run's summary", async () => {
    github.state.seedPull(REPO, {
      number: 31,
      head: { ref: "huge", sha: fakeSha("huge") },
      base: { sha: mainRun.headSha },
    });
    const run = pullRequestRun(github, services, {
      number: 31,
      headSha: fakeSha("huge"),
      baseSha: mainRun.headSha,
    });
    const job = await trainJob(run, { "model-name": "huge" });
    const metrics: Record<string, number> = {};
    for (let i = 0; i < 12_000; i++) metrics[`layer_${i}.grad_norm`] = (i % 97) / 97;
    metrics.accuracy = 0.5;
    writeFileSync(join(job.workspace, "huge-metrics.json"), JSON.stringify(metrics));
    const result = await gateStep(job, run, {
      candidate: "huge-metrics.json",
      "comment-key": "huge",
      baseline: "none",
      rules: "accuracy >= 0.9",
    });
    expect(result.exitCode).toBe(1);
    const comment = github.state.comments(REPO, 31)[0];
    expect(comment?.body.length).toBeGreaterThan(10_000);
    expect(comment?.body.length).toBeLessThanOrEqual(65_536);
    expect(comment?.body).toContain("accuracy"); // the failing row comes first
    expect(comment?.body).toContain(`https://github.com/${REPO}/actions/runs/${run.runId}`);
    expect(result.summary.length).toBeGreaterThan(comment?.body.length ?? 0);
  });
});

describe("two racing runs of the gate", () => {
  // The author pushed twice: the PR's head is the new commit while both runs are in flight.
  const oldHead = fakeSha("race-old");
  const newHead = fakeSha("race-new");
  const GET_PULL = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
  const CREATE_COMMENT = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";

  async function racingPair(number: number) {
    github.state.seedPull(REPO, {
      number,
      head: { ref: `race-${number}`, sha: newHead },
      base: { sha: mainRun.headSha },
    });
    const oldRun = pullRequestRun(github, services, { number, headSha: oldHead, baseSha: mainRun.headSha });
    const newRun = pullRequestRun(github, services, { number, headSha: newHead, baseSha: mainRun.headSha });
    const [oldJob, newJob] = await Promise.all([trainJob(oldRun), trainJob(newRun)]);
    return { oldRun, newRun, oldJob, newJob };
  }

  it("the old push's run, held before its head check, does not overwrite the new push's report", async () => {
    const { oldRun, newRun, oldJob, newJob } = await racingPair(20);
    const hold = github.hold(GET_PULL);
    const oldGate = gateStep(oldJob, oldRun, {});
    await hold.reached; // the old run is about to check the head
    expect((await gateStep(newJob, newRun, {})).exitCode).toBe(0);
    hold.release();
    const stale = await oldGate;
    expect(stale.exitCode).toBe(0);
    expect(stale.annotations.some((a) => a.message.includes("head moved to"))).toBe(true);
    const comments = gateComments(20);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(`head=${newHead}`);
  });

  it("the old push's run, finishing while the new push's run is held before writing, posts nothing", async () => {
    const { oldRun, newRun, oldJob, newJob } = await racingPair(21);
    const hold = github.hold(CREATE_COMMENT);
    const newGate = gateStep(newJob, newRun, {});
    await hold.reached; // the new run checked the head and is about to create the comment
    const stale = await gateStep(oldJob, oldRun, {});
    expect(stale.exitCode).toBe(0);
    expect(stale.annotations.some((a) => a.message.includes("head moved to"))).toBe(true);
    expect(gateComments(21)).toHaveLength(0); // the old report never showed, even for a moment
    hold.release();
    expect((await newGate).exitCode).toBe(0);
    const comments = gateComments(21);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(`head=${newHead}`);
  });

  it("two runs of the same head that both find no comment leave one", async () => {
    const head = fakeSha("race-same");
    github.state.seedPull(REPO, {
      number: 22,
      head: { ref: "race-3", sha: head },
      base: { sha: mainRun.headSha },
    });
    const first = pullRequestRun(github, services, { number: 22, headSha: head, baseSha: mainRun.headSha });
    const second = pullRequestRun(github, services, { number: 22, headSha: head, baseSha: mainRun.headSha });
    const [firstJob, secondJob] = await Promise.all([trainJob(first), trainJob(second)]);
    const hold = github.hold(CREATE_COMMENT);
    const firstGate = gateStep(firstJob, first, {});
    await hold.reached; // the first run listed no comment and is about to create one
    expect((await gateStep(secondJob, second, {})).exitCode).toBe(0);
    expect(gateComments(22)).toHaveLength(1);
    hold.release();
    expect((await firstGate).exitCode).toBe(0);
    expect(gateComments(22)).toHaveLength(1);
  });
});

describe("without an artifact service", () => {
  it("warns that the gate record stays on the runner, without loading @actions/artifact", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "mlops-gate-noartifact-"));
    writeFileSync(join(workspace, "metrics.json"), JSON.stringify({ accuracy: 0.91 }));
    const loads = join(workspace, "loads.txt");
    const result = await runAction({
      action: "evaluate-gate",
      inputs: { candidate: "metrics.json", rules: "accuracy >= 0.8", baseline: "none", comment: "never" },
      workspace,
      github: { repository: REPO, token: TOKEN, apiUrl: github.url },
      // No ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL, as on a runner without GitHub's artifact service.
      env: {
        NODE_OPTIONS: `--import ${new URL("../fixtures/node/record-loads.mjs", import.meta.url).pathname}`,
        RECORD_LOADS_FILE: loads,
      },
    });
    expect(errors(result)).toEqual([]);
    expect(result.outputs.verdict).toBe("pass");
    const warnings = result.annotations.filter((a) => a.level === "warning").map((a) => a.message);
    expect(warnings.join("\n")).toMatch(
      /Uploading the gate record \(mlops-gate-digits\) needs GitHub's artifact service, but ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set.*The gate record stays at/,
    );
    const loaded = readFileSync(loads, "utf8").split("\n");
    expect(loaded.some((url) => url.includes("/dist/chunks/gate-"))).toBe(true); // the tracer saw the gate
    // @actions/artifact (over 1 MB of code) would only find out that it cannot upload.
    expect(loaded.filter((url) => /\/dist\/chunks\/artifact-/.test(url))).toEqual([]);
  });
});

describe("several candidates", () => {
  it("ranks five experiments and names the champion", async () => {
    const run = pushRun(github, services, "sweep", fakeSha("sweep"));
    const job = await trainJob(run, { "model-name": "sweep" });
    const scores = { a: 0.81, b: 0.93, c: 0.88, d: 0.95, e: 0.79 };
    for (const [name, accuracy] of Object.entries(scores)) {
      writeFileSync(
        join(job.workspace, `exp-${name}.json`),
        JSON.stringify({ accuracy, loss: 1 - accuracy }),
      );
    }
    const result = await gateStep(job, run, {
      candidate: "exp-*.json",
      rules: "accuracy >= 0.8",
      baseline: "none",
    });
    expect(errors(result)).toEqual([]);
    expect(result.outputs.champion).toBe("exp-d.json");
    expect(result.outputs.verdict).toBe("pass");
    expect(result.summary).toMatch(/Leaderboard/i);
    const order = ["exp-d.json", "exp-b.json", "exp-c.json", "exp-a.json", "exp-e.json"].map((n) =>
      result.summary.indexOf(n),
    );
    expect(order).toEqual([...order].sort((x, y) => x - y));
  });
});

describe("baselines only from this repository's trusted runs", () => {
  // A fork PR from the fork's own `main` runs train-model in this repository's Actions, and its
  // mlops-run-<model> artifact then looks like one from main; so does a pull_request_target run on main.
  let trusted: SimulatedRun;
  let forkRun: SimulatedRun;
  let targetRun: SimulatedRun;
  let job: Job;
  let prRun: SimulatedRun;

  beforeAll(async () => {
    trusted = pushRun(github, services, "main", fakeSha("vision-main"));
    await trainJob(trusted, { "model-name": "vision" });
    github.state.seedPull(REPO, {
      number: 61,
      head: { ref: "main", sha: fakeSha("vision-fork") },
      base: { sha: trusted.headSha },
      fork: true,
    });
    forkRun = pullRequestRun(github, services, {
      number: 61,
      headSha: fakeSha("vision-fork"),
      baseSha: trusted.headSha,
      headRef: "main",
      fork: true,
    });
    await trainJob(forkRun, { "model-name": "vision", params: JSON.stringify({ epochs: "1" }) });
    targetRun = pushRun(github, services, "main", fakeSha("vision-target"));
    const seeded = github.state.findWorkflowRun(targetRun.runId)?.run;
    if (!seeded) throw new Error("no run");
    seeded.event = "pull_request_target";
    await trainJob(targetRun, { "model-name": "vision" });
    github.state.seedPull(REPO, {
      number: 62,
      head: { ref: "feature-62", sha: fakeSha("vision-pr") },
      base: { sha: fakeSha("vision-untrained") },
    });
    prRun = pullRequestRun(github, services, {
      number: 62,
      headSha: fakeSha("vision-pr"),
      baseSha: fakeSha("vision-untrained"),
    });
    job = await trainJob(prRun, { "model-name": "vision" });
  }, 180_000);

  function reportJson(result: ActionResult): {
    baseline: { passedOver?: { runId: number; reason: string }[] };
  } {
    return JSON.parse(readFileSync(result.outputs["report-json"] ?? "", "utf8")) as {
      baseline: { passedOver?: { runId: number; reason: string }[] };
    };
  }

  it.each(["auto", "branch:main"])(
    "baseline: %s passes over the fork's and the pull_request_target run's newer artifacts, and says so",
    async (baseline) => {
      const before = github.requests.length;
      const result = await gateStep(job, prRun, { baseline, comment: "always" });
      expect(errors(result)).toEqual([]);
      // Each run is read once at most, and none older than the trusted one.
      const runReads = github.requests
        .slice(before)
        .filter((r) => r.operationId === "actions/get-workflow-run")
        .map((r) => Number(/\/runs\/(\d+)/.exec(r.url)?.[1]));
      expect(new Set(runReads).size).toBe(runReads.length);
      expect(runReads.every((id) => id >= trusted.runId)).toBe(true);
      const record = parseGateRecord(
        JSON.parse(readFileSync(join(job.runnerTemp, "mlops", "vision", "mlops-gate.json"), "utf8")),
        "gate",
      );
      expect(record.baseline).toMatchObject({ available: true, runId: trusted.runId });
      // As rendered: without markdown's escapes (pull\_request).
      const summary = result.summary.replaceAll("\\", "");
      expect(summary).toContain(`run ${forkRun.runId}: from fork contributor/digits`);
      expect(summary).toContain(`run ${targetRun.runId}: event pull_request_target`);
      expect(reportJson(result).baseline.passedOver).toEqual([
        { runId: targetRun.runId, reason: "event pull_request_target" },
        { runId: forkRun.runId, reason: "from fork contributor/digits" },
      ]);
      const comment = github.state.comments(REPO, 62).at(-1)?.body ?? "";
      expect(comment).toContain(`run ${forkRun.runId}: from fork contributor/digits`);
    },
  );

  it("run:<id> of a fork's run is refused, with the reason", async () => {
    const result = await gateStep(job, prRun, { baseline: `run:${forkRun.runId}`, comment: "never" });
    expect(result.exitCode).toBe(0);
    expect(result.summary).toContain(
      `no baseline: run ${forkRun.runId} ran the code of the fork contributor/digits`,
    );
    expect(reportJson(result).baseline.passedOver).toEqual([
      { runId: forkRun.runId, reason: "from fork contributor/digits" },
    ]);
  });
});

describe("rules files on pull requests", () => {
  // The rules a PR is judged by come from its base commit: a PR cannot loosen them for itself.
  const RULES_FILE = ".github/gate-rules.txt";
  let number = 70;

  async function gateOnPull(files: { base?: string; pr: string }): Promise<ActionResult> {
    number++;
    const baseSha = fakeSha("rules-base", String(number));
    if (files.base !== undefined) github.state.seedFiles(REPO, baseSha, { [RULES_FILE]: files.base });
    github.state.seedPull(REPO, {
      number,
      head: { ref: `rules-${number}`, sha: fakeSha("rules-pr", String(number)) },
      base: { sha: baseSha },
    });
    const run = pullRequestRun(github, services, {
      number,
      headSha: fakeSha("rules-pr", String(number)),
      baseSha,
    });
    const workspace = mkdtempSync(join(tmpdir(), "mlops-rules-"));
    mkdirSync(join(workspace, ".github"));
    writeFileSync(join(workspace, RULES_FILE), files.pr);
    writeFileSync(join(workspace, "metrics.json"), JSON.stringify({ accuracy: 0.5 }));
    return runAction({
      action: "evaluate-gate",
      inputs: { rules: RULES_FILE, candidate: "metrics.json", baseline: "none" },
      workspace,
      runnerTemp: mkdtempSync(join(tmpdir(), "mlops-job-")),
      ...run.step(),
    });
  }

  function policyFiles(result: ActionResult): unknown {
    return (
      JSON.parse(readFileSync(result.outputs["report-json"] ?? "", "utf8")) as { policyFiles?: unknown }
    ).policyFiles;
  }

  it("a PR that loosens accuracy >= 0.9 to >= 0.1 is still judged by 0.9, and the comment says the rules changed", async () => {
    const result = await gateOnPull({ base: "accuracy >= 0.9\n", pr: "accuracy >= 0.1\n" });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.verdict).toBe("fail");
    const comment = github.state.comments(REPO, number).at(-1)?.body ?? "";
    expect(comment).toContain("rules changed in this PR: not applied until merged");
    expect(comment).toContain("accuracy &gt;= 0.9"); // the rule applied, escaped for markdown
    expect(comment).not.toContain("accuracy &gt;= 0.1");
    expect(result.summary).toContain("rules changed in this PR: not applied until merged");
    expect(policyFiles(result)).toEqual([
      { input: "rules", file: RULES_FILE, baseSha: fakeSha("rules-base", String(number)), change: "changed" },
    ]);
    expect(
      result.annotations.some((a) => a.level === "warning" && a.message.includes("not applied until merged")),
    ).toBe(true);
  });

  it("a rules file the PR adds is applied as written, and the report says it is new", async () => {
    const result = await gateOnPull({ pr: "accuracy >= 0.1\n" });
    expect(result.exitCode).toBe(0);
    const comment = github.state.comments(REPO, number).at(-1)?.body ?? "";
    expect(comment.replaceAll("\\", "")).toContain(`rules file ${RULES_FILE} is new in this PR`);
    expect(policyFiles(result)).toMatchObject([{ change: "added" }]);
  });

  it("an unchanged rules file is judged as it is, without a warning", async () => {
    const result = await gateOnPull({ base: "accuracy >= 0.4\n", pr: "accuracy >= 0.4\n" });
    expect(result.exitCode).toBe(0);
    expect(result.summary).not.toContain("changed in this PR");
    expect(policyFiles(result)).toMatchObject([{ change: "unchanged" }]);
  });
});

describe("explicit baselines", () => {
  it("branch:<name> takes the newest run on that branch, run:<id> that run's artifact", async () => {
    const release = pushRun(github, services, "release", fakeSha("release-1"));
    await trainJob(release, { params: JSON.stringify({ epochs: "5" }) });
    const run = pushRun(github, services, "feature-x", fakeSha("feature-x"));
    const job = await trainJob(run);
    const byBranch = await gateStep(job, run, { baseline: "branch:release" });
    expect(errors(byBranch)).toEqual([]);
    expect(byBranch.summary).toContain(`release @ ${release.headSha.slice(0, 7)} (run ${release.runId}`);
    const byRun = await gateStep(job, run, { baseline: `run:${mainRun.runId}` });
    expect(byRun.summary).toContain(`(run ${mainRun.runId}, artifact mlops-run-digits)`);
    const missing = await gateStep(job, run, { baseline: "run:424242" });
    expect(missing.exitCode).toBe(0);
    expect(missing.summary).toContain("no baseline: run 424242 has no artifact mlops-run-digits");
  });
});

describe("bad input", () => {
  let job: Job;
  let run: SimulatedRun;
  beforeAll(async () => {
    run = pushRun(github, services, "bad-input", fakeSha("bad"));
    job = await trainJob(run, { "model-name": "bad" });
    writeFileSync(join(job.workspace, "metrics-text.json"), '{"accuracy": "high", "f1": 0.8}\n');
  }, 60_000);

  it.each([
    [
      { baseline: "yesterday" },
      /Input 'baseline' is not a baseline source \(got "yesterday"\)\. Use auto, none, file:<path>, branch:<name>, run:<id> or registry:<model>@<alias\|version>\./,
    ],
    [{ baseline: "run:abc" }, /Input 'baseline' needs a numeric workflow run id/],
    [
      { "fail-on": "sometimes" },
      /Input 'fail-on' is not one of the accepted values \(got "sometimes"\)\. Use one of: error, inconclusive, warn, never\./,
    ],
    [{ comment: "loud" }, /Input 'comment' is not one of the accepted values/],
    [{ "require-baseline": "maybe" }, /Input 'require-baseline' is not a boolean/],
    [{ candidate: "nothing/*.json" }, /Input 'candidate' matches no files/],
    [{ rules: "accuracy >= = 0.9", baseline: "none" }, /line 1, column \d+/],
    [{ rules: "missing-rules.txt" }, /Input 'rules' looks like a file name but no such file exists/],
    [{ "comment-key": "../x" }, /Input 'comment-key' is not a valid key/],
    [
      { mode: "post-from-artifact", rules: "" },
      /Input 'rules' is empty, and mode: post-from-artifact judges the pull request's metrics by its own rules/,
    ],
    [{ rules: "nonexistent_metric >= 1", baseline: "none" }, /nonexistent_metric/],
    [
      { candidate: "metrics-text.json", rules: "accuracy >= 0.9", baseline: "none" },
      /metric 'accuracy' is not a number \(got "high"\)/,
    ],
  ])("%j fails with a clear error", async (inputs, message) => {
    const result = await gateStep(job, run, inputs);
    expect(result.exitCode).toBe(1);
    expect(errors(result).join("\n")).toMatch(message);
  });
});
