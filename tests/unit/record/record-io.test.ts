import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../src/formats/errors.ts";
import { readRunRecord, writeRunRecord } from "../../../src/record/record-io.ts";
import { RUN_RECORD_SCHEMA_VERSION, type RunRecord } from "../../../src/record/run-record.ts";

const HEX = "a".repeat(64);

function sampleRecord(): RunRecord {
  return {
    schema: "mlops-actions/run-record",
    schemaVersion: RUN_RECORD_SCHEMA_VERSION,
    toolkitVersion: "0.1.0",
    model: {
      name: "iris-svm",
      path: "out/model",
      kind: "directory",
      files: [{ path: "model.pkl", sha256: HEX, size: 10 }],
      digest: `sha256:${HEX}`,
      size: 10,
    },
    metrics: { accuracy: 0.93, "per_class.3.f1": 0.8, seeds: [0.9, 0.91] },
    ignoredMetrics: [{ name: "model", value: "svm", reason: "text, not a number" }],
    metricsFile: "out/metrics.json",
    params: { epochs: 5, model: { C: 2 } },
    data: {
      paths: [{ path: "data", digest: HEX, files: 2, bytes: 100, source: "files", notes: [] }],
      digest: HEX,
      files: 2,
      bytes: 100,
    },
    code: {
      repository: "o/r",
      sha: "b".repeat(40),
      ref: "refs/heads/main",
      dirty: false,
      paths: [{ path: "src", digest: "c".repeat(40), source: "git-tree" }],
    },
    environment: {
      lockfiles: [{ path: "requirements.txt", sha256: HEX }],
      runner: { os: "Linux", arch: "X64" },
    },
    run: {
      workflow: "train",
      id: "1",
      attempt: 1,
      event: "push",
      actor: "me",
      startedAt: "2026-11-01T00:00:00Z",
      durationSeconds: 3.5,
      exitCode: 0,
      command: "python train.py",
      cacheHit: false,
    },
    fingerprint: HEX,
  };
}

const dir = mkdtempSync(join(tmpdir(), "mlops-record-"));

async function readError(text: string): Promise<ConfigurationError> {
  const path = join(dir, `r-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, text);
  const error: unknown = await readRunRecord(path, "run/mlops-run.json").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe("run record I/O", () => {
  it("writes atomically and reads back what it wrote", async () => {
    const path = join(dir, "out", "mlops-run.json");
    await writeRunRecord(path, sampleRecord());
    expect(readdirSync(join(dir, "out"))).toEqual(["mlops-run.json"]); // no temp file left behind
    expect(readFileSync(path, "utf8").endsWith("}\n")).toBe(true);
    expect(await readRunRecord(path)).toEqual(sampleRecord());
  });

  it("refuses to write an invalid record, naming the field", async () => {
    const bad = { ...sampleRecord(), metrics: { loss: Number.NaN } };
    await expect(writeRunRecord(join(dir, "bad.json"), bad)).rejects.toThrow(/metrics\.loss/);
    expect(readdirSync(dir)).not.toContain("bad.json");
  });

  it("names the file and the failing field path on read", async () => {
    const record = sampleRecord() as unknown as { model: { digest: string } };
    record.model.digest = "md5:123";
    const error = await readError(JSON.stringify(record));
    expect(error.message).toMatch(/^run\/mlops-run\.json: invalid run record: model\.digest: /);
  });

  it("rejects an unknown major schema version with a clear message, accepts a newer minor", async () => {
    const error = await readError(JSON.stringify({ ...sampleRecord(), schemaVersion: "2.0" }));
    expect(error.message).toContain('schema version "2.0" is not supported; this toolkit reads 1.x');
    const newerMinor = { ...sampleRecord(), schemaVersion: "1.7", addedLater: { x: 1 } };
    const path = join(dir, "minor.json");
    writeFileSync(path, JSON.stringify(newerMinor));
    expect((await readRunRecord(path)).schemaVersion).toBe("1.7");
  });

  it("names a file that is not a record, is not JSON, or is missing", async () => {
    expect((await readError('{"a": 1}')).message).toMatch(/not a run record/);
    const syntax = await readError('{\n  "schema": }');
    expect(syntax.message).toMatch(/^run\/mlops-run\.json:2:13: not valid JSON/);
    await expect(readRunRecord(join(dir, "none.json"), "none.json")).rejects.toThrow(
      /^none\.json: run record not found/,
    );
  });
});

describe("generated JSON Schema", () => {
  const node = process.execPath;
  const script = join(import.meta.dirname, "../../../scripts/gen-schema.mjs");

  it("the committed schemas/run-record.schema.json is up to date", () => {
    const result = spawnSync(node, [script, "--check"], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("the staleness check fails on a stale file", () => {
    const stale = join(dir, "stale.schema.json");
    writeFileSync(stale, "{}\n");
    const result = spawnSync(node, [script, "--check", "--file", stale], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is stale/);
  });

  it("validates a sample record with Ajv, and rejects a bad digest", async () => {
    const { Ajv2020 } = await import("ajv/dist/2020.js");
    const ajv = new Ajv2020({ strict: false });
    const schema = JSON.parse(
      readFileSync(join(import.meta.dirname, "../../../schemas/run-record.schema.json"), "utf8"),
    ) as object;
    const validate = ajv.compile(schema);
    expect(validate(sampleRecord())).toBe(true);
    const bad = sampleRecord() as unknown as { model: { digest: string } };
    bad.model.digest = "nope";
    expect(validate(bad)).toBe(false);
    expect(execFileSync(node, ["--version"], { encoding: "utf8" })).toMatch(/^v24\./);
  });
});

describe("writing on a full disk", () => {
  // A 64 KiB tmpfs (mounting needs root, as on our CI machines), unmounted afterwards.
  it.skipIf(process.getuid?.() !== 0)(
    "names the file and the free space, and leaves no temp file behind",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "mlops-full-"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
      try {
        const record = sampleRecord();
        record.params = { blob: "x".repeat(200_000) };
        const path = join(dir, "mlops-run.json");
        const error = await writeRunRecord(path, record).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toMatch(
          new RegExp(
            `^No space left on the device to write ${path} \\(its file system has [\\d.]+ (bytes|KiB) free of 64\\.0 KiB\\)`,
          ),
        );
        expect(readdirSync(dir)).toEqual([]);
      } finally {
        execFileSync("umount", [dir]);
      }
    },
  );
});
