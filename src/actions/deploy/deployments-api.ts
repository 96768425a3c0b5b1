// The GitHub Deployments calls of src/deployments, over the Octokit client (plumbing stays out of the
// domain folder): the reads every action shares (src/deployments/rest-reads.ts) and deploy's writes.
import type { GitHubClient } from "../../lib/octokit.ts";
import {
  cut,
  STATUS_DESCRIPTION_LIMIT,
  type DeploymentsApi,
  type RepositoryName,
} from "../../deployments/github.ts";
import { restDeploymentReads, toDeploymentInfo } from "../../deployments/rest-reads.ts";

export function octokitDeployments(client: GitHubClient, repository: RepositoryName): DeploymentsApi {
  return {
    ...restDeploymentReads(client.rest.repos, repository),
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
      return toDeploymentInfo(response.data);
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
