// One GitHub Deployment from creation to its final status. `withDeployment` is the guarantee that a
// deployment never stays `in_progress`: whatever the body throws, the deployment ends `error` (or the
// terminal state the body already set) before the error goes on.
import type { DeploymentsApi, DeploymentState } from "./github.ts";
import { deployTask, readPayload, type DeploymentPayload } from "./payload.ts";

export interface RunIdentity {
  /** GITHUB_RUN_ID */
  id: string;
  /** GITHUB_RUN_ATTEMPT */
  attempt: number;
}

export interface OpenDeploymentRequest {
  environment: string;
  modelName: string;
  ref: string;
  run: RunIdentity;
  /** The payload to record when a new deployment is made (without `run`, added here). */
  payload: Omit<DeploymentPayload, "run">;
}

const TERMINAL: ReadonlySet<DeploymentState> = new Set(["success", "failure", "error", "inactive"]);

export class Deployment {
  readonly id: number;
  readonly payload: DeploymentPayload;
  /** True when an earlier attempt of the same run made it. */
  readonly reused: boolean;
  private readonly api: DeploymentsApi;
  private state: DeploymentState | undefined;

  constructor(api: DeploymentsApi, id: number, payload: DeploymentPayload, reused: boolean) {
    this.api = api;
    this.id = id;
    this.payload = payload;
    this.reused = reused;
  }

  /** The last state this run set, if any. */
  get lastState(): DeploymentState | undefined {
    return this.state;
  }

  get finished(): boolean {
    return this.state !== undefined && TERMINAL.has(this.state);
  }

  async inProgress(logUrl: string | undefined, description = "Deploying"): Promise<void> {
    await this.set("in_progress", description, { logUrl });
  }

  async succeed(environmentUrl: string | undefined, logUrl?: string): Promise<void> {
    await this.set("success", `Deployed ${this.payload.model} ${this.payload.version}`, {
      environmentUrl,
      logUrl,
    });
  }

  async fail(reason: string, logUrl?: string): Promise<void> {
    await this.set("failure", reason, { logUrl });
  }

  async error(reason: string, logUrl?: string): Promise<void> {
    await this.set("error", reason, { logUrl });
  }

  private async set(
    state: DeploymentState,
    description: string,
    urls: { logUrl?: string | undefined; environmentUrl?: string | undefined },
  ): Promise<void> {
    await this.api.setStatus(this.id, {
      state,
      description,
      ...(urls.logUrl ? { logUrl: urls.logUrl } : {}),
      ...(urls.environmentUrl ? { environmentUrl: urls.environmentUrl } : {}),
    });
    this.state = state;
  }
}

/**
 * The deployment of this run for this model and environment: the one an earlier attempt of the same run
 * made (a re-run), or a new one with `auto_merge: false`, `required_contexts: []`.
 */
export async function openDeployment(
  api: DeploymentsApi,
  request: OpenDeploymentRequest,
): Promise<Deployment> {
  const task = deployTask(request.modelName);
  for await (const existing of api.list({ environment: request.environment, task })) {
    const payload = readPayload(existing.payload);
    if (payload?.run?.id === request.run.id && payload.model === request.modelName) {
      return new Deployment(api, existing.id, payload, true);
    }
  }
  const payload: DeploymentPayload = { ...request.payload, run: request.run };
  const created = await api.create({
    ref: request.ref,
    task,
    environment: request.environment,
    description: `${request.modelName} ${request.payload.version} (${request.payload.digest.slice(0, 19)})`,
    payload: payload,
  });
  return new Deployment(api, created.id, payload, false);
}

/**
 * Runs `body` with the deployment; if it throws while the deployment is not in a terminal state, the
 * deployment ends `error` with the reason, then the error is thrown on. A failure to set that status is
 * attached to the error (`cause` stays the body's), never hiding it.
 */
export async function withDeployment<T>(
  deployment: Deployment,
  body: (deployment: Deployment) => Promise<T>,
  describe: (error: unknown) => string = (error) => (error instanceof Error ? error.message : String(error)),
): Promise<T> {
  try {
    return await body(deployment);
  } catch (error) {
    if (!deployment.finished) {
      try {
        await deployment.error(describe(error));
      } catch (statusError) {
        if (error instanceof Error) {
          error.message += ` (and the deployment's status could not be set to error: ${String(statusError)})`;
        }
      }
    }
    throw error;
  }
}

/** Marks a deployment `inactive` (GitHub never does so in production environments). */
export async function markInactive(
  api: DeploymentsApi,
  deploymentId: number,
  description: string,
): Promise<void> {
  await api.setStatus(deploymentId, { state: "inactive", description });
}
