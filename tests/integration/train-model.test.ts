// train-model through the rig: the bundled action in a Node 24 child process, real training with
// Debian's scikit-learn, the real @actions/artifact and @actions/cache against Azurite.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunRecord } from "../../src/record/record-io.ts";
import type { RunRecord } from "../../src/record/run-record.ts";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import { startArtifactServices, type ArtifactServices } from "../../testing/support/services.ts";
import { checkoutExample, PYTHON } from "../../testing/support/workspace.ts";

let services: ArtifactServices;
let nextRunId = 9000;

beforeAll(async () => {
  services = await startArtifactServices();
});
afterAll(async () => {
  await services.close();
});

const SKLEARN_INPUTS = {
  "working-directory": "ml",
  command: `${PYTHON} train.py`,
  "model-path": "model",
  "data-paths": "data",
  "history-file": "history.csv",
  "data-profile": "data/digits.csv",
};

function train(
  workspace: string,
  inputs: Record<string, string>,
  options: { event?: Parameters<typeof runAction>[0]["event"]; runId?: number; runnerTemp?: string } = {},
): Promise<ActionResult> {
  const runId = options.runId ?? nextRunId++;
  return runAction({
    action: "train-model",
    inputs,
    workspace,
    ...(options.runnerTemp ? { runnerTemp: options.runnerTemp } : {}),
    event: options.event ?? { name: "push" },
    github: { repository: "acme/digits", runId },
    env: services.actionsEnv(runId),
  });
}

function errors(result: ActionResult): string[] {
  return result.annotations.filter((a) => a.level === "error").map((a) => a.message);
}

