// Check runs. Only GitHub Apps (GITHUB_TOKEN included) may create them; personal tokens get 403.
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
import { renderCheckRun } from "../representations.ts";
import { timestamp, type CheckRunRecord } from "../state.ts";

function findRun(ctx: RequestContext): CheckRunRecord {
  const run = ctx.repo.checkRuns.find((r) => r.id === ctx.params.check_run_id);
  if (!run) throw notFound(ctx.docs);
  return run;
}

/** Check runs are written by GitHub Apps (GITHUB_TOKEN is one); personal access tokens are refused. */
function requireApp(ctx: RequestContext): void {
  if (ctx.identity?.type === "User") {
    throw new HttpError(403, {
      message: "You must authenticate via a GitHub App.",
      documentation_url: ctx.docs,
      status: "403",
    });
  }
}

/** Applies the fields create and update share. */
function apply(ctx: RequestContext, run: CheckRunRecord): void {
  const body = ctx.body;
  const name = str(body, "name");
  if (name !== undefined) run.name = name;
  const detailsUrl = str(body, "details_url");
  if (detailsUrl !== undefined) run.detailsUrl = detailsUrl;
  const externalId = str(body, "external_id");
  if (externalId !== undefined) run.externalId = externalId;
  const startedAt = str(body, "started_at");
  if (startedAt !== undefined) run.startedAt = startedAt;
  const status = str(body, "status") as CheckRunRecord["status"] | undefined;
  const conclusion = str(body, "conclusion");
  if (conclusion === "stale") {
    throw validationFailed(ctx.docs, {
      resource: "CheckRun",
      code: "invalid",
      field: "conclusion",
      message: "stale can only be set by GitHub",
    });
  }
  if (status !== undefined) run.status = status;
  if (status === "in_progress" && run.startedAt === null) run.startedAt = timestamp();
  if (conclusion !== undefined) {
    // Giving a conclusion completes the run, whatever status said.
    run.conclusion = conclusion;
    run.status = "completed";
  }
  if (run.status === "completed") {
    if (run.conclusion === null) {
      throw new HttpError(422, {
        message: "Invalid request.\n\n:conclusion wasn't supplied.",
        documentation_url: ctx.docs,
        status: "422",
      });
    }
    run.completedAt = str(body, "completed_at") ?? run.completedAt ?? timestamp();
    run.startedAt ??= run.completedAt;
  }
  const output = field(body, "output");
  if (output !== undefined) {
    run.output.title = str(output, "title") ?? run.output.title;
    run.output.summary = str(output, "summary") ?? run.output.summary;
    run.output.text = str(output, "text") ?? run.output.text;
    // Annotations accumulate across updates (at most 50 per request), like GitHub.
    const annotations = field(output, "annotations");
    if (Array.isArray(annotations)) run.output.annotations.push(...(annotations as unknown[]));
  }
  const actions = field(body, "actions");
  if (Array.isArray(actions)) run.actions = actions as unknown[];
}

export const checkHandlers: Handlers = {
  "checks/create": {
    permission: ["checks", "write"],
    handle: (ctx) => {
      requireApp(ctx);
      const headSha = str(ctx.body, "head_sha") ?? "";
      if (!ctx.repo.objects.has(headSha)) {
        throw validationFailed(ctx.docs, { resource: "CheckRun", code: "invalid", field: "head_sha" });
      }
      const existingSuite = ctx.repo.checkRuns.find((r) => r.headSha === headSha && r.creator === actor(ctx));
      const run: CheckRunRecord = {
        id: ctx.render.state.id(),
        name: "",
        headSha,
        status: "queued",
        conclusion: null,
        startedAt: null,
        completedAt: null,
        externalId: null,
        detailsUrl: null,
        output: { title: null, summary: null, text: null, annotations: [] },
        actions: [],
        creator: actor(ctx),
        checkSuiteId: existingSuite?.checkSuiteId ?? ctx.render.state.id(),
      };
      if (str(ctx.body, "status") === undefined && str(ctx.body, "conclusion") === undefined)
        run.startedAt = timestamp();
      apply(ctx, run);
      ctx.repo.checkRuns.push(run);
      return json(201, renderCheckRun(ctx.render, ctx.repo, run));
    },
  },
  "checks/get": {
    permission: ["checks", "read"],
    handle: (ctx) => json(200, renderCheckRun(ctx.render, ctx.repo, findRun(ctx))),
  },
  "checks/update": {
    permission: ["checks", "write"],
    handle: (ctx) => {
      requireApp(ctx);
      const run = findRun(ctx);
      if (run.creator !== actor(ctx)) {
        // A check run belongs to the app that created it.
        throw new HttpError(403, {
          message:
            "Invalid app_id `15368` - check run can only be modified by the GitHub App that created it.",
          documentation_url: ctx.docs,
          status: "403",
        });
      }
      apply(ctx, run);
      return json(200, renderCheckRun(ctx.render, ctx.repo, run));
    },
  },
  "checks/list-for-ref": {
    permission: ["checks", "read"],
    handle: (ctx) => {
      const ref = String(ctx.params.ref);
      const sha =
        ctx.repo.refs.get(`refs/heads/${ref}`) ??
        ctx.repo.refs.get(`refs/tags/${ref}`) ??
        ctx.repo.refs.get(ref) ??
        ref;
      if (!ctx.repo.objects.has(sha)) {
        throw validationFailed(ctx.docs, {
          resource: "Commit",
          field: "ref",
          code: "invalid",
          message: `No commit found for SHA: ${ref}`,
        });
      }
      const checkName = ctx.query.check_name as string | undefined;
      const status = ctx.query.status as string | undefined;
      const filter = (ctx.query.filter as string | undefined) ?? "latest";
      let runs = ctx.repo.checkRuns
        .filter((r) => r.headSha === sha)
        .filter((r) => checkName === undefined || r.name === checkName)
        .filter((r) => status === undefined || r.status === status)
        .sort((a, b) => b.id - a.id);
      if (filter === "latest") {
        const seen = new Set<string>();
        runs = runs.filter((r) => !seen.has(r.name) && seen.add(r.name));
      }
      const { page, headers } = paginate(ctx, runs);
      return json(
        200,
        { total_count: runs.length, check_runs: page.map((r) => renderCheckRun(ctx.render, ctx.repo, r)) },
        headers,
      );
    },
  },
};
