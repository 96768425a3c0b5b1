// deploy's flow: resolve → record the Deployment → target → health → smoke → load → success (alias
// moved, previous deployment inactive) or failure with an automatic rollback to what ran before.
import { join } from "node:path";
import { waitHealthy, type HealthOptions } from "../../deploy-checks/health.ts";
import { runLoadTest, type LoadSpec } from "../../deploy-checks/load.ts";
import { runSmokeTests, type SmokeRequest } from "../../deploy-checks/smoke.ts";
import { TargetCancelled, type DeployTarget, type TargetOutcome } from "../../deploy-targets/target.ts";
import { currentDeployment } from "../../deployments/current.ts";
import { cut, STATUS_DESCRIPTION_LIMIT, type DeploymentsApi } from "../../deployments/github.ts";
import {
  markInactive,
  openDeployment,
  withDeployment,
  type Deployment,
  type RunIdentity,
} from "../../deployments/lifecycle.ts";
import type { ModelRef, ModelResolver, ResolvedModel } from "../../deployments/model-ref.ts";
import type { DeployedModel } from "../../deployments/payload.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { Timeline } from "./timeline.ts";

export interface DeployPlan {
  model: ModelRef;
  modelName: string;
  environment: string;
  rollback: boolean;
  promoteAlias: string;
  health?: { url: string; timeoutMs: number; oip: boolean } | undefined;
  smoke?: SmokeRequest[] | undefined;
  load?: LoadSpec | undefined;
}

export interface DeployContext {
  api: DeploymentsApi;
  resolver: ModelResolver;
  target: DeployTarget;
  run: RunIdentity;
  /** The workflow's ref (GITHUB_REF), which the Deployment is made from. */
  ref: string;
  /** The run's log URL, linked from the in_progress status. */
  logUrl?: string | undefined;
  /** Where model files are pulled for targets that need them. */
  workDir: string;
  timeline: Timeline;
  log: (line: string) => void;
}

export interface DeployOutcome {
  ok: boolean;
  deploymentId: number;
  environmentUrl: string;
  version: string;
  digest: string;
  rolledBack: boolean;
  previousVersion: string;
  failureReason: string;
}

export async function deploy(plan: DeployPlan, context: DeployContext): Promise<DeployOutcome> {
  const { api, resolver, timeline } = context;
  const model = await timeline.step(
    "resolve",
    () => resolver.resolve(plan.model),
    (m) => `${plan.modelName} ${m.version} ${m.digest}`,
  );
  const current = await currentDeployment(api, plan.environment, plan.modelName);
  const seen = current?.payload ?? (await aliasTarget(resolver, plan));
  const deployment = await openDeployment(api, {
    environment: plan.environment,
    modelName: plan.modelName,
    ref: context.ref,
    run: context.run,
    payload: { model: plan.modelName, ...pick(model), previous: seen ? pick(seen) : null },
  });
  // A re-run keeps what its first attempt saw as previous: by then its own deployment may be the current one.
  const previous = deployment.reused ? deployment.payload.previous : seen;
  const previousDeployment =
    current?.id === deployment.id
      ? await currentDeployment(api, plan.environment, plan.modelName, { excludeId: deployment.id })
      : current;
  context.log(
    `Deployment ${deployment.id}${deployment.reused ? " (reused from an earlier attempt)" : ""}; previous: ${previous ? previous.version : "none"}.`,
  );

  const environmentUrl = plan.health ? new URL(plan.health.url).origin : "";
  const base = {
    deploymentId: deployment.id,
    environmentUrl,
    version: model.version,
    digest: model.digest,
    previousVersion: previous?.version ?? "",
  };

  return withDeployment(deployment, async () => {
    await deployment.inProgress(context.logUrl, `Deploying ${plan.modelName} ${model.version}`);
    try {
      await checkedRollout(plan, context, deployment, model);
    } catch (error) {
      const reason = firstLine(error);
      if (error instanceof TargetCancelled)
        return {
          ...base,
          ok: false,
          ...(await cancelled(plan, context, deployment, previous ?? undefined, reason)),
        };
      return {
        ...base,
        ok: false,
        ...(await recover(plan, context, deployment, previous ? pick(previous) : undefined, reason)),
      };
    }
    await deployment.succeed(environmentUrl || undefined, context.logUrl);
    await resolver.moveAlias(plan.modelName, plan.promoteAlias, model.digest);
    if (previousDeployment) {
      await markInactive(
        api,
        previousDeployment.id,
        `Replaced by ${model.version} (deployment ${deployment.id})`,
      );
    }
    return { ...base, ok: true, rolledBack: false, failureReason: "" };
  });
}

