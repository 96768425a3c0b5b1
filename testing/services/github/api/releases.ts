// Releases and release assets. Assets are uploaded to `upload_url` (the /uploads prefix of this server,
// uploads.github.com on GitHub) with the raw bytes as the body.
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
import { timestamp, type ReleaseRecord } from "../state.ts";

function findRelease(ctx: RequestContext): ReleaseRecord {
  const release = ctx.repo.releases.find((r) => r.id === ctx.params.release_id);
  if (!release) throw notFound(ctx.docs);
  return release;
}

/** Drafts are visible only to tokens that can push. */
function visible(ctx: RequestContext, release: ReleaseRecord): boolean {
  return !release.draft || ctx.identity?.permissions.contents === "write";
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
      if (ctx.repo.releases.some((r) => r.tagName === tagName && !r.draft)) {
        throw validationFailed(ctx.docs, { resource: "Release", code: "already_exists", field: "tag_name" });
      }
      const targetCommitish = str(ctx.body, "target_commitish") ?? ctx.repo.defaultBranch;
      const draft = field(ctx.body, "draft") === true;
      const tagRef = `refs/tags/${tagName}`;
      if (!draft && !ctx.repo.refs.has(tagRef)) {
        // Publishing a release for a missing tag creates the tag at target_commitish.
        const sha =
          ctx.repo.refs.get(`refs/heads/${targetCommitish}`) ??
          (ctx.repo.objects.has(targetCommitish) ? targetCommitish : undefined);
        if (sha === undefined) {
          throw validationFailed(ctx.docs, {
            resource: "Release",
            code: "invalid",
            field: "target_commitish",
          });
        }
        ctx.repo.refs.set(tagRef, sha);
      }
      const now = timestamp();
      const release: ReleaseRecord = {
        id: ctx.render.state.id(),
        tagName,
        targetCommitish,
        name: str(ctx.body, "name") ?? null,
        body: str(ctx.body, "body") ?? null,
        draft,
        prerelease: field(ctx.body, "prerelease") === true,
        author: actor(ctx),
        createdAt: now,
        publishedAt: draft ? null : now,
        assets: [],
      };
      ctx.repo.releases.push(release);
      const rendered = renderRelease(ctx.render, ctx.uploadsRoot, ctx.repo, release);
      return json(201, rendered, { location: String(rendered.url) });
    },
  },
  "repos/get-release": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      const release = findRelease(ctx);
      if (!visible(ctx, release)) throw notFound(ctx.docs);
      return json(200, renderRelease(ctx.render, ctx.uploadsRoot, ctx.repo, release));
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
      for (const release of ctx.repo.releases) {
        const asset = release.assets.find((a) => a.id === ctx.params.asset_id);
        if (asset) return json(200, renderAsset(ctx.render, ctx.repo, release, asset));
      }
      throw notFound(ctx.docs);
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
      if (release.assets.some((a) => a.name === name)) {
        throw validationFailed(ctx.docs, { resource: "ReleaseAsset", code: "already_exists", field: "name" });
      }
      const asset = {
        id: ctx.render.state.id(),
        name,
        label: (ctx.query.label as string | undefined) ?? null,
        contentType,
        data: ctx.rawBody,
        digest: `sha256:${createHash("sha256").update(ctx.rawBody).digest("hex")}`,
        uploader: actor(ctx),
        createdAt: timestamp(),
      };
      release.assets.push(asset);
      return json(201, renderAsset(ctx.render, ctx.repo, release, asset));
    },
  },
};