describe("train-model on the scikit-learn example", () => {
  let result: ActionResult;
  let workspace: string;

  beforeAll(async () => {
    workspace = checkoutExample("sklearn-classifier", { subdir: "ml" });
    // As ml-retrain.yml passes a dispatch form: `params: ${{ toJSON(inputs) }}`, every value a string.
    const dispatched = { epochs: "12", alpha: "0.001" };
    result = await train(
      workspace,
      { ...SKLEARN_INPUTS, params: JSON.stringify(dispatched) },
      {
        event: {
          name: "workflow_dispatch",
          patch: (payload) => {
            (payload as { inputs: Record<string, string> }).inputs = dispatched;
          },
        },
      },
    );
  }, 120_000);

  it("trains, sets every output and exports the record", () => {
    expect(errors(result)).toEqual([]);
    expect(result.exitCode).toBe(0);
    const metrics = JSON.parse(result.outputs.metrics ?? "{}") as Record<string, unknown>;
    expect(metrics.accuracy).toBeGreaterThan(0.85);
    expect(Array.isArray(metrics.accuracy_seeds)).toBe(true);
    expect(metrics["per_class.3.f1"]).toBeTypeOf("number");
    expect(result.outputs["cache-hit"]).toBe("false");
    expect(result.outputs.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(result.outputs["model-digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Number(result.outputs["duration-seconds"])).toBeGreaterThan(0);
    expect(result.outputs["artifact-id"]).toMatch(/^\d+$/);
    expect(result.env.MLOPS_RUN_RECORD).toBe(result.outputs["run-record"]);
    expect(result.outputs["run-record"]).toBe(
      join(result.files.runnerTemp, "mlops", "digits-ml", "mlops-run.json"),
    );
  });

  it("writes a complete, schema-valid record", () => {
    const record = parseRunRecord(readFileSync(result.outputs["run-record"] ?? "", "utf8"), "record");
    expect(record.model.name).toBe("digits-ml");
    expect(record.model.files.map((f) => f.path)).toContain("model.joblib");
    expect(record.data.paths[0]?.files).toBeGreaterThan(0);
    expect(record.data.profile?.columns.length).toBe(65);
    expect(record.history?.steps.length).toBeGreaterThan(1);
    expect(record.code.dirty).toBe(false);
    expect(record.code.paths[0]?.source).toBe("git-tree");
    expect(record.environment.lockfiles.map((l) => l.path)).toContain("requirements.txt");
    expect(record.run.event).toBe("workflow_dispatch");
    expect(record.run.exitCode).toBe(0);
    expect(record.run.peakMemoryBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(record.fingerprint).toBe(result.outputs.fingerprint);
  });

  it("gives the command the merged params: workflow_dispatch strings become the file's numbers", () => {
    const record = parseRunRecord(readFileSync(result.outputs["run-record"] ?? "", "utf8"), "record");
    expect(record.params.epochs).toBe(12);
    expect(record.params.alpha).toBe(0.001);
    // The script really trained for the dispatched number of epochs: one history row each.
    const history = readFileSync(join(workspace, "ml", "history.csv"), "utf8")
      .trim()
      .split("\n");
    expect(history).toHaveLength(1 + 12);
  });

  it("uploads model/… and mlops-run.json as one artifact that round-trips through Azurite", async () => {
    const id = Number(result.outputs["artifact-id"]);
    const stored = services.results.get(id);
    expect(stored?.name).toBe("mlops-run-digits-ml");
    const zip = await fetch(await services.results.downloadUrl(id)).then(async (r) =>
      Buffer.from(await r.arrayBuffer()),
    );
    const dir = mkdtempSync(join(tmpdir(), "mlops-unzip-"));
    writeFileSync(join(dir, "a.zip"), zip);
    const listing = execFileSync(PYTHON, ["-m", "zipfile", "-l", join(dir, "a.zip")], { encoding: "utf8" });
    expect(listing).toMatch(/mlops-run\.json/);
    expect(listing).toMatch(/model\/model\.joblib/);
    execFileSync(PYTHON, ["-m", "zipfile", "-e", join(dir, "a.zip"), join(dir, "x")]);
    const original = readFileSync(join(workspace, "ml", "model", "model.joblib"));
    expect(readFileSync(join(dir, "x", "model", "model.joblib")).equals(original)).toBe(true);
  });

  it("shows the metrics in the job summary", () => {
    expect(result.summary).toContain("Trained `digits-ml`");
    expect(result.summary).toMatch(/\| accuracy \| 0\.9\d+ \|/);
  });
});

describe("params from a workflow_dispatch reach the script", () => {
  it("converts the form's strings to the params file's types", async () => {
    const workspace = checkoutExample("quickstart");
    const result = await train(
      workspace,
      {
        command: "python3 train.py",
        "model-path": "model",
        params: JSON.stringify({ epochs: "2", learning_rate: "0.5" }),
        upload: "false",
        cache: "false",
      },
      { event: { name: "workflow_dispatch" } },
    );
    expect(errors(result)).toEqual([]);
    const record = parseRunRecord(readFileSync(result.outputs["run-record"] ?? "", "utf8"), "record");
    expect(record.params.epochs).toBe(2);
    expect(record.params.learning_rate).toBe(0.5);
    const history = readFileSync(join(workspace, "history.jsonl"), "utf8").trim().split("\n");
    expect(history).toHaveLength(2); // the script really trained for the dispatched number of epochs
  });
});

describe("the training cache", () => {
  const inputs = {
    command: "python3 train.py",
    "model-path": "model",
    "data-paths": "data",
    upload: "false",
  };
  let runnerTemp: string;
  let first: ActionResult;
  let firstRecord: RunRecord;

  beforeAll(async () => {
    runnerTemp = mkdtempSync(join(tmpdir(), "mlops-runner-temp-"));
    first = await train(checkoutExample("quickstart"), inputs, { runnerTemp });
    // Read now: the next runs share RUNNER_TEMP, where the record lives.
    firstRecord = parseRunRecord(readFileSync(first.outputs["run-record"] ?? "", "utf8"), "first");
  });

  it("restores an identical run without running the command", async () => {
    expect(first.outputs["cache-hit"]).toBe("false");
    const workspace = checkoutExample("quickstart");
    const second = await train(workspace, inputs, { runnerTemp });
    expect(errors(second)).toEqual([]);
    expect(second.outputs["cache-hit"]).toBe("true");
    expect(second.outputs.fingerprint).toBe(first.outputs.fingerprint);
    expect(second.outputs["model-digest"]).toBe(first.outputs["model-digest"]);
    expect(existsSync(join(workspace, "model", "model.json"))).toBe(true);
    expect(existsSync(join(workspace, "metrics.json"))).toBe(true);
    expect(second.groups.some((g) => g.title.startsWith("Train:"))).toBe(false);
    // The record describes this run, and names the run that trained the model.
    const record = parseRunRecord(readFileSync(second.outputs["run-record"] ?? "", "utf8"), "second");
    expect(record.run.cacheHit).toBe(true);
    expect(record.run.id).not.toBe(firstRecord.run.id);
    expect(record.run.restoredFrom).toMatchObject({
      id: firstRecord.run.id,
      startedAt: firstRecord.run.startedAt,
    });
    expect(record.model.digest).toBe(firstRecord.model.digest);
  });

  it("does not save a model larger than cache-max-size, and says so", async () => {
    const saved = services.results.cacheEntries().length;
    const result = await train(
      checkoutExample("quickstart"),
      { ...inputs, params: '{"seed": 99}', "cache-max-size": "0" },
      { runnerTemp },
    );
    expect(errors(result)).toEqual([]);
    expect(result.outputs["cache-hit"]).toBe("false");
    expect(
      result.annotations.some(
        (a) => a.level === "notice" && /larger than cache-max-size; it is not saved/.test(a.message),
      ),
    ).toBe(true);
    expect(services.results.cacheEntries()).toHaveLength(saved);
  });

  it.each([
    ["a data file", (ws: string) => appendFileSync(join(ws, "data", "churn.csv"), "\n")],
    [
      "a param",
      (ws: string) =>
        writeFileSync(
          join(ws, "params.yaml"),
          readFileSync(join(ws, "params.yaml"), "utf8").replace(/^epochs: \d+/m, "epochs: 7"),
        ),
    ],
    ["a code file", (ws: string) => appendFileSync(join(ws, "train.py"), "\n# changed\n")],
    ["a lockfile", (ws: string) => writeFileSync(join(ws, "requirements.txt"), "numpy==1.24.2\n")],
  ])("misses when %s changes", async (_what, change) => {
    const workspace = checkoutExample("quickstart");
    change(workspace);
    const result = await train(workspace, inputs, { runnerTemp });
    expect(errors(result)).toEqual([]);
    expect(result.outputs["cache-hit"]).toBe("false");
    expect(result.outputs.fingerprint).not.toBe(first.outputs.fingerprint);
  });
});