/** Target, then health, smoke and load, each a step of the timeline; throws the first failure. */
async function checkedRollout(
  plan: DeployPlan,
  context: DeployContext,
  deployment: Deployment,
  model: ResolvedModel,
): Promise<void> {
  const { timeline } = context;
  await timeline.step(
    "target",
    () => deliver(plan, context, deployment, model, false),
    (o) => o.detail,
  );
  const health = plan.health;
  if (!health) {
    for (const step of ["health", "smoke", "load"] as const) timeline.skip(step, "no health-url");
    return;
  }
  const origin = new URL(health.url).origin;
  await timeline.step(
    "health",
    () => waitHealthy(healthOptions(plan, health, model)),
    (r) => `${r.detail} after ${r.polls} poll(s)`,
  );
  const smoke = plan.smoke;
  if (smoke)
    await timeline.step(
      "smoke",
      () => runSmokeTests(origin, smoke),
      (r) => r.detail,
    );
  else timeline.skip("smoke", "no smoke-test");
  const load = plan.load;
  if (load && smoke?.[0])
    await timeline.step(
      "load",
      () => runLoadTest(origin, smoke[0] as SmokeRequest, load),
      (r) => r.detail,
    );
  else timeline.skip("load", "no load-test");
}

/** Pull when the target needs files, then hand the model to the target. */
async function deliver(
  plan: DeployPlan,
  context: DeployContext,
  deployment: Deployment,
  model: DeployedModel,
  rollback: boolean,
): Promise<TargetOutcome> {
  const dir = join(context.workDir, model.digest.replace(":", "-"));
  if (context.target.needsFiles) await context.resolver.pull(plan.modelName, model.digest, dir);
  return context.target.deploy({
    model: { name: plan.modelName, ...pick(model), dir },
    environment: plan.environment,
    deploymentId: deployment.id,
    rollback,
  });
}

function healthOptions(
  plan: DeployPlan,
  health: NonNullable<DeployPlan["health"]>,
  model: DeployedModel,
): HealthOptions {
  return {
    url: health.url,
    timeoutMs: health.timeoutMs,
    ...(health.oip ? { oip: { model: plan.modelName, version: model.version } } : {}),
  };
}

/** The rollback: the previous version through the same target, then its health. */
async function rollBack(
  plan: DeployPlan,
  context: DeployContext,
  deployment: Deployment,
  previous: DeployedModel,
): Promise<void> {
  const outcome = await deliver(plan, context, deployment, previous, true);
  context.log(`Rollback target: ${outcome.detail}.`);
  if (plan.health) await waitHealthy(healthOptions(plan, plan.health, previous));
}

/**
 * A cancelled job: the runner sends SIGTERM 7.5 s after SIGINT and then kills the process tree, so no
 * rollback is started (it could be cut off half way). The deployment ends `error` saying how to roll back.
 */
/** How a failed deploy ends: the status it leaves and what the step reports. */
type FailureEnding = (
  plan: DeployPlan,
  context: DeployContext,
  deployment: Deployment,
  previous: DeployedModel | undefined,
  reason: string,
) => Promise<Pick<DeployOutcome, "rolledBack" | "failureReason">>;

const cancelled: FailureEnding = async (plan, context, deployment, previous, reason) => {
  const byHand = previous
    ? `not rolled back: run deploy with model: ${plan.modelName}@${previous.version} to put it back`
    : "not rolled back (nothing ran before)";
  context.timeline.skip("rollback", "the job was cancelled");
  await deployment.error(statusText(reason, byHand), context.logUrl);
  return { rolledBack: false, failureReason: `${reason} ${byHand[0]?.toUpperCase()}${byHand.slice(1)}.` };
};

const recover: FailureEnding = async (plan, context, deployment, previous, reason) => {
  if (!plan.rollback) {
    context.timeline.skip("rollback", "rollback: false");
    await deployment.fail(statusText(reason, "not rolled back (rollback: false)"), context.logUrl);
    return { rolledBack: false, failureReason: reason };
  }
  if (!previous) {
    context.timeline.skip("rollback", "nothing ran before");
    await deployment.fail(statusText(reason, "nothing to roll back to"), context.logUrl);
    return {
      rolledBack: false,
      failureReason: `${reason} (nothing to roll back to: no earlier successful deployment of ${plan.modelName} to ${plan.environment})`,
    };
  }
  try {
    await context.timeline.step(
      "rollback",
      () => rollBack(plan, context, deployment, previous),
      () => `back to ${previous.version} ${previous.digest}`,
    );
  } catch (rollbackError) {
    const both = `${reason}; rollback to ${previous.version} failed too: ${firstLine(rollbackError)}`;
    await deployment.error(both, context.logUrl);
    return { rolledBack: false, failureReason: both };
  }
  await deployment.fail(statusText(reason, `rolled back to ${previous.version}`), context.logUrl);
  return { rolledBack: true, failureReason: `${reason} (rolled back to ${previous.version})` };
};

async function aliasTarget(resolver: ModelResolver, plan: DeployPlan): Promise<DeployedModel | undefined> {
  try {
    return pick(await resolver.resolve({ name: plan.modelName, kind: "alias", alias: plan.promoteAlias }));
  } catch (error) {
    if (error instanceof ConfigurationError) return undefined; // the alias does not exist yet
    throw error;
  }
}

function pick(model: DeployedModel): DeployedModel {
  return { version: model.version, digest: model.digest, uri: model.uri };
}

/** "<reason>; <outcome>" within GitHub's status limit: the reason is cut, never the outcome. */
function statusText(reason: string, outcome: string): string {
  return `${cut(reason, STATUS_DESCRIPTION_LIMIT - outcome.length - 2)}; ${outcome}`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
