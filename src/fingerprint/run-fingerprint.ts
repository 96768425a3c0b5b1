// The run fingerprint: the training cache key. sha256 over a canonical JSON (keys sorted at every level,
// no whitespace) of everything that decides what training produces. Lists of paths are sorted by path so
// reordering an input does not change the key; the toolkit's record schema version is included so a
// change in how we hash starts a new key space.
import { RUN_RECORD_SCHEMA_VERSION } from "../record/run-record.ts";
import { byteOrder, sha256Hex } from "./manifest.ts";

export interface FingerprintInputs {
  code: ReadonlyArray<{ path: string; digest: string }>;
  data: ReadonlyArray<{ path: string; digest: string }>;
  params: unknown;
  lockfiles: ReadonlyArray<{ path: string; sha256: string }>;
  command: string;
  schemaVersion?: string;
}

export function computeRunFingerprint(inputs: FingerprintInputs): string {
  const byPath = <T extends { path: string }>(list: readonly T[]): T[] =>
    [...list].sort((a, b) => byteOrder(a.path, b.path));
  return sha256Hex(
    canonicalJson({
      code: byPath(inputs.code).map(({ path, digest }) => ({ path, digest })),
      data: byPath(inputs.data).map(({ path, digest }) => ({ path, digest })),
      params: inputs.params,
      lockfiles: byPath(inputs.lockfiles).map(({ path, sha256 }) => ({ path, sha256 })),
      command: inputs.command,
      schemaVersion: inputs.schemaVersion ?? RUN_RECORD_SCHEMA_VERSION,
    }),
  );
}

/**
 * JSON with object keys sorted (by UTF-16 code unit, JavaScript's default) at every level and no
 * whitespace. Values follow JSON.stringify otherwise (undefined members dropped, -0 written as 0).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new Error(`canonicalJson: ${value} has no JSON form`);
    }
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
}
