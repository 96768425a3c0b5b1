// Uploads a file as an artifact of a workflow run with the real @actions/artifact, in this process, as a
// step of that run would: for tests that need an artifact a run made (a fork's tampered gate record, say).
import type { ArtifactServices } from "./services.ts";

export async function uploadArtifactAs(
  services: ArtifactServices,
  runId: number,
  name: string,
  file: string,
  root: string,
): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, services.results.envFor({ workflowRunId: runId }), {
    GITHUB_SERVER_URL: "https://github.com",
  });
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true; // @actions/core's log lines, meant for a runner
  try {
    const { DefaultArtifactClient } = await import("@actions/artifact");
    await new DefaultArtifactClient().uploadArtifact(name, [file], root);
  } finally {
    process.stdout.write = write;
    for (const key of Object.keys(process.env)) if (!(key in saved)) Reflect.deleteProperty(process.env, key);
    Object.assign(process.env, saved);
  }
}
