#!/usr/bin/env node
// Write schemas/run-record.schema.json from the zod definition in src/record/run-record.ts, formatted
// with the repository's Prettier settings so `prettier --check .` passes on it.
// Node 24 runs the TypeScript source directly (type stripping).
//   node_modules/.bin/node scripts/gen-schema.mjs            write the file
//   node_modules/.bin/node scripts/gen-schema.mjs --check    exit 1 when the file is stale
//   --file <path>   compare or write another file (tests use it)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { format, resolveConfig } from "prettier";
import { RUN_RECORD_SCHEMA_PATH, runRecordJsonSchemaText } from "../src/record/json-schema.ts";

const { values } = parseArgs({
  options: { check: { type: "boolean", default: false }, file: { type: "string" } },
});
const root = new URL("..", import.meta.url).pathname;
const target = join(root, RUN_RECORD_SCHEMA_PATH);
const file = values.file ?? target;
// Prettier options as for the committed path, whichever file is compared.
const options = { ...(await resolveConfig(target)), filepath: target };
const text = await format(runRecordJsonSchemaText(), options);

if (values.check) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // a missing file is stale
  }
  if (current !== text) {
    console.error(
      `${file} is stale: it does not match src/record/run-record.ts. Run 'node scripts/gen-schema.mjs' and commit it.`,
    );
    process.exit(1);
  }
  console.log(`${file} is up to date.`);
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
