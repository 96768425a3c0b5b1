// Deployments, deployment statuses and environments.
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
import { renderDeployment, renderDeploymentStatus, renderEnvironment } from "../representations.ts";
import {
  timestamp,
  type DeploymentRecord,
  type DeploymentStatusRecord,
  type EnvironmentRecord,
  type RepoRecord,
} from "../state.ts";

function findDeployment(ctx: RequestContext): DeploymentRecord {
  const deployment = ctx.repo.deployments.find((d) => d.id === ctx.params.deployment_id);
  if (!deployment) throw notFound(ctx.docs);
  return deployment;
}

function ensureEnvironment(ctx: RequestContext, name: string): EnvironmentRecord {
  let env = ctx.repo.environments.find((e) => e.name.toLowerCase() === name.toLowerCase());
  if (!env) {
    const now = timestamp();
    env = {
      id: ctx.render.state.id(),
      name,
      waitTimer: 0,
      preventSelfReview: false,
      reviewers: [],
      deploymentBranchPolicy: null,
      createdAt: now,
      updatedAt: now,
    };
    ctx.repo.environments.push(env);
  }
  return env;
}

function resolveRef(repo: RepoRecord, ref: string): string | undefined {
  return (
    repo.refs.get(`refs/heads/${ref}`) ??
    repo.refs.get(`refs/tags/${ref}`) ??
    repo.refs.get(ref) ??
    (repo.objects.has(ref) ? ref : undefined)
  );
}

/**
 * Without `required_contexts`, GitHub requires every context on the commit to be successful (409
 * otherwise). The double knows the check runs made through it, so those are the contexts it checks.
 */
function failingContexts(repo: RepoRecord, sha: string): string[] {
  const latest = new Map<string, string | null>();
  for (const run of [...repo.checkRuns].sort((a, b) => a.id - b.id)) {
    if (run.headSha === sha) latest.set(run.name, run.conclusion);
  }
  return [...latest]
    .filter(([, conclusion]) => !["success", "neutral", "skipped"].includes(conclusion ?? ""))
    .map(([name]) => name);
}

