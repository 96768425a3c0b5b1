// The few GitHub Deployments calls deploy needs, behind a small interface so the lifecycle and the
// resolver do not depend on Octokit. `octokitDeployments` adapts the client from src/lib/octokit.ts.
import type { GitHubClient } from "../lib/octokit.ts";

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

export interface RepositoryName {
  owner: string;
  repo: string;
}

/** GitHub caps deployment status descriptions at 140 characters (422 above). */
export const STATUS_DESCRIPTION_LIMIT = 140;

export function octokitDeployments(client: GitHubClient, repository: RepositoryName): DeploymentsApi {
  const toInfo = (d: {
    id: number;
    task: string;
    environment: string;
    created_at: string;
    payload: unknown;
  }): DeploymentInfo => ({
    id: d.id,
    task: d.task,
    environment: d.environment,
    createdAt: d.created_at,
    payload: d.payload,
  });
  return {
    async *list({ environment, task }) {
      const pages = client.paginate.iterator(client.rest.repos.listDeployments, {
        ...repository,
        environment,
        task,
        per_page: 30,
      });
      for await (const page of pages) {
        // GitHub lists newest first; sorting the page keeps that true whatever the server does.
        const sorted = [...page.data].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
        for (const d of sorted) if (d.task === task && d.environment === environment) yield toInfo(d);
      }
    },
    async create(deployment) {
      const response = await client.rest.repos.createDeployment({
        ...repository,
        ref: deployment.ref,
        task: deployment.task,
        environment: deployment.environment,
        description: deployment.description,
        payload: deployment.payload as { [key: string]: unknown },
        auto_merge: false,
        required_contexts: [],
        production_environment: undefined,
      });
      if (response.status !== 201 || !("id" in response.data)) {
        throw new Error(`GitHub did not create the deployment (HTTP ${response.status}).`);
      }
      return toInfo(response.data);
    },
    async latestStatus(deploymentId) {
      const { data } = await client.rest.repos.listDeploymentStatuses({
        ...repository,
        deployment_id: deploymentId,
        per_page: 1,
      });
      const latest = data[0];
      return latest ? { state: latest.state, description: latest.description ?? "" } : undefined;
    },
    async setStatus(deploymentId, status) {
      await client.rest.repos.createDeploymentStatus({
        ...repository,
        deployment_id: deploymentId,
        state: status.state,
        description: cut(status.description ?? "", STATUS_DESCRIPTION_LIMIT),
        ...(status.logUrl ? { log_url: status.logUrl } : {}),
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        // Never let GitHub inactivate other deployments on success: another model may share the
        // environment. deploy inactivates this model's previous deployment itself.
        auto_inactive: false,
      });
    },
  };
}

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
