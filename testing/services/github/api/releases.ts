// Releases and release assets. Assets are uploaded to `upload_url` (the /uploads prefix of this server,
// uploads.github.com on GitHub) with the raw bytes as the body; `GET /releases/assets/{id}` with
// `Accept: application/octet-stream` answers 302 to the bytes (a signed URL on GitHub).
// Immutable releases (the repository setting): a release published while it is on locks its tag (no
// move, no delete while the release exists; the name is never usable again) and its assets (no upload,
// no delete); its title and notes stay editable.
import { createHash } from "node:crypto";
import {
  actor,
  field,
  HttpError,
  json,
  notFound,
  paginate,
  str,
  validationFailed,
  type Handlers,
  type RequestContext,
} from "../http.ts";
import { renderAsset, renderRelease } from "../representations.ts";
import { timestamp, type ReleaseAssetRecord, type ReleaseRecord } from "../state.ts";

function findRelease(ctx: RequestContext): ReleaseRecord {
  const release = ctx.repo.releases.find((r) => r.id === ctx.params.release_id);
  if (!release || !visible(ctx, release)) throw notFound(ctx.docs);
  return release;
}

function findAsset(ctx: RequestContext): { release: ReleaseRecord; asset: ReleaseAssetRecord } {
  for (const release of ctx.repo.releases) {
    const asset = release.assets.find((a) => a.id === ctx.params.asset_id);
    if (asset && visible(ctx, release)) return { release, asset };
  }
  throw notFound(ctx.docs);
}

/** Drafts are visible only to tokens that can push. */
function visible(ctx: RequestContext, release: ReleaseRecord): boolean {
  return !release.draft || ctx.identity?.permissions.contents === "write";
}

const MAKE_LATEST = ["true", "false", "legacy"] as const;

function makeLatest(ctx: RequestContext): ReleaseRecord["makeLatest"] {
  const value = str(ctx.body, "make_latest");
  return MAKE_LATEST.find((m) => m === value);
}

/** Publishing: the tag is created at target_commitish when missing; immutability starts now. */
function publishRelease(ctx: RequestContext, release: ReleaseRecord): void {
  const others = ctx.repo.releases.filter((r) => r !== release && !r.draft && r.tagName === release.tagName);
  if (others.length > 0) {
    throw validationFailed(ctx.docs, { resource: "Release", code: "already_exists", field: "tag_name" });
  }
  if (ctx.repo.burnedTags.has(release.tagName)) {
    throw validationFailed(ctx.docs, {
      resource: "Release",
      code: "custom",
      field: "tag_name",
      message: "tag_name was used by an immutable release",
    });
  }
  const tagRef = `refs/tags/${release.tagName}`;
  if (!ctx.repo.refs.has(tagRef)) {
    const sha =
      ctx.repo.refs.get(`refs/heads/${release.targetCommitish}`) ??
      (ctx.repo.objects.has(release.targetCommitish) ? release.targetCommitish : undefined);
    if (sha === undefined) {
      throw validationFailed(ctx.docs, { resource: "Release", code: "invalid", field: "target_commitish" });
    }
    ctx.repo.refs.set(tagRef, sha);
  }
  release.draft = false;
  release.publishedAt = timestamp();
  if (ctx.repo.immutableReleases) {
    release.immutable = true;
    ctx.repo.burnedTags.add(release.tagName);
  }
}

function immutableError(ctx: RequestContext, message: string): HttpError {
  return validationFailed(ctx.docs, { resource: "Release", code: "custom", message });
}

