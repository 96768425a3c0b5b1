// The GitHub Deployments calls of src/deployments, over the Octokit client (plumbing stays out of the
// domain folder).
import type { GitHubClient } from "../../lib/octokit.ts";
import {
  cut,
  STATUS_DESCRIPTION_LIMIT,
  type DeploymentInfo,
  type DeploymentsApi,
  type RepositoryName,
} from "../../deployments/github.ts";

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
