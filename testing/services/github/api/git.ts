// Git database: refs and annotated tag objects. Objects must be known to the repository (seeded commits,
// PR heads, run heads, tag objects), as GitHub answers 422 "Object does not exist" otherwise.
import { createHash } from "node:crypto";
import {
  actor,
  field,
  json,
  notFound,
  str,
  validationFailed,
  type Handlers,
  type RequestContext,
} from "../http.ts";
import { renderRef, renderTag } from "../representations.ts";
import { timestamp, type TagObjectRecord } from "../state.ts";

/** An immutable release's tag cannot move or go while the release exists. */
function refuseLocked(ctx: RequestContext, ref: string, what: "update" | "delete"): void {
  const release = ctx.render.state.lockedBy(ctx.repo, ref);
  if (release) {
    throw validationFailed(ctx.docs, {
      resource: "Reference",
      code: "custom",
      message: `Cannot ${what} ${ref}: it is the tag of an immutable release (${release.id})`,
    });
  }
}

export const gitHandlers: Handlers = {
  "git/create-ref": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const ref = str(ctx.body, "ref") ?? "";
      const sha = str(ctx.body, "sha") ?? "";
      if (!/^refs\/[^/]+\/.+/.test(ref)) {
        throw validationFailed(ctx.docs, {
          resource: "Reference",
          code: "custom",
          message: 'ref must start with "refs" and have at least two slashes.',
        });
      }
      if (ctx.repo.refs.has(ref)) {
        throw validationFailed(ctx.docs, {
          resource: "Reference",
          code: "custom",
          message: "Reference already exists",
        });
      }
      if (!ctx.repo.objects.has(sha)) {
        throw validationFailed(ctx.docs, {
          resource: "Reference",
          code: "custom",
          message: "Object does not exist",
        });
      }
      ctx.repo.refs.set(ref, sha);
      const rendered = renderRef(ctx.render, ctx.repo, ref, sha);
      return json(201, rendered, { location: String(rendered.url) });
    },
  },
  "git/get-ref": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      const ref = `refs/${String(ctx.params.ref)}`;
      const sha = ctx.repo.refs.get(ref);
      if (sha === undefined) throw notFound(ctx.docs);
      return json(200, renderRef(ctx.render, ctx.repo, ref, sha));
    },
  },
  "git/update-ref": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const ref = `refs/${String(ctx.params.ref)}`;
      const sha = str(ctx.body, "sha") ?? "";
      if (!ctx.repo.refs.has(ref)) {
        throw validationFailed(ctx.docs, {
          resource: "Reference",
          code: "custom",
          message: "Reference does not exist",
        });
      }
      if (!ctx.repo.objects.has(sha)) {
        throw validationFailed(ctx.docs, {
          resource: "Reference",
          code: "custom",
          message: "Object does not exist",
        });
      }
      refuseLocked(ctx, ref, "update");
      // The double keeps no commit graph, so it cannot refuse non-fast-forward updates without `force`.
      ctx.repo.refs.set(ref, sha);
      return json(200, renderRef(ctx.render, ctx.repo, ref, sha));
    },
  },
  "git/delete-ref": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const ref = `refs/${String(ctx.params.ref)}`;
      if (!ctx.repo.refs.has(ref)) {
        throw validationFailed(ctx.docs, {
          resource: "Reference",
          code: "custom",
          message: "Reference does not exist",
        });
      }
      refuseLocked(ctx, ref, "delete");
      ctx.repo.refs.delete(ref);
      return { status: 204 };
    },
  },
  "git/list-matching-refs": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      const prefix = `refs/${String(ctx.params.ref)}`;
      const refs = [...ctx.repo.refs.entries()]
        .filter(([ref]) => ref.startsWith(prefix))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([ref, sha]) => renderRef(ctx.render, ctx.repo, ref, sha));
      return json(200, refs);
    },
  },
  "git/create-tag": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const object = str(ctx.body, "object") ?? "";
      if (!ctx.repo.objects.has(object)) {
        throw validationFailed(ctx.docs, {
          resource: "Tag",
          code: "custom",
          field: "object",
          message: "Object does not exist",
        });
      }
      const tagger = field(ctx.body, "tagger");
      const login = actor(ctx);
      const record: Omit<TagObjectRecord, "sha"> = {
        tag: str(ctx.body, "tag") ?? "",
        message: str(ctx.body, "message") ?? "",
        object: { sha: object, type: str(ctx.body, "type") ?? "commit" },
        tagger: {
          name: str(tagger, "name") ?? login,
          email: str(tagger, "email") ?? `${login}@users.noreply.github.com`,
          date: str(tagger, "date") ?? timestamp(),
        },
      };
      const sha = createHash("sha1").update(JSON.stringify(record)).digest("hex");
      const tag: TagObjectRecord = { sha, ...record };
      ctx.repo.tags.push(tag);
      ctx.repo.objects.add(sha);
      const rendered = renderTag(ctx.render, ctx.repo, tag);
      return json(201, rendered, { location: String(rendered.url) });
    },
  },
  "git/get-tag": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      const tag = ctx.repo.tags.find((t) => t.sha === ctx.params.tag_sha);
      if (!tag) throw notFound(ctx.docs);
      return json(200, renderTag(ctx.render, ctx.repo, tag));
    },
  },
};
