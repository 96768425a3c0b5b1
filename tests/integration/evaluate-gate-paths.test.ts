// evaluate-gate's path inputs through the bundle (issue 10, item 4): candidate, `baseline: file:` and
// rules files are resolved through symlinks and must lie inside the workspace, $RUNNER_TEMP or
// path-roots; a refused file's contents are never quoted. Files only: no GitHub API is needed
// (comment: never), and the gate record's upload warns without the runner's artifact service.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";

interface Job {
  workspace: string;
  runnerTemp: string;
  /** A folder outside both, holding a file whose contents must never appear in a message. */
  outside: string;
}

function job(): Job {
  const job = {
    workspace: mkdtempSync(join(tmpdir(), "mlops-ws-gate-paths-")),
    runnerTemp: mkdtempSync(join(tmpdir(), "mlops-rt-gate-paths-")),
    outside: mkdtempSync(join(tmpdir(), "mlops-outside-")),
  };
  writeFileSync(join(job.workspace, "metrics.json"), '{"accuracy": 0.9}\n');
  writeFileSync(join(job.runnerTemp, "base.json"), '{"accuracy": 0.85}\n');
  // Not valid JSON, rules or YAML: a parser that got to read it would quote it.
  writeFileSync(join(job.outside, "secret.json"), "root:x:0:0:secret-line\n");
  return job;
}

function gate(j: Job, inputs: Record<string, string>): Promise<ActionResult> {
  return runAction({
    action: "evaluate-gate",
    workspace: j.workspace,
    runnerTemp: j.runnerTemp,
    github: { repository: "acme/digits" },
    inputs: { candidate: "metrics.json", rules: "accuracy >= baseline", comment: "never", ...inputs },
  });
}

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

describe("baseline: file:", () => {
  it("reads an absolute path under $RUNNER_TEMP, where downloaded baselines live", async () => {
    const j = job();
    const result = await gate(j, { baseline: `file:${j.runnerTemp}/base.json` });
    expect(errors(result)).toBe("");
    expect(result.outputs.verdict).toBe("pass");
    expect(result.summary).toContain("$RUNNER\\_TEMP/base.json");
    expect(result.summary).toMatch(/\*\*accuracy\*\* \| 0\.85 \| 0\.9/);
  });

  it("refuses a symlink out of the workspace, naming the input and the roots, quoting nothing", async () => {
    const j = job();
    symlinkSync(j.outside, join(j.workspace, "baselines"));
    const result = await gate(j, { baseline: "file:baselines/secret.json" });
    expect(result.exitCode).toBe(1);
    const message = errors(result);
    expect(message).toMatch(
      /^Input 'baseline' leads outside the folders actions may use \(it resolves to .*mlops-outside-.*\/secret\.json\) \(got "baselines\/secret\.json"\)\. Allowed: the workspace \(.*\), \$RUNNER_TEMP \(.*\)\./,
    );
    expect(message).not.toContain("secret-line");
  });

  it("takes a folder path-roots adds (a dataset mount on a self-hosted runner)", async () => {
    const j = job();
    const mounted = join(j.outside, "some", "tmp", "dataset");
    mkdirSync(mounted, { recursive: true });
    writeFileSync(join(mounted, "base.json"), '{"accuracy": 0.95}\n');
    const refused = await gate(j, { baseline: `file:${mounted}/base.json` });
    expect(errors(refused)).toMatch(/Input 'baseline' leads outside the folders actions may use/);
    const result = await gate(j, {
      baseline: `file:${mounted}/base.json`,
      "path-roots": mounted,
      "fail-on": "never",
    });
    expect(errors(result)).not.toMatch(/leads outside/);
    expect(result.exitCode).toBe(0);
    // Read: the mounted baseline (0.95) is better than the candidate.
    expect(result.outputs.verdict).toBe("fail");
    expect(result.summary).toMatch(/\*\*accuracy\*\* \| 0\.95 \| 0\.9/);
  });
});

describe("candidate and rules files", () => {
  it("refuses a candidate glob match that is a symlink out", async () => {
    const j = job();
    mkdirSync(join(j.workspace, "runs"));
    writeFileSync(join(j.workspace, "runs", "a.json"), '{"accuracy": 0.9}\n');
    symlinkSync(join(j.outside, "secret.json"), join(j.workspace, "runs", "b.json"));
    const result = await gate(j, { candidate: "runs/*.json", baseline: "none", rules: "accuracy >= 0.5" });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      /^Input 'candidate' leads outside the folders actions may use \(it resolves to .*\/secret\.json\)/,
    );
    expect(errors(result)).not.toContain("secret-line");
  });

  it("refuses a rules file that is a symlink out, without quoting its lines", async () => {
    const j = job();
    symlinkSync(join(j.outside, "secret.json"), join(j.workspace, "gate-rules.txt"));
    const result = await gate(j, { rules: "gate-rules.txt", baseline: "none" });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      /^Input 'rules' leads outside the folders actions may use \(it resolves to .*\/secret\.json\) \(got "gate-rules\.txt"\)/,
    );
    expect(errors(result)).not.toContain("secret-line");
  });
});
