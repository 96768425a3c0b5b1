// The composite wrapper, checked structurally (the rig runs JavaScript actions only): it pins setup-python by
// full SHA, calls the install step through the self-repository reference, and passes every input and output.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../../..");

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
