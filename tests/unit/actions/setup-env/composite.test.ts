// The composite wrapper, checked structurally: it pins setup-python by full SHA, calls the install step
// through the self-repository reference, and passes every input and output. Its own bash step (the
// Python version) runs in the rig's workflow runner.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runWorkflow, type StepRecord } from "../../../../testing/rig/workflow/index.ts";

const root = resolve(import.meta.dirname, "../../../..");

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface Manifest {
  inputs: Record<string, unknown>;
  outputs: Record<string, { value?: string }>;
  runs: { using: string; main?: string; steps?: Step[] };
}

const composite = parse(readFileSync(join(root, "actions/setup-env/action.yml"), "utf8")) as Manifest;
const install = parse(readFileSync(join(root, "actions/setup-env/install/action.yml"), "utf8")) as Manifest;
const steps = composite.runs.steps ?? [];

describe("actions/setup-env (composite)", () => {
  it("runs actions/setup-python pinned by full SHA", () => {
    const setupPython = steps.find((s) => s.uses?.startsWith("actions/setup-python@"));
    expect(setupPython?.uses).toBe("actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065");
  });

  it("calls the install step through the self-repository reference", () => {
    const step = steps.find((s) => s.id === "install");
    expect(step?.uses).toBe("$/actions/setup-env/install");
  });

  it("passes every input through, and maps every output from the install step", () => {
    const step = steps.find((s) => s.id === "install");
    expect(Object.keys(composite.inputs).sort()).toEqual(Object.keys(install.inputs).sort());
    for (const name of Object.keys(composite.inputs)) {
      expect(step?.with?.[name], name).toBe(`\${{ inputs.${name} }}`);
    }
    expect(Object.keys(composite.outputs).sort()).toEqual(Object.keys(install.outputs).sort());
    for (const [name, spec] of Object.entries(composite.outputs)) {
      expect(spec.value, name).toBe(`\${{ steps.install.outputs.${name} }}`);
    }
  });

  it("has an install step that runs the setup-env bundle on node24", () => {
    expect(install.runs).toEqual({ using: "node24", main: "../../../dist/setup-env/index.js" });
  });
});

describe("actions/setup-env (composite) run by the rig's workflow runner", () => {
  /** A one-job workflow calling the composite with `python-version`; returns the composite's step. */
  async function setupEnvStep(pythonVersion: string): Promise<StepRecord> {
    const dir = mkdtempSync(join(tmpdir(), "mlops-setup-env-wf-"));
    const workflow = join(dir, "w.yml");
    const doc = {
      on: "workflow_dispatch",
      jobs: {
        env: {
          "runs-on": "ubuntu-24.04",
          steps: [
            {
              uses: "./actions/setup-env",
              with: { "python-version": pythonVersion, manager: "pip" },
            },
          ],
        },
      },
    };
    writeFileSync(workflow, JSON.stringify(doc));
    const run = await runWorkflow({ workflow, event: { name: "workflow_dispatch" } });
    const step = run.jobs.env?.steps[0];
    if (step === undefined) throw new Error("the job ran no step");
    return step;
  }

  it("refuses a python-version with a line break instead of letting it write other outputs", async () => {
    const step = await setupEnvStep("3.12\nsmuggled=yes");
    const version = step.steps?.[0];
    expect(version?.outputs).not.toHaveProperty("smuggled");
    expect(version?.outcome).toBe("failure");
    expect(version?.annotations.map((a) => a.message)).toContain(
      "Input 'python-version' has a line break (got \"3.12\\nsmuggled=yes\"). Give one version, e.g. '3.12', or leave it empty to read .python-version.",
    );
  }, 60_000);

  it("writes python-version in the delimited form the runner reads back whole", async () => {
    const step = await setupEnvStep("3.11");
    expect(step.steps?.[0]?.outputs).toEqual({ "python-version": "3.11" });
  }, 60_000);
});
