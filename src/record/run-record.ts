// The run record: what train-model knows about one training run, read by evaluate-gate and publish-model.
// Versioned: a reader refuses a record whose major schema version it does not know.
// schemas/run-record.schema.json is generated from this definition (npm run build writes it; a test
// fails when it is stale), so the documented schema and the validator cannot drift apart.
// Namespace import: lets the bundler drop the parts of zod (locales, JSON Schema) the actions never use.
import * as z from "zod";

export const RUN_RECORD_SCHEMA_VERSION = "1.1";
export const RUN_RECORD_FILE = "mlops-run.json";
/** Artifact layout, versioned with the schema: model files under model/, the record at the root. */
export const ARTIFACT_MODEL_DIR = "model";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex sha256");

/** A metric is a finite number, or a list of them (seeds, folds) that evaluate-gate treats as a sample. */
export const MetricValue = z.union([z.number(), z.array(z.number()).min(1)]);
export type MetricValue = z.infer<typeof MetricValue>;

export const FileEntry = z.object({
  path: z.string().describe("Path relative to the model (or data) root, with forward slashes"),
  sha256,
  size: z.number().int().nonnegative(),
});
export type FileEntry = z.infer<typeof FileEntry>;

export const DataPathEntry = z.object({
  path: z.string().describe("The data-paths entry as given (file, folder or glob)"),
  digest: sha256.describe("One digest over the sorted (path, sha256) pairs of its files"),
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  source: z.enum(["files", "dvc.lock", "lfs-pointer"]).describe("Where the hashes came from"),
  notes: z.array(z.string()).default([]).describe("Symlinks, special files and LFS pointers found"),
});
export type DataPathEntry = z.infer<typeof DataPathEntry>;

export const ColumnProfile = z.union([
  z.object({
    name: z.string(),
    kind: z.literal("numeric"),
    count: z.number().int(),
    missing: z.number().int(),
    min: z.number(),
    max: z.number(),
    mean: z.number(),
    quantiles: z.record(z.string(), z.number()).describe("p05, p25, p50, p75, p95"),
    histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int()) }),
  }),
  z.object({
    name: z.string(),
    kind: z.literal("categorical"),
    count: z.number().int(),
    missing: z.number().int(),
    frequencies: z.record(z.string(), z.number().int()).describe("Top categories; the rest under __other__"),
  }),
]);
export type ColumnProfile = z.infer<typeof ColumnProfile>;

export const RunRecord = z.object({
  schema: z.literal("mlops-actions/run-record").describe("Identifies the document kind"),
  schemaVersion: z.string().regex(/^1\.\d+$/),
  toolkitVersion: z.string(),
  model: z.object({
    name: z.string().min(1),
    path: z
      .string()
      .describe(
        "model-path resolved against working-directory, relative to the workspace, with forward slashes",
      ),
    kind: z.enum(["file", "directory"]),
    files: z.array(FileEntry),
    digest: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/)
      .describe("sha256 over the sorted file list (path, sha256, size)"),
    size: z.number().int().nonnegative(),
  }),
  metrics: z.record(z.string(), MetricValue).describe("Flattened, dotted metric names"),
  ignoredMetrics: z
    .array(z.object({ name: z.string(), value: z.unknown(), reason: z.string() }))
    .default([])
    .describe("Values in the metrics file that are not numbers"),
  metricsFile: z.string(),
  history: z
    .object({ file: z.string(), steps: z.array(z.record(z.string(), z.number())) })
    .optional()
    .describe("Per-step metrics for learning curves"),
  params: z.record(z.string(), z.unknown()).describe("The merged params given to the command"),
  data: z.object({
    paths: z.array(DataPathEntry),
    digest: z.string().describe("One digest over all data paths; empty string when none were given"),
    files: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    profile: z
      .object({ file: z.string(), rows: z.number().int(), columns: z.array(ColumnProfile) })
      .optional(),
  }),
  code: z.object({
    repository: z.string().describe("owner/name"),
    sha: z.string().describe("GITHUB_SHA: for pull_request events the merge commit"),
    headSha: z.string().optional().describe("The PR's head commit"),
    ref: z.string(),
    pullRequest: z.number().int().optional(),
    dirty: z.boolean().describe("Whether code-paths had uncommitted changes"),
    paths: z.array(z.object({ path: z.string(), digest: z.string(), source: z.enum(["git-tree", "files"]) })),
  }),
  environment: z.object({
    python: z.string().optional().describe("python3 --version of the interpreter on PATH"),
    lockfiles: z.array(z.object({ path: z.string(), sha256 })),
    runner: z.object({ os: z.string(), arch: z.string(), image: z.string().optional() }),
  }),
  run: z.object({
    workflow: z.string(),
    id: z.string(),
    attempt: z.number().int(),
    event: z.string(),
    actor: z.string(),
    startedAt: z.string().describe("ISO 8601"),
    durationSeconds: z.number().nonnegative(),
    exitCode: z.number().int(),
    peakMemoryBytes: z.number().int().nonnegative().optional(),
    command: z.string(),
    cacheHit: z.boolean(),
    restoredFrom: z
      .object({
        id: z.string(),
        attempt: z.number().int(),
        sha: z.string(),
        startedAt: z.string(),
        durationSeconds: z.number().nonnegative(),
      })
      .optional()
      .describe("On a training-cache hit: the run that trained the model (since 1.1)"),
  }),
  fingerprint: z
    .string()
    .describe("sha256 over code, data, params, lockfiles and command: the training cache key"),
});
export type RunRecord = z.infer<typeof RunRecord>;
