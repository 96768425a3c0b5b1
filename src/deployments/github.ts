// The few GitHub Deployments calls deploy needs, behind a small interface so the lifecycle and the
// resolver do not depend on Octokit. rest-reads.ts reads over a slice of the REST client;
// src/actions/deploy/deployments-api.ts adds deploy's writes over the real client.

/** GitHub's deployment status states (REST "create a deployment status"). */
export type DeploymentState =
  "error" | "failure" | "inactive" | "in_progress" | "queued" | "pending" | "success";

export interface DeploymentInfo {
  id: number;
  task: string;
  environment: string;
  createdAt: string;
  payload: unknown;
}

export interface StatusInfo {
  state: DeploymentState;
  description: string;
}

export interface NewDeployment {
  /** Branch, tag or SHA the deployment is made from (the workflow's ref). */
  ref: string;
  task: string;
  environment: string;
  description: string;
  payload: Record<string, unknown>;
}

export interface NewStatus {
  state: DeploymentState;
  description?: string;
  logUrl?: string;
  environmentUrl?: string;
}

export interface DeploymentsApi {
  /** Deployments of `environment` with exactly `task`, newest first (lazily paged). */
  list(filter: { environment: string; task: string }): AsyncIterable<DeploymentInfo>;
  create(deployment: NewDeployment): Promise<DeploymentInfo>;
  /** The newest status, or undefined when it has none. */
  latestStatus(deploymentId: number): Promise<StatusInfo | undefined>;
  setStatus(deploymentId: number, status: NewStatus): Promise<void>;
}

/** What readers of deployments need (currentDeployment): no writes. */
export type DeploymentsReader = Pick<DeploymentsApi, "list" | "latestStatus">;

export interface RepositoryName {
  owner: string;
  repo: string;
}

/** GitHub caps deployment status descriptions at 140 characters (422 above). */
export const STATUS_DESCRIPTION_LIMIT = 140;

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
