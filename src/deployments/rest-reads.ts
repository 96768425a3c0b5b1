// The read half of DeploymentsApi (list, latest status) over GitHub's REST calls, shared by every action
// that asks "what runs in this environment" (deploy, evaluate-gate's auto baseline). It takes the slice
// of the REST client it calls, so this folder stays free of Octokit (src/lib/octokit.ts's client fits).
import type { DeploymentInfo, DeploymentsReader, DeploymentState, RepositoryName } from "./github.ts";

interface RestDeployment {
  id: number;
  task: string;
  environment: string;
  created_at: string;
  payload: unknown;
}

/** The REST methods the reads use, as Octokit's `client.rest.repos` has them. */
export interface DeploymentsRestReads {
  listDeployments(params: {
    owner: string;
    repo: string;
    environment: string;
    task: string;
    per_page: number;
    page: number;
  }): Promise<{ data: RestDeployment[] }>;
  listDeploymentStatuses(params: {
    owner: string;
    repo: string;
    deployment_id: number;
    per_page: number;
  }): Promise<{ data: { state: DeploymentState; description?: string | null }[] }>;
}

const PAGE_SIZE = 30;

export function toDeploymentInfo(d: RestDeployment): DeploymentInfo {
  return { id: d.id, task: d.task, environment: d.environment, createdAt: d.created_at, payload: d.payload };
}

export function restDeploymentReads(
  repos: DeploymentsRestReads,
  repository: RepositoryName,
): DeploymentsReader {
  return {
    async *list({ environment, task }) {
      for (let page = 1; ; page++) {
        const { data } = await repos.listDeployments({
          ...repository,
          environment,
          task,
          per_page: PAGE_SIZE,
          page,
        });
        // GitHub lists newest first; sorting the page keeps that true whatever the server does.
        const sorted = [...data].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
        for (const d of sorted)
          if (d.task === task && d.environment === environment) yield toDeploymentInfo(d);
        if (data.length < PAGE_SIZE) return;
      }
    },
    async latestStatus(deploymentId) {
      const { data } = await repos.listDeploymentStatuses({
        ...repository,
        deployment_id: deploymentId,
        per_page: 1,
      });
      const latest = data[0];
      return latest ? { state: latest.state, description: latest.description ?? "" } : undefined;
    },
  };
}
