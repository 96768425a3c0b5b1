// The local stand-ins for GitHub's services that a test needs, started together and stopped together.
import { startAzurite, type Azurite } from "../services/azurite.ts";
import { startResultsService, type ResultsService } from "../services/results/results-service.ts";

export interface ArtifactServices {
  azurite: Azurite;
  results: ResultsService;
  /** ACTIONS_* variables for a step of the given run (GITHUB_* ones go through the rig's `github` option). */
  actionsEnv(runId: number): Record<string, string>;
  close(): Promise<void>;
}

export async function startArtifactServices(): Promise<ArtifactServices> {
  const azurite = await startAzurite();
  const results = await startResultsService({ azurite });
  return {
    azurite,
    results,
    actionsEnv(runId) {
      const env = results.envFor({ workflowRunId: runId });
      return Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith("ACTIONS_")));
    },
    async close() {
      await results.close();
      await azurite.close();
    },
  };
}
