// A run record as a ModelPack artifact: the bytes of the config and manifest, and the list of blobs to
// upload. Pure: model files are referenced by path with the digest and size the run record holds (the
// registry verifies each digest on upload, so nothing is hashed twice); the record and the model card go
// in as bytes. The same inputs always give the same manifest bytes, so a re-run pushes the same digest.
import { posix } from "node:path";
import { ConfigurationError } from "../formats/errors.ts";
import { sha256Digest } from "../registry/oci/client.ts";
import { ARTIFACT_MODEL_DIR, RUN_RECORD_FILE, type RunRecord } from "../record/run-record.ts";
import { lineageAnnotations, lineageOf, type Lineage } from "./annotations.ts";
import {
  DOC_RAW_MEDIA_TYPE,
  FILEPATH_ANNOTATION,
  MODEL_ARTIFACT_TYPE,
  MODEL_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  WEIGHT_RAW_MEDIA_TYPE,
} from "./media-types.ts";

/** The model card's path in the artifact (beside the run record, outside the model folder). */
export const MODEL_CARD_FILE = "MODEL_CARD.md";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: typeof OCI_MANIFEST_MEDIA_TYPE;
  artifactType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** The ModelPack config (model-spec v0.0.7 `config-schema.json`). */
export interface ModelConfig {
  descriptor: {
    createdAt?: string;
    name?: string;
    version?: string;
    revision?: string;
    sourceURL?: string;
    title?: string;
  };
  config: { format?: string };
  modelfs: { type: "layers"; diffIds: string[] };
}

/** A blob to upload: a model file on disk (streamed) or bytes built here. */
export type Blob = Descriptor &
  ({ path: string; bytes?: undefined } | { bytes: Uint8Array; path?: undefined });

export interface ModelPack {
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  /** sha256:<hex> of manifestBytes: what the registry answers as Docker-Content-Digest. */
  manifestDigest: string;
  config: ModelConfig;
  configBlob: Blob;
  /** Layers in manifest order: model files, then the run record, then the model card. */
  layers: Blob[];
  lineage: Lineage;
}

export interface ModelPackInput {
  record: RunRecord;
  /** The record file's exact bytes: its sha256 is what the gate signed off (recordSha256). */
  recordBytes: Uint8Array;
  /** Folder the record's model.files paths are relative to. */
  modelRoot: string;
  card: string;
  version: string;
  /** GITHUB_SERVER_URL, for the source link. */
  serverUrl: string;
}

function bytesBlob(mediaType: string, bytes: Uint8Array, annotations?: Record<string, string>): Blob {
  return {
    mediaType,
    digest: sha256Digest(bytes),
    size: bytes.byteLength,
    ...(annotations ? { annotations } : {}),
    bytes,
  };
}

function descriptorOf(blob: Blob): Descriptor {
  return {
    mediaType: blob.mediaType,
    digest: blob.digest,
    size: blob.size,
    ...(blob.annotations ? { annotations: blob.annotations } : {}),
  };
}

export function buildModelPack(input: ModelPackInput): ModelPack {
  const { record } = input;
  if (record.model.files.length === 0) {
    throw new ConfigurationError(
      `The run record lists no model files for '${record.model.name}' (model.path ${JSON.stringify(record.model.path)}): there is nothing to publish. Check that the training command writes the model to model-path.`,
    );
  }
  const weights: Blob[] = record.model.files.map((file) => ({
    mediaType: WEIGHT_RAW_MEDIA_TYPE,
    digest: `sha256:${file.sha256}`,
    size: file.size,
    annotations: { [FILEPATH_ANNOTATION]: posix.join(ARTIFACT_MODEL_DIR, file.path) },
    path: posix.join(input.modelRoot.replaceAll("\\", "/"), file.path),
  }));
  const recordBlob = bytesBlob(DOC_RAW_MEDIA_TYPE, input.recordBytes, {
    [FILEPATH_ANNOTATION]: RUN_RECORD_FILE,
  });
  const cardBlob = bytesBlob(DOC_RAW_MEDIA_TYPE, new TextEncoder().encode(input.card), {
    [FILEPATH_ANNOTATION]: MODEL_CARD_FILE,
  });
  const layers = [...weights, recordBlob, cardBlob];
  const lineage = lineageOf(record, {
    version: input.version,
    serverUrl: input.serverUrl,
    recordSha256: recordBlob.digest.slice("sha256:".length),
  });
  const format = modelFormat(record.model.files.map((f) => f.path));
  const config: ModelConfig = {
    descriptor: {
      createdAt: lineage.created,
      name: record.model.name,
      version: input.version,
      revision: lineage.revision,
      sourceURL: lineage.source,
      title: record.model.name,
    },
    config: format === undefined ? {} : { format },
    // Raw layers are uncompressed: each diffId is the layer digest.
    modelfs: { type: "layers", diffIds: layers.map((l) => l.digest) },
  };
  const configBlob = bytesBlob(MODEL_CONFIG_MEDIA_TYPE, new TextEncoder().encode(JSON.stringify(config)));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    artifactType: MODEL_ARTIFACT_TYPE,
    config: descriptorOf(configBlob),
    layers: layers.map(descriptorOf),
    annotations: lineageAnnotations(lineage),
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  return {
    manifest,
    manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    config,
    configBlob,
    layers,
    lineage,
  };
}

const FORMATS: readonly [RegExp, string][] = [
  [/\.safetensors$/i, "safetensors"],
  [/\.onnx$/i, "onnx"],
  [/\.gguf$/i, "gguf"],
  [/\.joblib$/i, "joblib"],
  [/\.(pkl|pickle)$/i, "pickle"],
  [/\.(pt|pth)$/i, "pytorch"],
  [/\.(h5|keras)$/i, "keras"],
  [/\.ubj$|\.xgb$/i, "xgboost"],
];

/** The serialisation format when every recognised file agrees on one; undefined when unknown or mixed. */
export function modelFormat(paths: readonly string[]): string | undefined {
  const found = new Set<string>();
  for (const path of paths) {
    const format = FORMATS.find(([pattern]) => pattern.test(path))?.[1];
    if (format !== undefined) found.add(format);
  }
  return found.size === 1 ? [...found][0] : undefined;
}
