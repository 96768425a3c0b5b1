// The run record builders, called directly: what a trained run and a cache hit write.
import { describe, expect, it } from "vitest";
import {
  buildRunRecord,
  restoredRunRecord,
  type TrainedRun,
} from "../../../../src/actions/train-model/run-record.ts";
import type { RunContext } from "../../../../src/lib/run-context.ts";
import { RunRecord, RUN_RECORD_SCHEMA_VERSION } from "../../../../src/record/run-record.ts";

const sha = (c: string): string => c.repeat(64);

function context(overrides: Partial<RunContext> = {}): RunContext {
  return {
    repository: "octo/models",
    sha: sha("a"),
    headSha: sha("b"),
    ref: "refs/pull/7/merge",
    pullRequest: 7,
    workflow: "train",
    runId: "100",
    runAttempt: 2,
    event: "pull_request",
    actor: "octocat",
    serverUrl: "https://github.com",
    ...overrides,
  };
}

function trained(overrides: Partial<TrainedRun> = {}): TrainedRun {
  return {
    toolkitVersion: "1.2.3",
    context: context(),
    modelName: "iris",
    modelPath: "model.pkl",
    metricsFile: "metrics.json",
    model: {
      kind: "file",
      files: [{ path: "model.pkl", sha256: sha("c"), size: 10 }],
      digest: `sha256:${sha("d")}`,
      size: 10,
      notes: ["a note that stays out of the record"],
    },
    metrics: {
      metrics: { accuracy: 0.9, seeds: [0.8, 0.85] },
      ignored: [{ name: "tag", value: "x", reason: "text, not a number" }],
    },
    history: undefined,
    params: { lr: 0.1 },
    data: { paths: [], digest: "", files: 0, bytes: 0 },
    profile: undefined,
    code: { dirty: false, paths: [{ path: ".", digest: sha("e"), source: "git-tree" }] },
    python: "3.11.2",
    lockfiles: [{ path: "requirements.txt", sha256: sha("f") }],
    runner: { os: "linux", arch: "x64" },
    startedAt: new Date("2026-12-02T10:00:00Z"),
    command: "python train.py",
    result: { durationSeconds: 1.23456, exitCode: 0, peakMemoryBytes: undefined },
    fingerprint: sha("9"),
    ...overrides,
  };
}

describe("buildRunRecord", () => {
  it("writes a record the schema accepts, with this run's identity and no fingerprint notes", () => {
    const record = buildRunRecord(trained());
    expect(RunRecord.parse(record)).toEqual(record);
    expect(record.schemaVersion).toBe(RUN_RECORD_SCHEMA_VERSION);
    expect(record.model).toEqual({
      name: "iris",
      path: "model.pkl",
      kind: "file",
      files: [{ path: "model.pkl", sha256: sha("c"), size: 10 }],
      digest: `sha256:${sha("d")}`,
      size: 10,
    });
    expect(record.code).toMatchObject({ repository: "octo/models", headSha: sha("b"), pullRequest: 7 });
    expect(record.run).toEqual({
      workflow: "train",
      id: "100",
      attempt: 2,
      event: "pull_request",
      actor: "octocat",
      startedAt: "2026-12-02T10:00:00.000Z",
      durationSeconds: 1.235,
      exitCode: 0,
      command: "python train.py",
      cacheHit: false,
    });
    expect(record.ignoredMetrics).toHaveLength(1);
    expect(record.environment.python).toBe("3.11.2");
  });

  it("leaves out what a run did not have: head commit, PR, Python, history, profile", () => {
    const record = buildRunRecord(
      trained({ context: context({ headSha: undefined, pullRequest: undefined }), python: undefined }),
    );
    expect(Object.keys(record.code)).not.toContain("headSha");
    expect(Object.keys(record.code)).not.toContain("pullRequest");
    expect(Object.keys(record.environment)).not.toContain("python");
    expect(Object.keys(record)).not.toContain("history");
    expect(Object.keys(record.data)).not.toContain("profile");
  });
});

describe("restoredRunRecord", () => {
  const earlier = buildRunRecord(trained());
  const now = {
    toolkitVersion: "1.3.0",
    context: context({
      runId: "200",
      runAttempt: 1,
      event: "push",
      actor: "hubot",
      headSha: undefined,
      pullRequest: undefined,
      sha: sha("7"),
    }),
    code: { dirty: true, paths: [] },
    startedAt: new Date("2026-12-03T00:00:00Z"),
  };

  it("describes this run and names the run that trained the model", () => {
    const record = restoredRunRecord(earlier, now);
    expect(RunRecord.parse(record)).toEqual(record);
    expect(record.metrics).toEqual(earlier.metrics);
    expect(record.code).toEqual({
      repository: "octo/models",
      sha: sha("7"),
      ref: "refs/pull/7/merge",
      dirty: true,
      paths: [],
    });
    expect(record.run).toMatchObject({
      id: "200",
      attempt: 1,
      event: "push",
      actor: "hubot",
      cacheHit: true,
      durationSeconds: 0,
    });
    expect(record.run.restoredFrom).toEqual({
      id: "100",
      attempt: 2,
      sha: sha("b"),
      startedAt: "2026-12-02T10:00:00.000Z",
      durationSeconds: 1.235,
    });
    expect(record.toolkitVersion).toBe("1.3.0");
  });

  it("keeps the first trainer when the restored record was itself a cache hit", () => {
    const once = restoredRunRecord(earlier, now);
    const twice = restoredRunRecord(once, { ...now, context: context({ runId: "300" }) });
    expect(twice.run.id).toBe("300");
    expect(twice.run.restoredFrom?.id).toBe("100");
  });
});
