// Runs Debian's Python for the unit tests that compare our reproductions with the real implementations.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PY_VALUE_SCRIPT, type PyValue } from "../../../src/python-env/python-json.ts";

export const PYTHON = "/usr/bin/python3";

export function python(script: string, ...args: string[]): string {
  return execFileSync(PYTHON, ["-c", script, ...args], { encoding: "utf8" }).trim();
}

/** Writes `text` to a temp file and returns its path. */
export function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "mlops-setup-env-unit-")), name);
  writeFileSync(file, text);
  return file;
}

/** TOML text parsed the way the action parses it: by Python's tomllib, tagged by type. */
export function tomlValue(text: string): PyValue {
  const out = JSON.parse(python(PY_VALUE_SCRIPT, tempFile("x.toml", text))) as {
    value?: PyValue;
    error?: string;
  };
  if (out.value === undefined) throw new Error(out.error);
  return out.value;
}
