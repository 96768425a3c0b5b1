// The one answer to "what runs in this environment for this model": the newest deployment with
// `task: deploy:<model>` in the environment whose latest status is `success`. deploy (previous),
// monitor, the release path and evaluate-gate's auto baseline all ask this.
import { deployTask, readPayload, type DeploymentPayload } from "./payload.ts";
import type { DeploymentsReader } from "./github.ts";

export interface CurrentDeployment {
  id: number;
  createdAt: string;
  payload: DeploymentPayload;
}

export interface CurrentDeploymentOptions {
  /** Stop after looking at this many deployments (each costs one status request). */
  scanLimit?: number;
  /** Skip this deployment (deploy's own, on a re-run). */
  excludeId?: number;
}

export async function currentDeployment(
  api: DeploymentsReader,
  environment: string,
  modelName: string,
  options: CurrentDeploymentOptions = {},
): Promise<CurrentDeployment | undefined> {
  const limit = options.scanLimit ?? 100;
  let seen = 0;
  for await (const deployment of api.list({ environment, task: deployTask(modelName) })) {
    if (++seen > limit) break;
    if (deployment.id === options.excludeId) continue;
    const payload = readPayload(deployment.payload);
    if (!payload || payload.model !== modelName) continue;
    const status = await api.latestStatus(deployment.id);
    if (status?.state === "success") return { id: deployment.id, createdAt: deployment.createdAt, payload };
  }
  return undefined;
}
