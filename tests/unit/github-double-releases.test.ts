// Releases as GitHub serves them to a registry built on them: drafts first (invisible to readers, no tag),
// assets through upload_url as raw bytes, downloads through a 302, `starter` assets after a failed upload,
// and immutable releases that lock a published release's tag and assets.
import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  fakeSha,
  readOnlyPermissions,
  startGitHubDouble,
  type GitHubDouble,
} from "../../testing/services/github/index.ts";

const REPO = "octo/models";
const base = { owner: "octo", repo: "models" };
const UPLOAD = "POST /repos/{owner}/{repo}/releases/{release_id}/assets";

async function failure(promise: Promise<unknown>): Promise<{ status: number; text: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data: unknown } };
    return { status: e.status, text: JSON.stringify(e.response?.data ?? "") };
  }
  throw new Error("expected the request to fail");
}

describe("GitHub double: releases as a registry", () => {
  let double: GitHubDouble;
  let bot: ReturnType<typeof getOctokit>;
  let reader: ReturnType<typeof getOctokit>;
  const commit = fakeSha("release commit");

  beforeEach(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_bot");
    double.addToken("ghs_read", { permissions: readOnlyPermissions() });
    bot = getOctokit("ghs_bot", { baseUrl: double.url });
    reader = getOctokit("ghs_read", { baseUrl: double.url });
    double.state.seedCommits(REPO, commit);
  });

  afterEach(async () => {
    double.assertNoViolations();
    await double.close();
  });

  async function draftWith(tag: string, files: Record<string, string>) {
    const release = (
      await bot.rest.repos.createRelease({ ...base, tag_name: tag, target_commitish: commit, draft: true })
    ).data;
    for (const [name, text] of Object.entries(files)) {
      await bot.rest.repos.uploadReleaseAsset({
        ...base,
        url: release.upload_url,
        release_id: release.id,
        name,
        data: Buffer.from(text) as unknown as string,
        headers: { "content-type": "application/octet-stream" },
      });
    }
    return release;
  }

  it("keeps a draft from readers and out of tags; publishing creates the tag at the target", async () => {
    const draft = await draftWith("m/v1", { "model.bin": "weights" });
    expect(double.state.refs(REPO).has("refs/tags/m/v1")).toBe(false);
    expect((await failure(bot.rest.repos.getReleaseByTag({ ...base, tag: "m/v1" }))).status).toBe(404);
    expect((await failure(reader.rest.repos.getRelease({ ...base, release_id: draft.id }))).status).toBe(404);
    expect((await reader.rest.repos.listReleases(base)).data).toEqual([]);
    const published = (
      await bot.rest.repos.updateRelease({
        ...base,
        release_id: draft.id,
        draft: false,
        make_latest: "false",
        body: "card",
      })
    ).data;
    expect(published).toMatchObject({ draft: false, body: "card", immutable: false });
    expect(double.state.refs(REPO).get("refs/tags/m/v1")).toBe(commit);
    expect(double.state.releases(REPO)[0]?.makeLatest).toBe("false");
    expect((await reader.rest.repos.getReleaseByTag({ ...base, tag: "m/v1" })).data.id).toBe(draft.id);
    // A second release on a published tag is refused; drafts may share it.
    const other = await draftWith("m/v1", {});
    const clash = await failure(
      bot.rest.repos.updateRelease({ ...base, release_id: other.id, draft: false }),
    );
    expect(clash.status).toBe(422);
    expect(clash.text).toContain("already_exists");
  });

  it("downloads an asset with Accept: application/octet-stream through a 302, drafts included", async () => {
    const draft = await draftWith("m/v2", { "model.bin": "weights \u0000\u0001" });
    const [asset] = (await bot.rest.repos.listReleaseAssets({ ...base, release_id: draft.id })).data;
    if (!asset) throw new Error("no asset");
    const redirect = await fetch(`${double.url}/repos/octo/models/releases/assets/${asset.id}`, {
      headers: { accept: "application/octet-stream", authorization: "Bearer ghs_bot" },
      redirect: "manual",
    });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location") ?? "";
    expect(location).not.toBe("");
    const bytes = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect(bytes.toString()).toBe("weights \u0000\u0001");
    // Octokit follows the redirect itself.
    const viaOctokit = await bot.request("GET /repos/{owner}/{repo}/releases/assets/{asset_id}", {
      ...base,
      asset_id: asset.id,
      headers: { accept: "application/octet-stream" },
    });
    expect(Buffer.from(viaOctokit.data as unknown as ArrayBuffer).toString()).toBe("weights \u0000\u0001");
    // Without the Accept header it is the asset's JSON.
    expect((await bot.rest.repos.getReleaseAsset({ ...base, asset_id: asset.id })).data.size).toBe(10);
  });

  it("leaves a starter asset after an injected failed upload; its name is taken until it is deleted", async () => {
    const draft = await draftWith("m/v3", {});
    double.faults.add({ route: UPLOAD, kind: "failed-upload" });
    const upload = () =>
      bot.rest.repos.uploadReleaseAsset({
        ...base,
        url: draft.upload_url,
        release_id: draft.id,
        name: "model.bin",
        data: Buffer.from("weights") as unknown as string,
        headers: { "content-type": "application/octet-stream" },
      });
    expect((await failure(upload())).status).toBe(502);
    const [starter] = (await bot.rest.repos.listReleaseAssets({ ...base, release_id: draft.id })).data;
    expect(starter).toMatchObject({ name: "model.bin", state: "starter", size: 0 });
    expect((await failure(upload())).status).toBe(422);
    await bot.rest.repos.deleteReleaseAsset({ ...base, asset_id: starter?.id ?? 0 });
    expect((await upload()).data).toMatchObject({ state: "uploaded", size: 7 });
    expect(() => double.faults.add({ route: "GET /repos/{owner}/{repo}", kind: "failed-upload" })).toThrow(
      /applies to/,
    );
  });

  it("with immutable releases on, locks a published release's tag and assets, not its notes", async () => {
    double.state.setImmutableReleases(REPO, true);
    const draft = await draftWith("m/v4", { "model.bin": "weights" });
    // A draft is not locked yet.
    const [asset] = (await bot.rest.repos.listReleaseAssets({ ...base, release_id: draft.id })).data;
    await bot.rest.repos.deleteReleaseAsset({ ...base, asset_id: asset?.id ?? 0 });
    await bot.rest.repos.uploadReleaseAsset({
      ...base,
      url: draft.upload_url,
      release_id: draft.id,
      name: "model.bin",
      data: Buffer.from("weights") as unknown as string,
      headers: { "content-type": "application/octet-stream" },
    });
    const published = (await bot.rest.repos.updateRelease({ ...base, release_id: draft.id, draft: false }))
      .data;
    expect(published.immutable).toBe(true);
    const locked = published.assets[0];
    expect(
      (await failure(bot.rest.repos.deleteReleaseAsset({ ...base, asset_id: locked?.id ?? 0 }))).status,
    ).toBe(422);
    const more = await failure(
      bot.rest.repos.uploadReleaseAsset({
        ...base,
        url: published.upload_url,
        release_id: published.id,
        name: "more.bin",
        data: "x",
        headers: { "content-type": "application/octet-stream" },
      }),
    );
    expect(more.text).toContain("immutable");
    expect((await failure(bot.rest.git.deleteRef({ ...base, ref: "tags/m/v4" }))).status).toBe(422);
    const other = fakeSha("elsewhere");
    double.state.seedCommits(REPO, other);
    expect(
      (await failure(bot.rest.git.updateRef({ ...base, ref: "tags/m/v4", sha: other, force: true }))).status,
    ).toBe(422);
    expect(
      (await failure(bot.rest.repos.updateRelease({ ...base, release_id: published.id, tag_name: "m/v5" })))
        .status,
    ).toBe(422);
    // Notes stay editable.
    await bot.rest.repos.updateRelease({ ...base, release_id: published.id, body: "new notes" });
    // Deleting the release frees the tag for deletion, but the name is never usable again.
    await bot.rest.repos.deleteRelease({ ...base, release_id: published.id });
    await bot.rest.git.deleteRef({ ...base, ref: "tags/m/v4" });
    const again = await draftWith("m/v4", {});
    const burned = await failure(
      bot.rest.repos.updateRelease({ ...base, release_id: again.id, draft: false }),
    );
    expect(burned.text).toContain("tag_name was used by an immutable release");
  });

  it("with immutable releases off, a published release's tag can move and its assets go", async () => {
    const draft = await draftWith("m/v6", { "model.bin": "weights" });
    const published = (await bot.rest.repos.updateRelease({ ...base, release_id: draft.id, draft: false }))
      .data;
    expect(published.immutable).toBe(false);
    const other = fakeSha("elsewhere");
    double.state.seedCommits(REPO, other);
    await bot.rest.git.updateRef({ ...base, ref: "tags/m/v6", sha: other, force: true });
    await bot.rest.repos.deleteReleaseAsset({ ...base, asset_id: published.assets[0]?.id ?? 0 });
    await bot.rest.git.deleteRef({ ...base, ref: "tags/m/v6" });
    expect(double.state.refs(REPO).has("refs/tags/m/v6")).toBe(false);
  });
});
