// GET /repos/{owner}/{repo} and repository_dispatch.
import { actor, field, json, str, validationFailed, type Handlers } from "../http.ts";
import { renderRepo } from "../representations.ts";
import { timestamp } from "../state.ts";

export const repoHandlers: Handlers = {
  "repos/get": {
    permission: ["contents", "read"],
    handle: (ctx) => json(200, renderRepo(ctx.render, ctx.repo)),
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
