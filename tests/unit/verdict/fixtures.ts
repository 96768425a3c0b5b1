// Run records for gate tests, valid against the RunRecord schema (checked in evaluate.test.ts).
import type { RunRecord } from "../../../src/record/run-record.ts";

const HEX = (char: string): string => char.repeat(64);

export function runRecord(overrides: {
  name?: string;
  metrics?: RunRecord["metrics"];
  params?: Record<string, unknown>;
  history?: RunRecord["history"];
  ref?: string;
  sha?: string;
  dataDigest?: string;
  python?: string;
}): RunRecord {
  return {
    schema: "mlops-actions/run-record",
    schemaVersion: "1.0",
    toolkitVersion: "0.1.0",
    model: {
      name: overrides.name ?? "churn-model",
      path: "model",
      kind: "directory",
      files: [],
      digest: `sha256:${HEX("a")}`,
      size: 0,
    },
    metrics: overrides.metrics ?? {},
    ignoredMetrics: [],
    metricsFile: "metrics.json",
    ...(overrides.history === undefined ? {} : { history: overrides.history }),
    params: overrides.params ?? {},
    data: {
      paths: [
        {
          path: "data/train.csv",
          digest: overrides.dataDigest ?? HEX("d"),
          files: 1,
          bytes: 1000,
          source: "files",
          notes: [],
        },
      ],
      digest: overrides.dataDigest ?? HEX("d"),
      files: 1,
      bytes: 1000,
    },
    code: {
      repository: "octo/ml",
      sha: overrides.sha ?? "1a2b3c4d5e6f",
      ref: overrides.ref ?? "refs/heads/main",
      dirty: false,
      paths: [],
    },
    environment: {
      python: overrides.python ?? "Python 3.11.2",
      lockfiles: [{ path: "requirements.txt", sha256: HEX("e") }],
      runner: { os: "Linux", arch: "X64" },
    },
    run: {
      workflow: "train",
      id: "100",
      attempt: 1,
      event: "pull_request",
      actor: "octocat",
      startedAt: "2026-11-01T10:00:00Z",
      durationSeconds: 60,
      exitCode: 0,
      command: "python train.py",
      cacheHit: false,
    },
    fingerprint: HEX("f"),
  };
}
