// publish-model's mistakes that are caught before any network: bad inputs, and a run record whose model
// files are gone or changed since training. Each runs the bundle through the rig and checks the exit
// code, the message (naming the input, the value and the fix) and that no request left the step: the
// GitHub API URL points at a closed port, so any request would fail with another message.
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import { publishableRecord } from "../../testing/fixtures/publishable-record.ts";

const NO_NETWORK = { GITHUB_API_URL: "http://127.0.0.1:9" };

/** A workspace as train-model leaves it: model/ with the record's two files, mlops-run.json beside it. */
function trainedWorkspace(): { workspace: string; record: string } {
  const workspace = mkdtempSync(join(tmpdir(), "mlops-publish-"));
  mkdirSync(join(workspace, "model", "sub"), { recursive: true });
  writeFileSync(join(workspace, "model", "model.joblib"), "weights");
  writeFileSync(join(workspace, "model", "sub", "vocab.txt"), "vocab");
  const record = join(workspace, "mlops-run.json");
  writeFileSync(record, `${JSON.stringify(publishableRecord(), null, 2)}\n`);
  return { workspace, record };
}

function publish(
  inputs: Record<string, string>,
  prepare?: (ws: { workspace: string; record: string }) => void,
): Promise<ActionResult> {
  const ws = trainedWorkspace();
  prepare?.(ws);
  return runAction({
    action: "publish-model",
    inputs: { "run-record": "mlops-run.json", ...inputs },
    workspace: ws.workspace,
    github: { repository: "acme/churn" },
    env: { ...NO_NETWORK, MLOPS_RUN_RECORD: ws.record },
  });
}

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

describe("publish-model: bad input gets a clear error naming the input, the value and the fix", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      "an unknown registry",
      { registry: "s3" },
      /Input 'registry' is not one of the accepted values \(got "s3"\)\. Use one of: oci, github-release, mlflow\./,
    ],
    [
      "a registry of a later version",
      { registry: "mlflow" },
      /Input 'registry' is 'mlflow', which arrives in a later version of mlops-actions; here it can be 'oci' or 'github-release' \(registries known: oci, github-release, mlflow\)/,
    ],
    [
      "a malformed version",
      { version: "1.2.x" },
      /Input 'version' is not 'auto' or a SemVer-like version \(got "1\.2\.x"\)\. Use 'auto' \(the next v1, v2, …\) or a version such as '1\.4\.0'/,
    ],
    [
      "a version with build metadata, which OCI tags cannot carry",
      { version: "1.2.0+build.5" },
      /Input 'version' has SemVer build metadata/,
    ],
    [
      "http:// to a non-loopback host",
      { "registry-url": "http://registry.example.com/ml" },
      /Input 'registry-url' uses plain http:\/\/ to a host that is not this machine \(got "http:\/\/registry\.example\.com\/ml"\)\. Use https:\/\//,
    ],
    [
      "a repository path OCI names cannot have",
      { "registry-url": "ghcr.io/acme/-models" },
      /Input 'registry-url' has the path component "-models", which OCI repository names do not allow/,
    ],
    [
      "an alias that looks like a version",
      { aliases: "staging\nv2" },
      /Input 'aliases' looks like a version or a digest tag, and aliases move while versions never do \(got "v2"\)/,
    ],
    [
      "a model name that cannot be a repository",
      { "model-name": "Churn Model" },
      /Input 'model-name' cannot be a registry repository name \(got "Churn Model"\)/,
    ],
    [
      "a chunk size ghcr.io rejects",
      { "chunk-size": "8" },
      /Input 'chunk-size' is over 4 MiB, and ghcr\.io rejects larger PATCH bodies/,
    ],
    [
      "a username without a password",
      { "registry-username": "bot" },
      /Input 'registry-password' is empty while registry-username is set/,
    ],
    [
      "a run record outside the workspace",
      { "run-record": "/etc/passwd" },
      /Input 'run-record' leads outside the folders actions may use/,
    ],
  ];

  it.each(cases)("%s", async (_name, inputs, message) => {
    const result = await publish(inputs);
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(message);
    expect(result.stderr + result.stdout).not.toMatch(/ECONNREFUSED|Unexpected failure/);
  });

  it("refuses a missing run record and names where it looked", async () => {
    const result = await runAction({
      action: "publish-model",
      inputs: {},
      workspace: mkdtempSync(join(tmpdir(), "mlops-publish-")),
      github: { repository: "acme/churn" },
      env: NO_NETWORK,
    });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(/Input 'run-record' is empty and MLOPS_RUN_RECORD is not set/);
  });
});

describe("publish-model: model files that are not the ones the record describes, caught before any upload", () => {
  const cases: [string, (ws: { workspace: string; record: string }) => void, RegExp][] = [
    [
      "a file gone since training",
      ({ workspace }) => rmSync(join(workspace, "model", "model.joblib")),
      /- model\.joblib: missing/,
    ],
    [
      "a file of another size",
      ({ workspace }) => writeFileSync(join(workspace, "model", "sub", "vocab.txt"), "vocabulary"),
      /- sub\/vocab\.txt: 10 bytes, the record says 5/,
    ],
    [
      "a same-size file rewritten after the record",
      ({ workspace, record }) => {
        const later = (statSync(record).mtimeMs + 60_000) / 1000;
        utimesSync(join(workspace, "model", "model.joblib"), later, later);
      },
      /- model\.joblib: modified at .+, after the record was written/,
    ],
  ];

  it.each(cases)("%s", async (_name, change, detail) => {
    // As in the job that trained: train-model set MLOPS_RUN_RECORD, so the record dates its files.
    const result = await publish({ "require-gate": "false", "run-record": "" }, change);
    expect(result.exitCode).toBe(1);
    const message = errors(result);
    expect(message).toMatch(
      /The model files in .+ are not the ones the run record .+mlops-run\.json describes \(nothing was uploaded\)/,
    );
    expect(message).toMatch(detail);
    expect(message).toContain("set 'run-record' to the record that belongs to these files");
  });
});
