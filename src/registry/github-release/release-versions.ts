// Reading model versions back from GitHub Releases: `<model>@<version>`, `<model>@<alias>` (the alias
// ref's tag object names the version) and `<model>@sha256:<hex>` (the record's model digest, found
// through the version claims), then the version's assets downloaded through the 302 and verified: the
// run record against GitHub's digest of it, every model file against the record's sha256.
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readRunRecord } from "../../record/record-io.ts";
import type { RunRecord } from "../../record/run-record.ts";
import { AliasRefs, type AliasGitHub } from "../../versioning/alias-refs.ts";
import { claimRef, VersionClaims } from "../../versioning/version-claims.ts";
import { isVersionLike } from "../../versioning/version-names.ts";
import { modelAssetName, RUN_RECORD_ASSET } from "./assets.ts";
import { ReleaseStore, type Release, type ReleasesGitHub } from "./release-store.ts";

export type ReleaseReaderGitHub = ReleasesGitHub & AliasGitHub;

export interface ResolvedRelease {
  model: string;
  version: string;
  /** How the reference was resolved, for messages ("alias production → v3"). */
  via: string;
  release: Release;
}

export class ReleaseVersions {
  private readonly github: ReleaseReaderGitHub;
  private readonly owner: string;
  private readonly repo: string;
  readonly store: ReleaseStore;
  constructor(github: ReleaseReaderGitHub, where: { owner: string; repo: string }) {
    this.github = github;
    this.owner = where.owner;
    this.repo = where.repo;
    this.store = new ReleaseStore(github, where);
  }

  /** The published release a reference names, or undefined when there is none. */
  async resolve(model: string, reference: string): Promise<ResolvedRelease | undefined> {
    let version: string | undefined;
    let via: string;
    if (reference.startsWith("sha256:")) {
      const claims = await new VersionClaims(this.github).list(this.owner, this.repo, model);
      version = claims.find((c) => c.claim?.modelDigest === reference)?.version;
      via = `model digest ${reference}${version ? ` → ${version}` : ""}`;
    } else if (isVersionLike(reference)) {
      version = reference;
      via = `version ${reference}`;
    } else {
      version = (await new AliasRefs(this.github, this.owner, this.repo).read(model, reference))?.version;
      via = `alias ${reference}${version ? ` → ${version}` : ""}`;
    }
    if (version === undefined) return undefined;
    const release = await this.store.published(claimRef(model, version).slice("refs/tags/".length));
    return release ? { model, version, via, release } : undefined;
  }

  /** The version's run record, downloaded into `dir` and verified against GitHub's digest of it. */
  async readRecord(resolved: ResolvedRelease, dir: string): Promise<{ record: RunRecord; path: string }> {
    const asset = resolved.release.assets.find((a) => a.name === RUN_RECORD_ASSET);
    const label = `${RUN_RECORD_ASSET} of release ${resolved.release.tag_name}`;
    if (!asset) {
      throw new Error(`The release ${resolved.release.tag_name} has no ${RUN_RECORD_ASSET} asset.`);
    }
    const path = join(dir, RUN_RECORD_ASSET);
    await mkdir(dir, { recursive: true });
    await this.store.download(asset, path, {
      size: asset.size,
      sha256: asset.digest?.startsWith("sha256:") ? asset.digest.slice("sha256:".length) : undefined,
    });
    return { record: await readRunRecord(path, label), path };
  }

  /** Every model file of the record into `dir` (its own layout), each verified against the record. */
  async pullModel(resolved: ResolvedRelease, record: RunRecord, dir: string): Promise<void> {
    const byName = new Map(resolved.release.assets.map((a) => [a.name, a]));
    for (const file of record.model.files) {
      const asset = byName.get(modelAssetName(file.path));
      if (!asset) {
        throw new Error(`The release ${resolved.release.tag_name} has no asset for model file ${file.path}.`);
      }
      const path = join(dir, file.path);
      await mkdir(dirname(path), { recursive: true });
      await this.store.download(asset, path, { size: file.size, sha256: file.sha256 });
    }
  }
}
