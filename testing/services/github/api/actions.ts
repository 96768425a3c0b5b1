// Actions: workflow runs (seeded by tests) and artifacts (served from the ArtifactSource).
import type { StoredArtifact } from "../../artifact-source.ts";
import { HttpError, json, notFound, paginate, type Handlers, type RequestContext } from "../http.ts";
import { renderArtifact, renderWorkflowRun } from "../representations.ts";

const CONCLUSIONS = new Set([
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "skipped",
  "stale",
  "success",
  "timed_out",
]);

function isExpired(artifact: StoredArtifact): boolean {
  return Date.parse(artifact.expiresAt) <= Date.now();
}

/** Artifacts of runs this repository owns; artifacts of unseeded runs are shown in every repository. */
function belongsHere(ctx: RequestContext, artifact: StoredArtifact): boolean {
  const owner = ctx.render.state.findWorkflowRun(artifact.workflowRunId);
  return owner === undefined || owner.repo === ctx.repo;
}

function findArtifact(ctx: RequestContext): StoredArtifact {
  const artifact = ctx.artifacts.get(Number(ctx.params.artifact_id));
  if (!artifact?.finalized || !belongsHere(ctx, artifact)) throw notFound(ctx.docs);
  return artifact;
}

function listArtifacts(ctx: RequestContext, artifacts: StoredArtifact[]) {
  const { page, headers } = paginate(ctx, artifacts);
  return json(
    200,
    {
      total_count: artifacts.length,
      artifacts: page.map((a) => renderArtifact(ctx.render, ctx.repo, a, isExpired(a))),
    },
    headers,
  );
}

export const actionHandlers: Handlers = {
  "actions/list-workflow-runs-for-repo": {
    permission: ["actions", "read"],
    handle: (ctx) => {
      const {
        branch,
        head_sha: headSha,
        status,
        event,
        actor,
      } = ctx.query as Record<string, string | undefined>;
      const runs = ctx.repo.workflowRuns
        .filter((r) => branch === undefined || r.headBranch === branch)
        .filter((r) => headSha === undefined || r.headSha === headSha)
        .filter((r) => event === undefined || r.event === event)
        .filter((r) => actor === undefined || r.actor === actor)
        // `status` takes a status or a conclusion ("success"), like GitHub.
        .filter(
          (r) =>
            status === undefined || (CONCLUSIONS.has(status) ? r.conclusion === status : r.status === status),
        )
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
      const { page, headers } = paginate(ctx, runs);
      return json(
        200,
        {
          total_count: runs.length,
          workflow_runs: page.map((r) => renderWorkflowRun(ctx.render, ctx.repo, r)),
        },
        headers,
      );
    },
  },
  "actions/get-workflow-run": {
    permission: ["actions", "read"],
    handle: (ctx) => {
      const run = ctx.repo.workflowRuns.find((r) => r.id === ctx.params.run_id);
      if (!run) throw notFound(ctx.docs);
      return json(200, renderWorkflowRun(ctx.render, ctx.repo, run));
    },
  },
  "actions/list-workflow-run-artifacts": {
    permission: ["actions", "read"],
    handle: (ctx) => {
      const runId = Number(ctx.params.run_id);
      const owner = ctx.render.state.findWorkflowRun(runId);
      if (owner !== undefined && owner.repo !== ctx.repo) throw notFound(ctx.docs);
      const name = ctx.query.name as string | undefined;
      return listArtifacts(
        ctx,
        ctx.artifacts.list(name === undefined ? { workflowRunId: runId } : { workflowRunId: runId, name }),
      );
    },
  },
  "actions/list-artifacts-for-repo": {
    permission: ["actions", "read"],
    handle: (ctx) => {
      const name = ctx.query.name as string | undefined;
      const all = ctx.artifacts.list(name === undefined ? {} : { name });
      return listArtifacts(
        ctx,
        all.filter((a) => belongsHere(ctx, a)),
      );
    },
  },
  "actions/get-artifact": {
    permission: ["actions", "read"],
    handle: (ctx) => {
      const artifact = findArtifact(ctx);
      return json(200, renderArtifact(ctx.render, ctx.repo, artifact, isExpired(artifact)));
    },
  },
  "actions/delete-artifact": {
    permission: ["actions", "write"],
    handle: (ctx) => {
      ctx.artifacts.delete(findArtifact(ctx).id);
      return { status: 204 };
    },
  },
  "actions/download-artifact": {
    permission: ["actions", "read"],
    handle: async (ctx) => {
      const artifact = findArtifact(ctx);
      if (ctx.params.archive_format !== "zip") throw notFound(ctx.docs);
      if (isExpired(artifact)) {
        throw new HttpError(410, {
          message: "Artifact has expired",
          documentation_url: ctx.docs,
          status: "410",
        });
      }
      return { status: 302, headers: { location: await ctx.artifacts.downloadUrl(artifact.id) } };
    },
  },
};
