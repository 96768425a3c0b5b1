// `registry: github-release`: a version is a GitHub release on the version's claim tag
// (refs/tags/mlops/<model>/v<n>, already pointing at the record's commit). Nobody ever sees a half
// release:
//   1. a published release on the tag whose files match this record → done, nothing uploaded;
//   2. a draft on the tag (drafts are invisible to readers and lock nothing), every asset uploaded through
//      `upload_url` (a failed upload's `starter` asset deleted and the upload retried);
//   3. every asset's size, and its digest where GitHub returns one, checked against the record;
//   4. published with the model card as its body and `make_latest: "false"`;
//   5. aliases last, as refs moved to tag objects that name the version (immutable releases lock
//      release tags, never these).
// Any failure before 4 deletes the draft and, when this run made it, the claim tag.
import * as core from "@actions/core";
import { createHash } from "node:crypto";
import { ConfigurationError } from "../../formats/errors.ts";
import { httpStatus } from "../../formats/github-errors.ts";
import { MODEL_CARD_ASSET, planAssets, type PlannedAsset } from "../../registry/github-release/assets.ts";
import {
  ReleaseStore,
  UploadError,
  type Release,
  type ReleaseAsset,
} from "../../registry/github-release/release-store.ts";
import { AliasRefs } from "../../versioning/alias-refs.ts";
import type { ClaimResult } from "../../versioning/version-claims.ts";
import type { PublishJob, RegistryBackend } from "./backend.ts";

const UPLOAD_ATTEMPTS = 3;

export const releaseBackend: RegistryBackend = {
  configure: () =>
    Promise.resolve({
      prepare(job) {
        // GitHub's limits, checked before the claim and before any upload.
        planAssets(job.record, job.modelRoot, job.recordBytes, job.recordSha256, new Uint8Array(), "");
        const label = `${job.owner}/${job.repo} releases`;
        const uri = (version: string): string =>
          `${job.serverUrl.replace(/\/+$/, "")}/${job.owner}/${job.repo}/releases/tag/mlops/${job.model}/${version}`;
        return Promise.resolve({
          label,
          uri,
          publish: (claim, card, aliases) => publishRelease(job, claim, card, aliases),
        });
      },
    }),
};

async function publishRelease(
  job: PublishJob,
  claim: ClaimResult,
  card: string,
  aliases: readonly string[],
): Promise<{ digest: string; summary: string }> {
  const github = await job.github();
  const store = new ReleaseStore(github, { owner: job.owner, repo: job.repo });
  const tag = claim.ref.slice("refs/tags/".length);
  const cardBytes = new TextEncoder().encode(card);
  const planned = planAssets(
    job.record,
    job.modelRoot,
    job.recordBytes,
    job.recordSha256,
    cardBytes,
    createHash("sha256").update(cardBytes).digest("hex"),
  );
  const label = `release ${tag} of ${job.owner}/${job.repo}`;
  const digest = job.record.model.digest;

  const existing = await store.published(tag);
  let summary: string;
  if (existing) {
    checkPublished(existing, planned, label);
    summary = `${label}: already complete, nothing uploaded`;
  } else {
    summary = await core.group(`Publish ${label}`, () =>
      draftAndPublish(job, store, claim, tag, planned, card),
    );
  }
  const refs = new AliasRefs(github, job.owner, job.repo);
  for (const alias of aliases) {
    await refs.move(
      { model: job.model, alias, version: claim.version, modelDigest: digest },
      job.record.code.sha,
    );
    job.log(`Alias ${alias} → ${claim.version}.`);
  }
  return { digest, summary };
}

async function draftAndPublish(
  job: PublishJob,
  store: ReleaseStore,
  claim: ClaimResult,
  tag: string,
  planned: PlannedAsset[],
  card: string,
): Promise<string> {
  // Drafts on our own claim are what an earlier attempt of this run left: they go. A draft on a claim
  // of another run may be a concurrent publish of the same model: left alone (publishing decides).
  if (claim.claim.runId === (job.env.GITHUB_RUN_ID ?? "0")) {
    for (const draft of await store.drafts(tag)) {
      job.log(`Deleting draft release ${draft.id} left on ${tag} by an earlier attempt.`);
      await store.deleteRelease(draft.id);
    }
  }
  const draft = await store.createDraft(tag, job.record.code.sha, `${job.model} ${claim.version}`, card);
  const label = `release ${tag}`;
  try {
    let bytes = 0;
    for (const asset of planned) {
      await uploadWithRetry(store, draft, asset, job.log);
      bytes += asset.size;
    }
    checkAssets(await store.assets(draft.id), planned, `draft ${label}`);
    try {
      const published = await store.publish(draft.id, card);
      return `${label} (${published.html_url}): ${planned.length} assets, ${bytes} bytes uploaded and verified`;
    } catch (error) {
      if (httpStatus(error) !== 422) throw error;
      // Published meanwhile by a concurrent publish of the same model digest: ours goes, theirs counts.
      const theirs = await store.published(tag);
      if (!theirs) throw error;
      checkPublished(theirs, planned, label);
      await store.deleteRelease(draft.id);
      return `${label}: published meanwhile by another run, verified; nothing of this run kept`;
    }
  } catch (error) {
    await removeDraft(store, draft, claim, job.log);
    throw error;
  }
}

