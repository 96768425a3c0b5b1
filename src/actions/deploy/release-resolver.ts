// deploy's ModelResolver over GitHub Releases (`registry: github-release`): a reference (version, alias
// or model digest) becomes the version's release; the deployment records the model digest (the
// `<model>@sha256:<hex>` of this backend). Files are downloaded through the 302 and verified (the run
// record against GitHub's digest, every model file against the record), laid out as the OCI pull lays
// them out (model/<path>, mlops-run.json); an alias moves as its ref (a new tag object naming the version).
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError } from "../../formats/errors.ts";
import type { ModelRef, ModelResolver, ResolvedModel } from "../../deployments/model-ref.ts";
import { ARTIFACT_MODEL_DIR } from "../../record/run-record.ts";
import {
  ReleaseVersions,
  type ReleaseReaderGitHub,
  type ResolvedRelease,
} from "../../registry/github-release/release-versions.ts";
import { AliasRefs } from "../../versioning/alias-refs.ts";

export function createReleaseResolver(
  github: ReleaseReaderGitHub,
  where: { owner: string; repo: string },
  serverUrl = "https://github.com",
): ModelResolver {
  const versions = new ReleaseVersions(github, where);
  const reference = (ref: ModelRef): string =>
    ref.kind === "version" ? ref.version : ref.kind === "alias" ? ref.alias : ref.digest;
  const find = async (name: string, ref: string): Promise<ResolvedRelease> => {
    const resolved = await versions.resolve(name, ref);
    if (!resolved) {
      throw new ConfigurationError(
        `${where.owner}/${where.repo} has no published release for ${name}@${ref}. Check 'model' (publish it first with publish-model and 'registry: github-release', or name a version that exists).`,
      );
    }
    return resolved;
  };
  const recordOf = async (resolved: ResolvedRelease) => {
    const dir = await mkdtemp(join(process.env.RUNNER_TEMP ?? "/tmp", "mlops-release-"));
    try {
      return (await versions.readRecord(resolved, dir)).record;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  return {
    async resolve(ref: ModelRef): Promise<ResolvedModel> {
      const resolved = await find(ref.name, reference(ref));
      const record = await recordOf(resolved);
      return {
        digest: record.model.digest,
        version: resolved.version,
        uri: `${serverUrl.replace(/\/+$/, "")}/${where.owner}/${where.repo}/releases/tag/${resolved.release.tag_name}`,
      };
    },

    async pull(name: string, digest: string, dir: string): Promise<void> {
      const resolved = await find(name, digest);
      // The record lands at <dir>/mlops-run.json, as the OCI pull puts it.
      const { record } = await versions.readRecord(resolved, dir);
      if (record.model.digest !== digest) {
        throw new ConfigurationError(
          `The release ${resolved.release.tag_name} holds model ${record.model.digest}, not ${digest}: refusing to deploy it.`,
        );
      }
      await versions.pullModel(resolved, record, join(dir, ARTIFACT_MODEL_DIR));
    },

    async moveAlias(name: string, alias: string, digest: string): Promise<void> {
      const resolved = await find(name, digest);
      const record = await recordOf(resolved);
      await new AliasRefs(github, where.owner, where.repo).move(
        { model: name, alias, version: resolved.version, modelDigest: digest },
        record.code.sha,
      );
    },
  };
}
