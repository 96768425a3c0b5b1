// The JSON Schema of the run record, generated from the zod definition so the two cannot drift.
// scripts/gen-schema.mjs writes it to schemas/run-record.schema.json; a unit test fails when the
// committed file differs from what this function returns.
import { z } from "zod";
import { RUN_RECORD_SCHEMA_VERSION, RunRecord } from "./run-record.ts";

export const RUN_RECORD_SCHEMA_PATH = "schemas/run-record.schema.json";

/** The schema as 2-space JSON with a trailing newline (scripts/gen-schema.mjs then applies Prettier). */
export function runRecordJsonSchemaText(): string {
  // io "input": the schema accepts exactly what the reader accepts (defaulted fields may be absent).
  const schema = z.toJSONSchema(RunRecord, { io: "input", target: "draft-2020-12" });
  const document = {
    $schema: schema.$schema,
    title: "mlops-actions run record",
    description: `What train-model knows about one training run (mlops-run.json), schema version ${RUN_RECORD_SCHEMA_VERSION}.`,
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
