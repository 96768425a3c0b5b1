// Local stand-ins for third-party actions, which cannot be downloaded here. Each does what the tests rely
// on, and only that:
//
// - actions/checkout: copies the run's `repository` folder (a fixture: a git work tree) into the
//   workspace (or `with.path`). No fetch: the fixture is already at the commit under test.
// - actions/setup-python: puts `python` and `python3` (the machine's /usr/bin/python3, which has
//   scikit-learn) first on PATH; python-version is that interpreter's version, whatever was asked.
// - actions/setup-node: puts the rig's Node 24 first on PATH.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { findNode24 } from "../node.ts";

export interface StandInCall {
  inputs: Record<string, string>;
  workspace: string;
  runnerTemp: string;
  /** The fixture repository the run checks out (RunWorkflowOptions.repository). */
  repository: string | undefined;
  /** The machine's Python with the ML packages. */
  python: string;
}

export interface StandInResult {
  outputs: Record<string, string>;
  /** Directories to put first on PATH (as GITHUB_PATH would). */
  path?: string[];
  env?: Record<string, string>;
}

export type StandIn = (call: StandInCall) => StandInResult;

function linkTool(runnerTemp: string, tool: string, names: string[], target: string): string {
  const bin = join(runnerTemp, "_tool", tool, "bin");
  mkdirSync(bin, { recursive: true });
  for (const name of names) {
    const link = join(bin, name);
    if (!existsSync(link)) symlinkSync(target, link);
  }
  return bin;
}

function pythonVersion(python: string): string {
  return execFileSync(python, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
    encoding: "utf8",
  }).trim();
}

const checkout: StandIn = ({ inputs, workspace, repository }) => {
  if (repository === undefined) {
    throw new Error("actions/checkout stand-in: runWorkflow was given no `repository` fixture to copy.");
  }
  const target = resolve(workspace, inputs.path ?? "");
  cpSync(repository, target, { recursive: true });
  const commit = existsSync(join(target, ".git"))
    ? execFileSync("git", ["rev-parse", "HEAD"], { cwd: target, encoding: "utf8" }).trim()
    : "";
  return { outputs: { ref: inputs.ref ?? "", commit } };
};

const setupPython: StandIn = ({ runnerTemp, python }) => {
  const bin = linkTool(runnerTemp, "python", ["python", "python3"], python);
  return {
    outputs: {
      "python-version": pythonVersion(python),
      "python-path": join(bin, "python"),
      "cache-hit": "false",
    },
    path: [bin],
  };
};

const setupNode: StandIn = ({ runnerTemp }) => {
  const bin = linkTool(runnerTemp, "node", ["node"], findNode24());
  return {
    outputs: { "node-version": execFileSync(findNode24(), ["--version"], { encoding: "utf8" }).trim() },
    path: [bin],
  };
};

export const defaultStandIns: Record<string, StandIn> = {
  "actions/checkout": checkout,
  "actions/setup-python": setupPython,
  "actions/setup-node": setupNode,
};