export const deploymentHandlers: Handlers = {
  "repos/list-deployments": {
    permission: ["deployments", "read"],
    handle: (ctx) => {
      const { sha, ref, task, environment } = ctx.query as Record<string, string | undefined>;
      const deployments = ctx.repo.deployments
        .filter((d) => sha === undefined || d.sha === sha)
        .filter((d) => ref === undefined || d.ref === ref)
        .filter((d) => task === undefined || d.task === task)
        .filter((d) => environment === undefined || d.environment === environment)
        .sort((a, b) => b.id - a.id);
      const { page, headers } = paginate(ctx, deployments);
      return json(
        200,
        page.map((d) => renderDeployment(ctx.render, ctx.repo, d)),
        headers,
      );
    },
  },
  "repos/create-deployment": {
    permission: ["deployments", "write"],
    handle: (ctx) => {
      const ref = str(ctx.body, "ref") ?? "";
      const sha = resolveRef(ctx.repo, ref);
      if (sha === undefined) {
        throw new HttpError(422, {
          message: `No ref found for: ${ref}`,
          documentation_url: ctx.docs,
          status: "422",
        });
      }
      const required = field(ctx.body, "required_contexts");
      const failing = Array.isArray(required)
        ? failingContexts(ctx.repo, sha).filter((c) => required.includes(c))
        : failingContexts(ctx.repo, sha);
      if (failing.length > 0) {
        throw new HttpError(409, {
          message: `Conflict: Commit status checks failed for ${ref}.`,
          errors: [
            {
              contexts: failing.map((context) => ({ context, state: "failure" })),
              resource: "Deployment",
              field: "required_contexts",
              code: "invalid",
            },
          ],
          documentation_url: ctx.docs,
          status: "409",
        });
      }
      const environment = str(ctx.body, "environment") ?? "production";
      ensureEnvironment(ctx, environment);
      const now = timestamp();
      const payload = field(ctx.body, "payload");
      const deployment: DeploymentRecord = {
        id: ctx.render.state.id(),
        sha,
        ref,
        task: str(ctx.body, "task") ?? "deploy",
        environment,
        description: (field(ctx.body, "description") as string | null | undefined) ?? "",
        payload:
          typeof payload === "string" || (payload !== null && typeof payload === "object")
            ? (payload as DeploymentRecord["payload"])
            : {},
        transient: field(ctx.body, "transient_environment") === true,
        production:
          (field(ctx.body, "production_environment") as boolean | undefined) ?? environment === "production",
        creator: actor(ctx),
        createdAt: now,
        updatedAt: now,
        statuses: [],
      };
      ctx.repo.deployments.push(deployment);
      return json(201, renderDeployment(ctx.render, ctx.repo, deployment));
    },
  },
  "repos/get-deployment": {
    permission: ["deployments", "read"],
    handle: (ctx) => json(200, renderDeployment(ctx.render, ctx.repo, findDeployment(ctx))),
  },
  "repos/list-deployment-statuses": {
    permission: ["deployments", "read"],
    handle: (ctx) => {
      const deployment = findDeployment(ctx);
      const statuses = [...deployment.statuses].sort((a, b) => b.id - a.id);
      const { page, headers } = paginate(ctx, statuses);
      return json(
        200,
        page.map((s) => renderDeploymentStatus(ctx.render, ctx.repo, deployment, s)),
        headers,
      );
    },
  },
  "repos/create-deployment-status": {
    permission: ["deployments", "write"],
    handle: (ctx) => {
      const deployment = findDeployment(ctx);
      const state = str(ctx.body, "state") as DeploymentStatusRecord["state"];
      const environment = str(ctx.body, "environment") ?? deployment.environment;
      const status: DeploymentStatusRecord = {
        id: ctx.render.state.id(),
        state,
        description: str(ctx.body, "description") ?? "",
        environment,
        targetUrl: str(ctx.body, "target_url") ?? str(ctx.body, "log_url") ?? "",
        logUrl: str(ctx.body, "log_url") ?? str(ctx.body, "target_url") ?? "",
        environmentUrl: str(ctx.body, "environment_url") ?? "",
        creator: actor(ctx),
        createdAt: timestamp(),
      };
      if (status.description.length > 140) {
        throw validationFailed(ctx.docs, {
          resource: "DeploymentStatus",
          code: "custom",
          field: "description",
          message: "description is too long (maximum is 140 characters)",
        });
      }
      deployment.statuses.push(status);
      deployment.updatedAt = status.createdAt;
      if (state === "success" && field(ctx.body, "auto_inactive") !== false) {
        // Earlier non-transient, non-production deployments to the same environment become inactive.
        for (const other of ctx.repo.deployments) {
          const last = other.statuses.at(-1);
          if (
            other === deployment ||
            other.environment !== environment ||
            other.transient ||
            other.production
          )
            continue;
          if (last?.state === "inactive") continue;
          other.statuses.push({ ...status, id: ctx.render.state.id(), state: "inactive", description: "" });
        }
      }
      return json(201, renderDeploymentStatus(ctx.render, ctx.repo, deployment, status));
    },
  },
  "repos/get-environment": {
    permission: ["actions", "read"],
    handle: (ctx) => {
      const env = ctx.repo.environments.find(
        (e) => e.name.toLowerCase() === String(ctx.params.environment_name).toLowerCase(),
      );
      if (!env) throw notFound(ctx.docs);
      return json(200, renderEnvironment(ctx.render, ctx.repo, env));
    },
  },
  "repos/create-or-update-environment": {
    permission: ["administration", "write"],
    handle: (ctx) => {
      const env = ensureEnvironment(ctx, String(ctx.params.environment_name));
      const body = ctx.body ?? {};
      const waitTimer = field(body, "wait_timer");
      if (typeof waitTimer === "number") env.waitTimer = waitTimer;
      const preventSelfReview = field(body, "prevent_self_review");
      if (typeof preventSelfReview === "boolean") env.preventSelfReview = preventSelfReview;
      const reviewers = field(body, "reviewers");
      if (Array.isArray(reviewers)) env.reviewers = reviewers as EnvironmentRecord["reviewers"];
      const policy = field(body, "deployment_branch_policy");
      if (policy !== undefined)
        env.deploymentBranchPolicy = policy as EnvironmentRecord["deploymentBranchPolicy"];
      env.updatedAt = timestamp();
      return json(200, renderEnvironment(ctx.render, ctx.repo, env));
    },
  },
};
