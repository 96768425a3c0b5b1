// GET /repos/{owner}/{repo}, repository_dispatch and file contents at a ref.
import {
  actor,
  field,
  HttpError,
  json,
  notFound,
  str,
  validationFailed,
  type Handlers,
  type RequestContext,
} from "../http.ts";
import { renderContent, renderRepo } from "../representations.ts";
import { timestamp } from "../state.ts";

/** The commit a `ref` query names: a known commit sha, a branch, a tag; the default branch without one. */
function commitFor(ctx: RequestContext, ref: string | undefined): string {
  const { repo } = ctx;
  const name = ref ?? repo.defaultBranch;
  const sha =
    (/^[0-9a-f]{40}$/.test(name) && repo.objects.has(name) ? name : undefined) ??
    repo.refs.get(name.startsWith("refs/") ? name : `refs/heads/${name}`) ??
    repo.refs.get(`refs/tags/${name}`);
  if (sha === undefined) {
    throw new HttpError(404, {
      message: `No commit found for the ref ${name}`,
      documentation_url: ctx.docs,
      status: "404",
    });
  }
  return sha;
}

export const repoHandlers: Handlers = {
  "repos/get": {
    permission: ["contents", "read"],
    handle: (ctx) => json(200, renderRepo(ctx.render, ctx.repo)),
  },
  "repos/get-content": {
    permission: ["contents", "read"],
    handle: (ctx) => {
      const ref = ctx.query.ref as string | undefined;
      const files = ctx.repo.files.get(commitFor(ctx, ref)) ?? new Map<string, string>();
      const path = String(ctx.params.path).replace(/^\/+|\/+$/g, "");
      const refName = ref ?? ctx.repo.defaultBranch;
      const text = files.get(path);
      if (text !== undefined) return json(200, renderContent(ctx.render, ctx.repo, refName, path, text));
      // A directory: its direct entries (files, and sub-directories once each).
      const entries = new Map<string, string | undefined>();
      for (const [file, content] of files) {
        if (!file.startsWith(`${path}/`)) continue;
        const [first = "", ...rest] = file.slice(path.length + 1).split("/");
        entries.set(`${path}/${first}`, rest.length === 0 ? content : undefined);
      }
      if (entries.size === 0) throw notFound(ctx.docs);
      // Listings name files without their content, like GitHub's.
      const listing = [...entries].map(([entry, content]) => {
        const {
          content: _content,
          encoding: _encoding,
          ...item
        } = renderContent(ctx.render, ctx.repo, refName, entry, content);
        return item;
      });
      return json(200, listing);
    },
  },
  "repos/create-dispatch-event": {
    permission: ["contents", "write"],
    handle: (ctx) => {
      const clientPayload = (field(ctx.body, "client_payload") ?? {}) as Record<string, unknown>;
      if (Object.keys(clientPayload).length > 10) {
        throw validationFailed(ctx.docs, {
          resource: "Repository",
          code: "custom",
          field: "client_payload",
          message: "client_payload can have at most 10 top-level properties",
        });
      }
      ctx.repo.dispatches.push({
        eventType: str(ctx.body, "event_type") ?? "",
        clientPayload,
        actor: actor(ctx),
        at: timestamp(),
      });
      return { status: 204 };
    },
  },
};
