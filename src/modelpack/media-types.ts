// CNCF ModelPack media types (model-spec v0.0.7, schemas/modelpack/SOURCE.md) and the readers' side:
// which layers are model files, docs, code or data. Writers emit only the current `vnd.cncf.model.*`
// raw types; readers also accept the packed variants (tar, tar+gzip, tar+zstd) and the older
// `vnd.cnai.model.*` names that KitOps and modctl wrote before the project moved to the CNCF.

export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
export const MODEL_ARTIFACT_TYPE = "application/vnd.cncf.model.manifest.v1+json";
export const MODEL_CONFIG_MEDIA_TYPE = "application/vnd.cncf.model.config.v1+json";
export const WEIGHT_RAW_MEDIA_TYPE = "application/vnd.cncf.model.weight.v1.raw";
export const DOC_RAW_MEDIA_TYPE = "application/vnd.cncf.model.doc.v1.raw";

/** The layer annotation naming where the file goes when the artifact is unpacked. */
export const FILEPATH_ANNOTATION = "org.cncf.model.filepath";
const LEGACY_FILEPATH_ANNOTATION = "org.cnai.model.filepath";

const LEGACY_ARTIFACT_TYPE = "application/vnd.cnai.model.manifest.v1+json";
const LEGACY_CONFIG_MEDIA_TYPE = "application/vnd.cnai.model.config.v1+json";

export type LayerKind = "weight" | "weight-config" | "doc" | "code" | "dataset";
export type LayerPacking = "raw" | "tar" | "tar+gzip" | "tar+zstd";

export interface LayerType {
  kind: LayerKind;
  packing: LayerPacking;
  /** Whether the type uses the pre-CNCF `vnd.cnai.model.*` names. */
  legacy: boolean;
}

const LAYER_TYPE =
  /^application\/vnd\.(cncf|cnai)\.model\.(weight\.config|weight|doc|code|dataset)\.v1\.(raw|tar|tar\+gzip|tar\+zstd)$/;

/** The ModelPack layer type of a media type, or undefined for anything else (readers skip or refuse it). */
export function classifyLayer(mediaType: string): LayerType | undefined {
  const match = LAYER_TYPE.exec(mediaType);
  if (!match) return undefined;
  const [, vendor, kind, packing] = match;
  return {
    kind: kind === "weight.config" ? "weight-config" : (kind as LayerKind),
    packing: packing as LayerPacking,
    legacy: vendor === "cnai",
  };
}

/** Model files: weights and their configs (tokenizers, hyper-parameter files), in any packing. */
export function isModelFileLayer(mediaType: string): boolean {
  const type = classifyLayer(mediaType);
  return type?.kind === "weight" || type?.kind === "weight-config";
}

export function isModelArtifactType(artifactType: string | undefined): boolean {
  return artifactType === MODEL_ARTIFACT_TYPE || artifactType === LEGACY_ARTIFACT_TYPE;
}

export function isModelConfigType(mediaType: string): boolean {
  return mediaType === MODEL_CONFIG_MEDIA_TYPE || mediaType === LEGACY_CONFIG_MEDIA_TYPE;
}

/** The unpack path of a layer, under the current or the older annotation name. */
export function layerFilepath(annotations: Readonly<Record<string, string>> | undefined): string | undefined {
  return annotations?.[FILEPATH_ANNOTATION] ?? annotations?.[LEGACY_FILEPATH_ANNOTATION];
}
