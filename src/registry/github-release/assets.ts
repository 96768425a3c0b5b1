// Which assets a model version is on GitHub Releases: one per model file, the run record and the model
// card, named so that a reader finds each from the run record alone. GitHub's limits are checked here,
// before anything is uploaded: an asset must be under 2 GiB, and a release holds at most 1000 assets.
import { posix } from "node:path";
import { ConfigurationError } from "../../formats/errors.ts";
import { RUN_RECORD_FILE, type RunRecord } from "../../record/run-record.ts";

/** GitHub's per-asset limit: each file must be under 2 GiB. */
export const RELEASE_ASSET_LIMIT_BYTES = 2 * 1024 ** 3;
/** GitHub's limit of assets per release. */
export const RELEASE_ASSET_LIMIT_COUNT = 1000;
export const MODEL_CARD_ASSET = "MODEL_CARD.md";
export const RUN_RECORD_ASSET = RUN_RECORD_FILE;
const MODEL_PREFIX = "model.";

export interface PlannedAsset {
  name: string;
  size: number;
  sha256: string;
  /** The model file's path relative to the model root (model files only). */
  filePath?: string;
  path?: string;
  bytes?: Uint8Array;
}

/**
 * A model file's asset name: `model.` then its path with `/` as `--` and anything GitHub would rename
 * (outside `A-Za-z0-9._-`) as `_`. Readers compute the same name from the run record.
 */
export function modelAssetName(filePath: string): string {
  return `${MODEL_PREFIX}${filePath
    .split("/")
    .join("--")
    .replace(/[^A-Za-z0-9._-]/g, "_")}`;
}

const WAY_OUT =
  "Publish this model with 'registry: oci' (GHCR or any OCI registry has no such limit), or save the model in smaller files.";

export function planAssets(
  record: RunRecord,
  modelRoot: string,
  recordBytes: Uint8Array,
  recordSha256: string,
  card: Uint8Array,
  cardSha256: string,
): PlannedAsset[] {
  const files = record.model.files;
  if (files.length + 2 > RELEASE_ASSET_LIMIT_COUNT) {
    throw new ConfigurationError(
      `The model has ${files.length} files, and a GitHub release holds at most ${RELEASE_ASSET_LIMIT_COUNT} assets (the model files, the run record and the model card); nothing was uploaded. ${WAY_OUT}`,
    );
  }
  const big = files.filter((f) => f.size >= RELEASE_ASSET_LIMIT_BYTES);
  if (big.length > 0) {
    const named = big.map((f) => `${f.path} (${f.size} bytes)`).join(", ");
    throw new ConfigurationError(
      `${named} ${big.length === 1 ? "is" : "are"} not under 2 GiB, GitHub's limit per release asset; nothing was uploaded. ${WAY_OUT}`,
    );
  }
  const planned: PlannedAsset[] = files.map((f) => ({
    name: modelAssetName(f.path),
    size: f.size,
    sha256: f.sha256,
    filePath: f.path,
    path: posix.join(modelRoot.replaceAll("\\", "/"), f.path),
  }));
  planned.push(
    { name: RUN_RECORD_ASSET, size: recordBytes.length, sha256: recordSha256, bytes: recordBytes },
    { name: MODEL_CARD_ASSET, size: card.length, sha256: cardSha256, bytes: card },
  );
  const seen = new Map<string, string>();
  for (const asset of planned) {
    const other = seen.get(asset.name);
    if (other !== undefined) {
      throw new ConfigurationError(
        `Model files ${other} and ${asset.filePath ?? asset.name} would both be the release asset '${asset.name}' (asset names are flat); nothing was uploaded. Rename one of them, or publish with 'registry: oci'.`,
      );
    }
    seen.set(asset.name, asset.filePath ?? asset.name);
  }
  return planned;
}
