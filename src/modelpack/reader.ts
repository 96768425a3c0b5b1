// The readers' side (pull, the gate's `registry:` baseline, deploy): a manifest another party pushed,
// validated before anything trusts it, with its layers classified. Current and older ModelPack types both
// count; a layer of any other type is listed under `other` for the caller to skip.
import * as z from "zod";
import { ConfigurationError } from "../formats/errors.ts";
import { RUN_RECORD_FILE } from "../record/run-record.ts";
import { MODEL_CARD_FILE, type Descriptor } from "./artifact.ts";
import {
  classifyLayer,
  isModelArtifactType,
  isModelConfigType,
  layerFilepath,
  OCI_MANIFEST_MEDIA_TYPE,
  type LayerType,
} from "./media-types.ts";

const DescriptorSchema = z.object({
  mediaType: z.string().max(255),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "a sha256 digest"),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const ManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.literal(OCI_MANIFEST_MEDIA_TYPE).optional(),
  artifactType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

export interface ClassifiedLayer extends Descriptor {
  type: LayerType;
  /** Where the layer unpacks to (org.cncf.model.filepath, or the older org.cnai one). */
  filepath: string | undefined;
}

export interface ModelPackManifest {
  config: Descriptor;
  annotations: Record<string, string>;
  modelFiles: ClassifiedLayer[];
  docs: ClassifiedLayer[];
  /** Code and dataset layers, kept for completeness. */
  extras: ClassifiedLayer[];
  /** Layers of no ModelPack type. */
  other: Descriptor[];
}

export function readModelPackManifest(bytes: Uint8Array | string, label: string): ModelPackManifest {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes));
  } catch {
    throw new ConfigurationError(`${label}: the manifest is not JSON.`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(
      `${label}: not an OCI image manifest (${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}).`,
    );
  }
  const manifest = parsed.data;
  if (!isModelArtifactType(manifest.artifactType) && !isModelConfigType(manifest.config.mediaType)) {
    throw new ConfigurationError(
      `${label}: not a ModelPack model artifact (artifactType ${JSON.stringify(manifest.artifactType ?? null)}, config ${manifest.config.mediaType}).`,
    );
  }
  const result: ModelPackManifest = {
    config: manifest.config,
    annotations: manifest.annotations ?? {},
    modelFiles: [],
    docs: [],
    extras: [],
    other: [],
  };
  for (const layer of manifest.layers) {
    const type = classifyLayer(layer.mediaType);
    if (type === undefined) {
      result.other.push(layer);
      continue;
    }
    const classified: ClassifiedLayer = { ...layer, type, filepath: layerFilepath(layer.annotations) };
    if (type.kind === "weight" || type.kind === "weight-config") result.modelFiles.push(classified);
    else if (type.kind === "doc") result.docs.push(classified);
    else result.extras.push(classified);
  }
  return result;
}

/** The run record layer (a raw doc layer at mlops-run.json), or undefined for artifacts from other tools. */
export function runRecordLayer(manifest: ModelPackManifest): ClassifiedLayer | undefined {
  return manifest.docs.find((l) => l.type.packing === "raw" && l.filepath === RUN_RECORD_FILE);
}

export function modelCardLayer(manifest: ModelPackManifest): ClassifiedLayer | undefined {
  return manifest.docs.find((l) => l.type.packing === "raw" && l.filepath === MODEL_CARD_FILE);
}
