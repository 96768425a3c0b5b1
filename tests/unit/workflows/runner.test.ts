// The rig's workflow runner on a fixture workflow of plain bash steps (no training): env layers,
// defaults.run, GITHUB_OUTPUT/ENV/PATH, step and job outputs, needs, if: with status functions,
// continue-on-error, composite actions, a reusable workflow, triggers and typed dispatch inputs.
import { beforeAll, describe, expect, it } from "vitest";
import {
  resolveUses,
  runWorkflow,
  type StepRecord,
  type WorkflowResult,
} from "../../../testing/rig/workflow/index.ts";

const workflow = "tests/unit/workflows/fixtures/run-steps.yml";

function step(steps: StepRecord[] | undefined, index: number): StepRecord {
  const found = steps?.[index];
  if (found === undefined) throw new Error(`no step ${String(index)}`);
  return found;
}

describe("a workflow_dispatch run of the fixture workflow", () => {
  let run: WorkflowResult;

  beforeAll(async () => {
    run = await runWorkflow({
      workflow,
      event: { name: "workflow_dispatch", patch: (p) => void (p.inputs = { count: "5" }) },
      github: { repository: "acme/digits", ref: "refs/heads/main" },
    });
  }, 60_000);

  it("layers env (workflow < job < step), honours defaults.run and types the inputs", () => {
    const say = step(run.jobs.first?.steps, 1);
    expect(say.stdout).toContain(
      "pwd=sub level=workflow shared=from-job step=step count=5 event=workflow_dispatch",
    );
  });

  it("carries GITHUB_ENV, GITHUB_PATH and step outputs to later steps", () => {
    expect(step(run.jobs.first?.steps, 2).stdout).toContain("later=set-by-env-file tool-ran bird");
  });

  it("runs a composite action: input defaults with expressions, outputs, GITHUB_ENV, GITHUB_ACTION_PATH", () => {
    expect(run.jobs.first?.outputs.greeting).toBe("hello world on workflow_dispatch from composite");
    expect(step(run.jobs.first?.steps, 4).stdout).toContain("composite env=yes");
  });

  it("skips a step whose if: is false (a boolean input)", () => {
    expect(step(run.jobs.first?.steps, 5).outcome).toBe("skipped");
    expect(run.jobs.first?.result).toBe("success");
  });

  it("passes job outputs through needs and keeps outcome apart from conclusion with continue-on-error", () => {
    expect(step(run.jobs.second?.steps, 1).stdout).toContain("outcome=failure conclusion=success word=bird");
  });

  it("fails a composite step, runs its if: failure() step, then only if: always() steps of the job", () => {
    const composite = step(run.jobs.second?.steps, 2);
    expect(composite.outcome).toBe("failure");
    expect(composite.steps?.map((s) => s.outcome)).toEqual(["success", "failure", "success"]);
    expect(composite.stdout).toContain("cleanup after failure");
    expect(step(run.jobs.second?.steps, 3).stdout).toContain("always ran");
    expect(step(run.jobs.second?.steps, 4).outcome).toBe("skipped");
    expect(run.jobs.second?.result).toBe("failure");
    expect(run.jobs.second?.errors).toContain("Process completed with exit code 3.");
  });

  it("skips jobs that need a failed job, and runs if: failure() ones with the needs context", () => {
    expect(run.jobs["after-failure"]?.result).toBe("skipped");
    expect(run.jobs["on-failure"]?.result).toBe("success");
    expect(step(run.jobs["on-failure"]?.steps, 0).stdout).toMatch(/results=\[\s*"success",\s*"failure"\s*\]/);
    expect(run.conclusion).toBe("failure");
  });

  it("calls a reusable workflow with typed inputs and reads its outputs", () => {
    expect(run.jobs.call?.result).toBe("success");
    expect(run.jobs.call?.jobs?.double?.outputs.value).toBe("42");
    expect(step(run.jobs["after-call"]?.steps, 0).stdout).toContain("doubled=42");
  });
});

describe("triggers", () => {
  it("does not run for a push to a branch the filter leaves out, nor for an event it does not list", async () => {
    const push = await runWorkflow({
      workflow,
      event: { name: "push" },
      github: { ref: "refs/heads/feature" },
    });
    expect(push.triggered).toBe(false);
    const pr = await runWorkflow({ workflow, event: { name: "pull_request" } });
    expect(pr.triggered).toBe(false);
  });
});

describe("uses: resolution", () => {
  it.each([
    ["$/actions/train-model", "actions/train-model"],
    ["./actions/train-model", "actions/train-model"],
    ["mlops-actions/mlops-actions/actions/train-model@v1", "actions/train-model"],
    [
      "someone/mlops-actions/actions/evaluate-gate@0123456789012345678901234567890123456789",
      "actions/evaluate-gate",
    ],
    ["mlops-actions/mlops-actions@v1", ""],
  ])("%s is this repository's %s", (uses, dir) => {
    const target = resolveUses(uses);
    expect(target.kind).toBe("action");
    if (target.kind === "action")
      expect(target.dir.endsWith(`/main${dir === "" ? "" : `/${dir}`}`) || target.dir.endsWith(dir)).toBe(
        true,
      );
  });

  it("names third-party actions by owner/repo and rejects what it cannot run", () => {
    expect(resolveUses("actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8")).toEqual({
      kind: "third-party",
      name: "actions/checkout",
      ref: "08c6903cd8c0fde910a37f88322edcfb5dd907a8",
    });
    expect(() => resolveUses("docker://alpine:3")).toThrow(/Docker/);
    expect(() => resolveUses("$/actions/nope")).toThrow(/no action\.yml/);
  });
});