export const releaseHandlers: Handlers = {
  "repos/list-releases": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      const releases = ctx.repo.releases.filter((r) => visible(ctx, r)).sort((a, b) => b.id - a.id);
      const { page, headers } = paginate(ctx, releases);
      return json(
        200,
        page.map((r) => renderRelease(ctx.render, ctx.uploadsRoot, ctx.repo, r)),
        headers,
      );
    },
  },
  "repos/create-release": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const tagName = str(ctx.body, "tag_name") ?? "";
      const now = timestamp();
      const release: ReleaseRecord = {
        id: ctx.render.state.id(),
        tagName,
        targetCommitish: str(ctx.body, "target_commitish") ?? ctx.repo.defaultBranch,
        name: str(ctx.body, "name") ?? null,
        body: str(ctx.body, "body") ?? null,
        draft: true,
        prerelease: field(ctx.body, "prerelease") === true,
        author: actor(ctx),
        createdAt: now,
        publishedAt: null,
        immutable: false,
        makeLatest: makeLatest(ctx),
        assets: [],
      };
      // Drafts may share a tag name (they have no tag yet); a published release may not.
      if (field(ctx.body, "draft") !== true) publishRelease(ctx, release);
      ctx.repo.releases.push(release);
      const rendered = renderRelease(ctx.render, ctx.uploadsRoot, ctx.repo, release);
      return json(201, rendered, { location: String(rendered.url) });
    },
  },
  "repos/get-release": {
    permission: ["contents", "read"],
    handle: (ctx) => json(200, renderRelease(ctx.render, ctx.uploadsRoot, ctx.repo, findRelease(ctx))),
  },
  "repos/update-release": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const release = findRelease(ctx);
      const tagName = str(ctx.body, "tag_name");
      if (tagName !== undefined && tagName !== release.tagName) {
        if (release.immutable) throw immutableError(ctx, "Cannot change the tag of an immutable release");
        release.tagName = tagName;
      }
      const target = str(ctx.body, "target_commitish");
      if (target !== undefined) release.targetCommitish = target;
      const name = str(ctx.body, "name");
      if (name !== undefined) release.name = name;
      const body = str(ctx.body, "body");
      if (body !== undefined) release.body = body;
      const prerelease = field(ctx.body, "prerelease");
      if (typeof prerelease === "boolean") release.prerelease = prerelease;
      release.makeLatest = makeLatest(ctx) ?? release.makeLatest;
      const draft = field(ctx.body, "draft");
      if (draft === false && release.draft) publishRelease(ctx, release);
      else if (draft === true && !release.draft) {
        if (release.immutable)
          throw immutableError(ctx, "Cannot convert an immutable release back to a draft");
        release.draft = true;
        release.publishedAt = null;
      }
      return json(200, renderRelease(ctx.render, ctx.uploadsRoot, ctx.repo, release));
    },
  },
  "repos/delete-release": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const release = findRelease(ctx);
      // Deleting a release keeps its tag (GitHub deletes only the release); an immutable release's tag
      // becomes deletable, but its name stays burned.
      ctx.repo.releases.splice(ctx.repo.releases.indexOf(release), 1);
      return { status: 204 };
    },
  },
  "repos/get-release-by-tag": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      // Drafts have no tag yet: GitHub does not find them by tag.
      const release = ctx.repo.releases.find((r) => r.tagName === ctx.params.tag && !r.draft);
      if (!release) throw notFound(ctx.docs);
      return json(200, renderRelease(ctx.render, ctx.uploadsRoot, ctx.repo, release));
    },
  },
  "repos/list-release-assets": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      const release = findRelease(ctx);
      const { page, headers } = paginate(ctx, release.assets);
      return json(
        200,
        page.map((a) => renderAsset(ctx.render, ctx.repo, release, a)),
        headers,
      );
    },
  },
  "repos/get-release-asset": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      const { release, asset } = findAsset(ctx);
      const accept = ctx.headers.accept ?? "";
      if (accept.includes("application/octet-stream")) {
        if (asset.state !== "uploaded") throw notFound(ctx.docs);
        // The signed URL GitHub redirects to; no body (the description documents 302 without one).
        return { status: 302, headers: { location: `${ctx.render.api}/_assets/${asset.id}` } };
      }
      return json(200, renderAsset(ctx.render, ctx.repo, release, asset));
    },
  },
  "repos/delete-release-asset": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const { release, asset } = findAsset(ctx);
      if (release.immutable) throw immutableError(ctx, "Cannot delete assets of an immutable release");
      release.assets.splice(release.assets.indexOf(asset), 1);
      return { status: 204 };
    },
  },
  "repos/upload-release-asset": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const release = findRelease(ctx);
      const name = typeof ctx.query.name === "string" ? ctx.query.name : "";
      const contentType = ctx.headers["content-type"];
      if (!contentType) {
        throw new HttpError(400, {
          message: "Content-Type header is required",
          documentation_url: ctx.docs,
          status: "400",
        });
      }
      if (release.immutable) throw immutableError(ctx, "Cannot upload assets to an immutable release");
      if (release.assets.some((a) => a.name === name)) {
        throw validationFailed(ctx.docs, { resource: "ReleaseAsset", code: "already_exists", field: "name" });
      }
      const failed = ctx.failUpload === true;
      const asset: ReleaseAssetRecord = {
        id: ctx.render.state.id(),
        name,
        label: (ctx.query.label as string | undefined) ?? null,
        contentType,
        data: failed ? Buffer.alloc(0) : ctx.rawBody,
        digest: failed ? null : `sha256:${createHash("sha256").update(ctx.rawBody).digest("hex")}`,
        state: failed ? "starter" : "uploaded",
        uploader: actor(ctx),
        createdAt: timestamp(),
      };
      release.assets.push(asset);
      if (failed) {
        throw new HttpError(502, {
          message: "Server Error",
          documentation_url: ctx.docs,
          status: "502",
        });
      }
      return json(201, renderAsset(ctx.render, ctx.repo, release, asset));
    },
  },
  "repos/check-immutable-releases": {
    permission: ["administration", "read"],
    handle: (ctx) => {
      if (!ctx.repo.immutableReleases) throw notFound(ctx.docs);
      return json(200, { enabled: true, enforced_by_owner: false });
    },
  },
  "repos/enable-immutable-releases": {
    permission: ["administration", "write"],
    handle: (ctx) => {
      ctx.repo.immutableReleases = true;
      return { status: 204 };
    },
  },
  "repos/disable-immutable-releases": {
    permission: ["administration", "write"],
    handle: (ctx) => {
      ctx.repo.immutableReleases = false;
      return { status: 204 };
    },
  },
};
