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

/**
 * Uploads files as an artifact of run `runId` with the real @actions/artifact, as a step of that run would
 * (to seed what another job of the run uploaded, or to replace it as a hostile step could).
 */
export async function uploadArtifactAs(
  services: ArtifactServices,
  runId: number,
  name: string,
  files: string[],
  root: string,
): Promise<number> {
  const saved = { ...process.env };
  Object.assign(process.env, services.results.envFor({ workflowRunId: runId }), {
    GITHUB_SERVER_URL: "https://github.com",
  });
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true; // @actions/core's log lines, meant for a runner
  try {
    const { DefaultArtifactClient } = await import("@actions/artifact");
    const { id } = await new DefaultArtifactClient().uploadArtifact(name, files, root);
    if (id === undefined) throw new Error(`the results service returned no id for ${name}`);
    return id;
  } finally {
    process.stdout.write = write;
    for (const key of Object.keys(process.env)) if (!(key in saved)) Reflect.deleteProperty(process.env, key);
    Object.assign(process.env, saved);
  }
}
