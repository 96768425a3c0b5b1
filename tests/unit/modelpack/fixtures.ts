// A run record with two model files, valid against the RunRecord schema, for the modelpack, model-card and
// publish tests.
import { createHash } from "node:crypto";
import { RunRecord } from "../../../src/record/run-record.ts";

export const HEX = (char: string): string => char.repeat(64);

export function sha256Hex(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

export function publishableRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return RunRecord.parse({
    schema: "mlops-actions/run-record",
    schemaVersion: "1.1",
    toolkitVersion: "0.1.0",
    model: {
      name: "churn",
      path: "model",
      kind: "directory",
      files: [
        { path: "model.joblib", sha256: sha256Hex("weights"), size: 7 },
        { path: "sub/vocab.txt", sha256: sha256Hex("vocab"), size: 5 },
      ],
      digest: `sha256:${HEX("a")}`,
      size: 12,
    },
    metrics: { accuracy: 0.91, "per_class.1.f1": 0.8, seeds: [0.9, 0.92] },
    ignoredMetrics: [],
    metricsFile: "metrics.json",
    params: { n_estimators: 100, max_depth: 5 },
    data: {
      paths: [
        { path: "data/train.csv", digest: HEX("d"), files: 1, bytes: 1000, source: "files", notes: [] },
      ],
      digest: HEX("c"),
      files: 1,
      bytes: 1000,
    },
    code: {
      repository: "acme/churn",
      sha: "0123456789abcdef0123456789abcdef01234567",
      ref: "refs/heads/main",
      dirty: false,
      paths: [{ path: "src", digest: "1".repeat(40), source: "git-tree" }],
    },
    environment: {
      python: "Python 3.11.2",
      lockfiles: [{ path: "requirements.txt", sha256: HEX("e") }],
      runner: { os: "Linux", arch: "X64" },
    },
    run: {
      workflow: "train",
      id: "4242",
      attempt: 1,
      event: "push",
      actor: "octocat",
      startedAt: "2026-11-01T10:00:00.000Z",
      durationSeconds: 61.5,
      exitCode: 0,
      command: "python train.py",
      cacheHit: false,
    },
    fingerprint: HEX("f"),
    ...overrides,
  });
}
