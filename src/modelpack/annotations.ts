// Lineage on the manifest: the OCI standard keys (GHCR links a package to its repository through
// org.opencontainers.image.source) and our own under one prefix. The ModelPack config has
// `additionalProperties: false` everywhere, so metrics and lineage can only live here and in doc layers.
import { ConfigurationError } from "../formats/errors.ts";
import { MetricValue, type RunRecord } from "../record/run-record.ts";

const ANNOTATION_PREFIX = "io.github.mlops-actions";

export const ANNOTATIONS = {
  source: "org.opencontainers.image.source",
  revision: "org.opencontainers.image.revision",
  created: "org.opencontainers.image.created",
  version: "org.opencontainers.image.version",
  title: "org.opencontainers.image.title",
  modelDigest: `${ANNOTATION_PREFIX}.model.digest`,
  fingerprint: `${ANNOTATION_PREFIX}.fingerprint`,
  metrics: `${ANNOTATION_PREFIX}.metrics`,
  dataDigest: `${ANNOTATION_PREFIX}.data.digest`,
  recordSha256: `${ANNOTATION_PREFIX}.record.sha256`,
  run: `${ANNOTATION_PREFIX}.run`,
} as const;

export interface Lineage {
  /** Repository URL, e.g. https://github.com/acme/churn */
  source: string;
  revision: string;
  created: string;
  version: string;
  modelName: string;
  modelDigest: string;
  fingerprint: string;
  metrics: Record<string, MetricValue>;
  dataDigest: string;
  recordSha256: string;
  /** "<run id>/<attempt>" of the training run. */
  run: string;
}

export function lineageOf(
  record: RunRecord,
  options: { version: string; serverUrl: string; recordSha256: string },
): Lineage {
  return {
    source: `${options.serverUrl.replace(/\/+$/, "")}/${record.code.repository}`,
    revision: record.code.sha,
    created: record.run.startedAt,
    version: options.version,
    modelName: record.model.name,
    modelDigest: record.model.digest,
    fingerprint: record.fingerprint,
    metrics: record.metrics,
    dataDigest: record.data.digest,
    recordSha256: options.recordSha256,
    run: `${record.run.id}/${record.run.attempt}`,
  };
}

/** Lineage as manifest annotations (string values, keys in a fixed order so the manifest is reproducible). */
export function lineageAnnotations(lineage: Lineage): Record<string, string> {
  const entries: [string, string][] = [
    [ANNOTATIONS.source, lineage.source],
    [ANNOTATIONS.revision, lineage.revision],
    [ANNOTATIONS.created, lineage.created],
    [ANNOTATIONS.version, lineage.version],
    [ANNOTATIONS.title, lineage.modelName],
    [ANNOTATIONS.modelDigest, lineage.modelDigest],
    [ANNOTATIONS.fingerprint, lineage.fingerprint],
    [ANNOTATIONS.metrics, JSON.stringify(sortedObject(lineage.metrics))],
    [ANNOTATIONS.dataDigest, lineage.dataDigest],
    [ANNOTATIONS.recordSha256, lineage.recordSha256],
    [ANNOTATIONS.run, lineage.run],
  ];
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Reads lineage back from a manifest another run wrote; a missing or malformed key is named. */
export function parseLineage(
  annotations: Readonly<Record<string, string>> | undefined,
  label: string,
): Lineage {
  const get = (key: string): string => {
    const value = annotations?.[key];
    if (typeof value !== "string") {
      throw new ConfigurationError(
        `${label}: the manifest has no '${key}' annotation; it was not published by mlops-actions publish-model.`,
      );
    }
    return value;
  };
  let metrics: unknown;
  try {
    metrics = JSON.parse(get(ANNOTATIONS.metrics));
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(`${label}: the '${ANNOTATIONS.metrics}' annotation is not JSON.`);
  }
  const metricMap: Record<string, MetricValue> = {};
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    throw new ConfigurationError(`${label}: the '${ANNOTATIONS.metrics}' annotation is not a JSON object.`);
  }
  for (const [name, value] of Object.entries(metrics)) {
    const checked = MetricValue.safeParse(value);
    if (!checked.success) {
      throw new ConfigurationError(
        `${label}: metric '${name}' in '${ANNOTATIONS.metrics}' is not a number or a list of numbers.`,
      );
    }
    metricMap[name] = checked.data;
  }
  return {
    source: get(ANNOTATIONS.source),
    revision: get(ANNOTATIONS.revision),
    created: get(ANNOTATIONS.created),
    version: get(ANNOTATIONS.version),
    modelName: get(ANNOTATIONS.title),
    modelDigest: get(ANNOTATIONS.modelDigest),
    fingerprint: get(ANNOTATIONS.fingerprint),
    metrics: metricMap,
    dataDigest: get(ANNOTATIONS.dataDigest),
    recordSha256: get(ANNOTATIONS.recordSha256),
    run: get(ANNOTATIONS.run),
  };
}

function sortedObject<T>(object: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
