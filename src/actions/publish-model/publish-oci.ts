// The order that makes a publish atomic and idempotent against any OCI registry (OCI tags have no
// compare-and-swap; the version claim already made the version ours):
//   1. the version tag exists with this model digest → done, nothing uploaded (a re-publish);
//   2. every blob (the client HEADs first and skips what exists), then the config;
//   3. the manifest by digest, then the version tag: a tag never points at a partial artifact;
//   4. aliases last, each moved to the version's manifest.
// A run killed anywhere leaves at most untagged blobs; the re-run finds its claim and completes it.
import * as core from "@actions/core";
import { ConfigurationError } from "../../formats/errors.ts";
import { ANNOTATIONS } from "../../modelpack/annotations.ts";
import { buildModelPack, type ModelPack } from "../../modelpack/artifact.ts";
import { layerFilepath, OCI_MANIFEST_MEDIA_TYPE } from "../../modelpack/media-types.ts";
import { readModelPackManifest } from "../../modelpack/reader.ts";
import { createOciClient, type OciClient } from "../../registry/oci/client.ts";
import { repositoryFor } from "../../registry/oci/location.ts";
import { registryCredentials } from "../../registry/registry-inputs.ts";
import type { RegistryBackend } from "./backend.ts";

/** `registry: oci`: a ModelPack artifact per version, tags for versions and aliases. */
export const ociBackend: RegistryBackend = {
  async configure(inputs, env) {
    const location = inputs.registry.url;
    if (location === undefined) throw new Error("registry-url was not defaulted for registry: oci");
    // A half-given credential is an input mistake: found here, before any network.
    const credentials = await registryCredentials(inputs.registry, location, env, inputs.token);
    return {
      prepare: (job) => {
        const repository = repositoryFor(location, job.model);
        const label = `${location.host}/${repository}`;
        const store = createOciClient({
          location,
          repository,
          credentials,
          chunkSizeMiB: inputs.chunkSizeMiB,
        });
        if (credentials) job.log(`Registry credentials: ${credentials.source}.`);
        const uri = (version: string): string => `oci://${label}:${version}`;
        return Promise.resolve({
          label,
          uri,
          async publish(claim, card, aliases) {
            const pack = buildModelPack({
              record: job.record,
              recordBytes: job.recordBytes,
              modelRoot: job.modelRoot,
              card,
              version: claim.version,
              serverUrl: job.serverUrl,
            });
            const published = await core.group(`Push ${uri(claim.version)}`, () =>
              publishModelPack(store, pack, { version: claim.version, label, log: { info: job.log } }),
            );
            await moveAliases(store, claim.version, aliases, label);
            return {
              digest: published.digest,
              summary: `${uri(claim.version)} (${published.digest}): ${published.existed ? "already complete" : `${published.uploadedBlobs} blob(s) uploaded, ${published.skippedBlobs} already there`}`,
            };
          },
        });
      },
    };
  },
};

export interface PublishProgress {
  info(message: string): void;
}

export interface PushedModelPack {
  /** The manifest digest the version tag points at. */
  digest: string;
  /** Whether the version existed already (nothing uploaded). */
  existed: boolean;
  uploadedBlobs: number;
  skippedBlobs: number;
}

export async function publishModelPack(
  store: OciClient,
  pack: ModelPack,
  options: { version: string; label: string; log: PublishProgress },
): Promise<PushedModelPack> {
  const existing = await store.getManifest(options.version);
  if (existing) {
    const read = readModelPackManifest(existing.body, `${options.label}:${options.version}`);
    const digest = read.annotations[ANNOTATIONS.modelDigest];
    if (digest !== pack.lineage.modelDigest) {
      throw new ConfigurationError(
        `${options.label}:${options.version} already exists with model digest ${digest ?? "(none)"}, not ${pack.lineage.modelDigest}; a version never changes. The version claim (refs/tags/mlops/…) and the registry disagree: someone pushed this tag by hand. Publish with another 'version', or remove the stray tag.`,
      );
    }
    options.log.info(
      `${options.label}:${options.version} already holds model ${digest} (${existing.digest}): nothing to upload.`,
    );
    return { digest: existing.digest, existed: true, uploadedBlobs: 0, skippedBlobs: 0 };
  }
  let uploaded = 0;
  let skipped = 0;
  for (const blob of [...pack.layers, pack.configBlob]) {
    const name = layerFilepath(blob.annotations) ?? "config";
    const result = await store.pushBlob(
      blob.path === undefined
        ? { digest: blob.digest, size: blob.size, data: Buffer.from(blob.bytes) }
        : { digest: blob.digest, size: blob.size, path: blob.path },
    );
    if (result.uploaded) uploaded++;
    else skipped++;
    options.log.info(
      `${result.uploaded ? "Uploaded" : "Already there:"} ${name} (${blob.size} bytes, ${blob.digest})`,
    );
  }
  const manifest = Buffer.from(pack.manifestBytes);
  const byDigest = await store.putManifest(pack.manifestDigest, manifest, OCI_MANIFEST_MEDIA_TYPE);
  checkDigest(byDigest, pack.manifestDigest, options.label);
  const tagged = await store.putManifest(options.version, manifest, OCI_MANIFEST_MEDIA_TYPE);
  checkDigest(tagged, pack.manifestDigest, options.label);
  return { digest: pack.manifestDigest, existed: false, uploadedBlobs: uploaded, skippedBlobs: skipped };
}

/** Moves each alias to the version's manifest (the bytes the version tag holds). */
export async function moveAliases(
  store: OciClient,
  version: string,
  aliases: readonly string[],
  label: string,
): Promise<void> {
  if (aliases.length === 0) return;
  const manifest = await store.getManifest(version);
  if (!manifest) throw new Error(`${label}:${version} vanished before its aliases could move.`);
  for (const alias of aliases) {
    checkDigest(await store.putManifest(alias, manifest.body, manifest.mediaType), manifest.digest, label);
  }
}

function checkDigest(answered: string, expected: string, label: string): void {
  if (answered !== expected) {
    throw new Error(`${label}: the registry stored the manifest as ${answered}, expected ${expected}.`);
  }
}
