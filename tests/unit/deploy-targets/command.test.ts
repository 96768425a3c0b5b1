// The command target: the MLOPS_* variables, the exit code deciding, and a timeout stopping the group.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandTarget } from "../../../src/deploy-targets/command.ts";
import { createTarget, targetName } from "../../../src/deploy-targets/index.ts";
import type { DeployRequest } from "../../../src/deploy-targets/target.ts";

const request: DeployRequest = {
  model: {
    name: "iris",
    uri: "oci://r/iris@sha256:cd",
    digest: "sha256:cd",
    version: "v2",
    dir: "/tmp/model-dir",
  },
  environment: "staging",
  deploymentId: 7,
  rollback: true,
};
const dir = mkdtempSync(join(tmpdir(), "deploy-command-"));
const target = (command: string, timeoutMs?: number) =>
  commandTarget({
    command,
    cwd: dir,
    env: { PATH: process.env.PATH, GITHUB_OUTPUT: "/x", ACTIONS_RUNTIME_TOKEN: "t" },
    onOutput: () => undefined,
    killGraceMs: 200,
    ...(timeoutMs ? { timeoutMs } : {}),
  });

describe("command target", () => {
  it("gets the model and deployment in MLOPS_* variables, and not the runner's internals", async () => {
    await target('env | grep -E "^(MLOPS_|GITHUB_OUTPUT|ACTIONS_RUNTIME)" | sort > vars.txt').deploy(request);
    expect(
      readFileSync(join(dir, "vars.txt"), "utf8")
        .split("\n")
        .filter(Boolean)
        .filter((l) => !l.startsWith("MLOPS_STEP_MARK")),
    ).toEqual([
      "MLOPS_DEPLOYMENT_ID=7",
      "MLOPS_ENVIRONMENT=staging",
      "MLOPS_MODEL_DIGEST=sha256:cd",
      "MLOPS_MODEL_DIR=/tmp/model-dir",
      "MLOPS_MODEL_URI=oci://r/iris@sha256:cd",
      "MLOPS_MODEL_VERSION=v2",
      "MLOPS_ROLLBACK=true",
    ]);
  });

  it("a non-zero exit fails with the code and the last lines", async () => {
    await expect(target("echo helm said no; exit 3").deploy(request)).rejects.toThrow(
      /exited with code 3[\s\S]*helm said no/,
    );
  });

  it("a timeout stops the whole process group (a background child included)", async () => {
    const error = await target(`(sleep 30; touch ${join(dir, "late")}) & sleep 30`, 300)
      .deploy(request)
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(
      /ran longer than command-timeout \(0.3 s\) and was stopped with its whole process group/,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(() => readFileSync(join(dir, "late"))).toThrow();
  });
});

describe("target table", () => {
  it("an unknown target is an error naming both", () => {
    expect(() => targetName("helm")).toThrow(
      /Input 'target' is not a deploy target \(got "helm"\)\. Use one of: webhook, command\./,
    );
    expect(targetName(" Webhook ")).toBe("webhook");
  });
  it("builds the chosen target", () => {
    expect(
      createTarget("command", { command: { command: "true", cwd: dir, env: {}, onOutput: () => undefined } })
        .name,
    ).toBe("command");
  });
});
