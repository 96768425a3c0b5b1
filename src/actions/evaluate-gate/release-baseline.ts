// `baseline: registry:<model>@<alias|version|sha256:…>` with `registry: github-release`: the run record
// asset of that version's release in this repository, downloaded through the 302 and verified against
// GitHub's digest. A refused token is an error naming `contents: read`; a missing version is "no
// baseline" with its reason (auto then falls back to artifacts).
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError } from "../../formats/errors.ts";
import { isPermissionDenied } from "../../formats/github-errors.ts";
import { ReleaseVersions } from "../../registry/github-release/release-versions.ts";
import type { GitHubClient } from "../../lib/octokit.ts";
import type { ResolvedBaseline } from "./baseline.ts";

export interface ReleaseBaselineContext {
  repository: { owner: string; repo: string };
  runnerTemp: string;
  serverUrl: string;
  token: string;
  github: () => Promise<GitHubClient>;
}

/** The version's run record as the baseline, or undefined when no published release names it. */
export async function releaseBaseline(
  model: string,
  reference: string,
  context: ReleaseBaselineContext,
): Promise<ResolvedBaseline | undefined> {
  const spec = `registry:${model}@${reference}`;
  const { owner, repo } = context.repository;
  try {
    const versions = new ReleaseVersions(await context.github(), { owner, repo });
    const resolved = await versions.resolve(model, reference);
    if (!resolved) return undefined;
    const dir = await mkdtemp(join(context.runnerTemp, "mlops-baseline-"));
    const { record } = await versions.readRecord(resolved, dir);
    const label = `release ${resolved.release.tag_name} of ${owner}/${repo}`;
    return {
      input: {
        available: true,
        description: `${label} (${resolved.via}, commit ${record.code.sha.slice(0, 7)}, run ${record.run.id})`,
        metrics: record.metrics,
        record,
      },
      source: {
        spec,
        available: true,
        file: `${context.serverUrl.replace(/\/+$/, "")}/${owner}/${repo}/releases/tag/${resolved.release.tag_name}`,
        sha: record.code.sha,
      },
    };
  } catch (error) {
    if (isPermissionDenied(error)) {
      throw new ConfigurationError(
        `Reading the baseline ${spec} from the releases of ${owner}/${repo} was refused (403). The gate's job needs 'permissions: contents: read'.`,
      );
    }
    throw error;
  }
}
