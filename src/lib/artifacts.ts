// Run artifacts through the real @actions/artifact, loaded only on the paths that upload or download:
// it is by far the heaviest client, and most steps never touch it.
import { ConfigurationError } from "../formats/errors.ts";

/** @actions/artifact v2+ speaks only to github.com's (and GHE.com's) artifact backend. */
export function assertArtifactsSupported(feature: string, fix: string): void {
  const server = process.env.GITHUB_SERVER_URL ?? "https://github.com";
  const host = new URL(server).hostname;
  if (host !== "github.com" && !host.endsWith(".ghe.com")) {
    throw new ConfigurationError(
      `${feature} needs GitHub's artifact service, which GitHub Enterprise Server (${server}) does not offer to @actions/artifact v2 and later. ${fix}`,
    );
  }
}

/**
 * Why `feature` cannot reach the artifact service in this job, or undefined. The runner hands actions
 * ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL; a self-hosted runner or container set up by hand (or a
 * local runner such as act) may not.
 */
export function artifactServiceProblem(feature: string): string | undefined {
  const missing = ["ACTIONS_RUNTIME_TOKEN", "ACTIONS_RESULTS_URL"].filter((name) => !process.env[name]);
  if (missing.length === 0) return undefined;
  return `${feature} needs GitHub's artifact service, but ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set in this job: uploading needs a GitHub-hosted runner, or a self-hosted one that passes the runner's ACTIONS_* variables to the step (a container or local runner set up by hand may not).`;
}

export interface UploadedArtifact {
  id: number;
  size: number;
  digest: string | undefined;
}

export async function uploadArtifact(
  name: string,
  files: string[],
  rootDirectory: string,
  options: { retentionDays?: number; compressionLevel?: number },
): Promise<UploadedArtifact> {
  // Checked before loading @actions/artifact (about 1.2 MB of code): without these variables the upload
  // fails anyway, and loading the client first would cost more than the rest of a step such as the gate's.
  const problem = artifactServiceProblem(`Uploading the artifact ${name}`);
  if (problem !== undefined) throw new ConfigurationError(problem);
  const { DefaultArtifactClient } = await import("@actions/artifact");
  const client = new DefaultArtifactClient();
  if (Number(process.env.GITHUB_RUN_ATTEMPT ?? "1") > 1) {
    // A re-run shares its run's artifact names with the earlier attempt: replace ours, as upload-artifact's
    // overwrite does, instead of failing on the name.
    await client.deleteArtifact(name).catch(() => undefined);
  }
  const result = await client.uploadArtifact(name, files, rootDirectory, {
    ...(options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }),
    ...(options.compressionLevel === undefined ? {} : { compressionLevel: options.compressionLevel }),
  });
  if (result.id === undefined) throw new Error(`The artifact service returned no id for '${name}'.`);
  return { id: result.id, size: result.size ?? 0, digest: result.digest };
}
