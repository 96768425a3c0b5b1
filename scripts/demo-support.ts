// What the demo needs beyond the shared test support: a broken build of a trained model, and one Open
// Inference Protocol request made from a row of the example's own data.
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRunRecord } from "../src/record/record-io.ts";
import { ARTIFACT_MODEL_DIR, RUN_RECORD_FILE } from "../src/record/run-record.ts";
import { folderWithModelBytes } from "../testing/support/serving.ts";

/**
 * A copy of a trained model (train-model's record and model folder) in the artifact layout whose
 * model.joblib is not a model, with the record rewritten to match those bytes: the registry and the
 * receiver's digest checks accept it, the server starts and never becomes ready.
 */
export function brokenCopy(recordPath: string, modelDir: string): string {
  const record = parseRunRecord(readFileSync(recordPath, "utf8"), recordPath);
  const folder = mkdtempSync(join(tmpdir(), "mlops-demo-model-"));
  cpSync(modelDir, join(folder, ARTIFACT_MODEL_DIR), { recursive: true });
  cpSync(recordPath, join(folder, RUN_RECORD_FILE));
  return folderWithModelBytes({ folder, record }, Buffer.from("not a joblib file: a broken build\n"));
}

/** An OIP request for the first row of the digits CSV (64 pixels, then the digit), and its label. */
export function inferenceRequest(csvPath: string): { body: object; label: string } {
  const [header = "", row = ""] = readFileSync(csvPath, "utf8").split("\n");
  const columns = header.split(",");
  const values = row.split(",");
  const labelAt = columns.indexOf("digit");
  if (labelAt < 0) throw new Error(`${csvPath}: no 'digit' column`);
  const pixels = values.filter((_, i) => i !== labelAt).map(Number);
  return {
    label: values[labelAt] ?? "",
    body: {
      id: "demo-1",
      inputs: [{ name: "input-0", shape: [1, pixels.length], datatype: "FP32", data: pixels }],
    },
  };
}

export interface InferenceAnswer {
  model_name?: string;
  model_version?: string;
  outputs?: Array<{ name: string; data: unknown[] }>;
}

export async function postJson(url: string, body: object): Promise<InferenceAnswer> {
  const answer = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`POST ${url} answered ${answer.status}: ${text}`);
  return JSON.parse(text) as InferenceAnswer;
}
