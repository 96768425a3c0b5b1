// The quickstart's model served by examples/serving: trained for real by the bundled train-model
// (/usr/bin/python3, standard library only), served by serve.py alone, answering OIP inference with exactly
// the probabilities the quickstart's own train.py computes for the same rows.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ARTIFACT_MODEL_DIR } from "../../src/record/run-record.ts";
import {
  startModelServer,
  trainModelFolder,
  type ModelServer,
  type TrainedModel,
} from "../../testing/support/serving.ts";
import { PYTHON, REPO_ROOT } from "../../testing/support/workspace.ts";

const run = promisify(execFile);
const MODEL = "churn";
const QUICKSTART = join(REPO_ROOT, "examples/quickstart");

interface QuickstartModel {
  features: string[];
  threshold: number;
}

let trained: TrainedModel;
let server: ModelServer;
let model: QuickstartModel;

beforeAll(async () => {
  trained = await trainModelFolder(MODEL, { epochs: 60 }, "quickstart");
  expect(trained.record.model.files.map((f) => f.path)).toEqual(["model.json"]);
  model = JSON.parse(
    readFileSync(join(trained.folder, ARTIFACT_MODEL_DIR, "model.json"), "utf8"),
  ) as QuickstartModel;
  server = await startModelServer(trained.folder, MODEL, "v1");
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

/** The first `n` CSV rows as the model's inputs: its numeric columns as they are, one 0/1 column per plan. */
function quickstartRows(n: number): number[][] {
  const [header, ...lines] = readFileSync(join(QUICKSTART, "data/churn.csv"), "utf8").trim().split("\n");
  const columns = (header ?? "").split(",");
  return lines.slice(0, n).map((line) => {
    const cells: Record<string, string> = Object.fromEntries(
      line.split(",").map((cell, i) => [columns[i] ?? "", cell]),
    );
    return model.features.map((feature) => {
      const [column, category] = feature.split("=");
      return category === undefined ? Number(cells[column ?? ""]) : cells[column ?? ""] === category ? 1 : 0;
    });
  });
}

/** The quickstart's own scoring (train.py's encode and predict_proba) over the same rows: the oracle. */
async function trainPyProbabilities(n: number): Promise<number[]> {
  const script = `
import csv, json, sys
sys.path.insert(0, ${JSON.stringify(QUICKSTART)})
import train
model = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(train.DATA_FILE, newline="")))[: int(sys.argv[2])]
xs = [train.encode(r, model["encoding"]) for r in rows]
print(json.dumps(train.predict_proba(xs, model["weights"], model["bias"])))
`;
  const file = join(trained.folder, ARTIFACT_MODEL_DIR, "model.json");
  const { stdout } = await run(PYTHON, ["-c", script, file, String(n)]);
  return JSON.parse(stdout) as number[];
}

it("serves the quickstart's trained model.json through serve.py with train.py's own scores", async () => {
  const rows = quickstartRows(30);
  const answer = await fetch(`${server.url}/v2/models/${MODEL}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id: "q-1",
      inputs: [
        { name: "input-0", shape: [rows.length, model.features.length], datatype: "FP64", data: rows.flat() },
      ],
      outputs: [{ name: "predict" }, { name: "predict_proba" }],
    }),
  });
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as {
    model_name: string;
    model_version: string;
    id: string;
    outputs: { name: string; shape: number[]; data: number[] }[];
  };
  expect(body).toMatchObject({ model_name: MODEL, model_version: "v1", id: "q-1" });
  const [predict, proba] = body.outputs;
  const expected = await trainPyProbabilities(rows.length);
  expect(proba).toMatchObject({ name: "predict_proba", shape: [rows.length, 2] });
  expect(proba?.data.filter((_, i) => i % 2 === 1)).toEqual(expected);
  expect(predict).toMatchObject({ name: "predict", shape: [rows.length] });
  expect(predict?.data).toEqual(expected.map((p) => (p >= model.threshold ? 1 : 0)));
});

it("names the version and digest, and answers 400 to a row of the wrong width", async () => {
  const metadata = (await (await fetch(`${server.url}/v2/models/${MODEL}`)).json()) as Record<
    string,
    unknown
  >;
  expect(metadata).toMatchObject({ version: "v1", digest: trained.record.model.digest });
  expect(metadata.inputs).toEqual([
    { name: "input-0", datatype: "FP64", shape: [-1, model.features.length] },
  ]);
  const wrong = await fetch(`${server.url}/v2/models/${MODEL}/infer`, {
    method: "POST",
    body: JSON.stringify({ inputs: [{ name: "input-0", shape: [1, 3], datatype: "FP64", data: [1, 2, 3] }] }),
  });
  expect(wrong.status).toBe(400);
});