/** After a failure: the draft goes, and the claim tag if this run made it (a re-run claims afresh). */
async function removeDraft(
  store: ReleaseStore,
  draft: Release,
  claim: ClaimResult,
  log: (message: string) => void,
): Promise<void> {
  try {
    await store.deleteRelease(draft.id);
    log(`Deleted draft release ${draft.id}.`);
    if (claim.state === "new") {
      await store.deleteRef(claim.ref);
      log(`Deleted ${claim.ref}: nothing was published.`);
    }
  } catch (cleanup) {
    core.warning(
      `Could not remove draft release ${draft.id} or ${claim.ref} after the failure (${(cleanup as Error).message}); delete them by hand. The draft is visible only to people with write access.`,
    );
  }
}

async function uploadWithRetry(
  store: ReleaseStore,
  release: Release,
  asset: PlannedAsset,
  log: (message: string) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const uploaded = await store.upload(release, asset);
      log(`Uploaded ${asset.name} (${uploaded.size} bytes).`);
      return;
    } catch (error) {
      if (!(error instanceof UploadError)) throw error;
      if (error.status === 403 || error.status === 404) {
        throw new ConfigurationError(
          `GitHub refused to upload release asset ${asset.name} (${error.message}). The token needs 'contents: write': add \`permissions:\n  contents: write\` to the job (or pass a token that has it in 'github-token').`,
        );
      }
      // A 5xx or a dropped connection: what did GitHub keep under that name?
      const held = (await store.assets(release.id)).find((a) => a.name === asset.name);
      if (held && matches(held, asset)) {
        log(`Uploaded ${asset.name} (the answer was lost; GitHub holds it complete).`);
        return;
      }
      if (held) {
        log(`Deleting release asset ${asset.name} left in state '${held.state}' by the failed upload.`);
        await store.deleteAsset(held.id);
      }
      if (attempt >= UPLOAD_ATTEMPTS) {
        throw new Error(
          `Uploading release asset ${asset.name} failed ${UPLOAD_ATTEMPTS} times (last: ${error.message}); nothing was published. Re-run the job.`,
          { cause: error },
        );
      }
      log(`Upload of ${asset.name} failed (${error.message}); retrying.`);
    }
  }
}

function matches(held: ReleaseAsset, asset: PlannedAsset): boolean {
  return (
    held.state === "uploaded" &&
    held.size === asset.size &&
    (held.digest == null || held.digest === `sha256:${asset.sha256}`)
  );
}

/** Every planned asset is there, complete, with the size (and digest, where given) the record says. */
function checkAssets(assets: readonly ReleaseAsset[], planned: readonly PlannedAsset[], label: string): void {
  const problems: string[] = [];
  for (const asset of planned) {
    const held = assets.find((a) => a.name === asset.name);
    if (!held) problems.push(`${asset.name}: missing`);
    else if (!matches(held, asset))
      problems.push(
        `${asset.name}: ${held.size} bytes, state ${held.state}, digest ${held.digest ?? "none"}; expected ${asset.size} bytes, sha256:${asset.sha256}`,
      );
  }
  if (problems.length > 0) {
    throw new Error(`${label} does not hold what was uploaded:\n- ${problems.join("\n- ")}`);
  }
}

/** A published release on our tag must hold this record's model files and record (the card may differ). */
function checkPublished(release: Release, planned: readonly PlannedAsset[], label: string): void {
  const content = planned.filter((a) => a.name !== MODEL_CARD_ASSET);
  try {
    checkAssets(release.assets, content, label);
  } catch (error) {
    throw new ConfigurationError(
      `${label} is already published with other files than this run record's (${(error as Error).message.split("\n").slice(1).join("; ")}); a version never changes. Publish with another 'version', or 'auto'.`,
    );
  }
}
