// One version sequence per model, shared by every backend: a version is claimed by creating the git ref
// refs/tags/mlops/<model>/<version> through the GitHub API. Creating a ref is GitHub's only
// compare-and-swap that a workflow token can use (OCI tags and release names have none): of two
// concurrent publishes exactly one gets 201, the other 422 and tries the next number.
//
// The ref points at an annotated tag object whose message carries the claim (model digest, run id and
// attempt), so a re-run of a publish that died after its claim finds the claim and completes it, and
// publishing a model digest that already has a version returns that version instead of a new one.
import { ConfigurationError } from "../formats/errors.ts";
import { httpStatus, needsPermission } from "../formats/github-errors.ts";
import { AUTO_VERSION } from "./version-names.ts";

const CLAIM_SCHEMA = "mlops-actions/version-claim";
export const CLAIM_REF_PREFIX = "refs/tags/mlops/";

/** The slice of Octokit (GitHubClient) claims need; tests pass a real client against the GitHub double. */
export interface ClaimsGitHub {
  rest: {
    git: {
      listMatchingRefs(params: {
        owner: string;
        repo: string;
        ref: string;
      }): Promise<{ data: { ref: string; object: { sha: string; type: string } }[] }>;
      getRef(params: {
        owner: string;
        repo: string;
        ref: string;
      }): Promise<{ data: { ref: string; object: { sha: string; type: string } } }>;
      createTag(params: {
        owner: string;
        repo: string;
        tag: string;
        message: string;
        object: string;
        type: "commit";
      }): Promise<{ data: { sha: string } }>;
      getTag(params: {
        owner: string;
        repo: string;
        tag_sha: string;
      }): Promise<{ data: { message: string } }>;
      createRef(params: { owner: string; repo: string; ref: string; sha: string }): Promise<unknown>;
    };
  };
}

export interface Claim {
  model: string;
  version: string;
  modelDigest: string;
  /** owner/name of the repository whose workflow run claimed it. */
  repository: string;
  runId: string;
  runAttempt: number;
}

export interface ClaimRequest {
  owner: string;
  repo: string;
  model: string;
  modelDigest: string;
  runId: string;
  runAttempt: number;
  /** The commit the tag object points at (GITHUB_SHA of the publishing run: it always exists). */
  commitSha: string;
  /** An explicit version, or undefined for the next `v<n>`. */
  version?: string;
}

export interface ClaimResult {
  version: string;
  ref: string;
  /**
   * `new`: this call created the claim. `existing`: a claim for the same model digest was there already
   * (a re-run, or a re-publish of the same model): complete it, do not take another number.
   */
  state: "new" | "existing";
  claim: Claim;
}

export function claimRef(model: string, version: string): string {
  return `${CLAIM_REF_PREFIX}${model}/${version}`;
}

export function claimMessage(claim: Claim): string {
  const body = { schema: CLAIM_SCHEMA, ...claim };
  return `mlops-actions: ${claim.model} ${claim.version} (run ${claim.runId}, attempt ${claim.runAttempt})\n\n${JSON.stringify(body)}\n`;
}

/**
 * The JSON document of a tag object message written by this toolkit (its last line starting with `{`)
 * when its `schema` is `schema`; undefined for anything else (a tag made by hand).
 */
export function tagMessageDocument(message: string, schema: string): Record<string, unknown> | undefined {
  const line = message
    .split("\n")
    .map((l) => l.trim())
    .findLast((l) => l.startsWith("{"));
  if (line === undefined) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    const document = value as Record<string, unknown>;
    return document.schema === schema ? document : undefined;
  } catch {
    return undefined;
  }
}

/** The claim in a tag object's message, or undefined for a tag that is not one (made by hand). */
export function parseClaimMessage(message: string): Claim | undefined {
  const value = tagMessageDocument(message, CLAIM_SCHEMA);
  if (
    typeof value?.model !== "string" ||
    typeof value.version !== "string" ||
    typeof value.modelDigest !== "string" ||
    typeof value.repository !== "string" ||
    typeof value.runId !== "string" ||
    typeof value.runAttempt !== "number"
  ) {
    return undefined;
  }
  return {
    model: value.model,
    version: value.version,
    modelDigest: value.modelDigest,
    repository: value.repository,
    runId: value.runId,
    runAttempt: value.runAttempt,
  };
}

const READ_CONCURRENCY = 8;
const MAX_ATTEMPTS = 50;

export class VersionClaims {
  private readonly github: ClaimsGitHub;
  constructor(github: ClaimsGitHub) {
    this.github = github;
  }

  /** Every claim of a model: version → claim (undefined for refs that are not claims), newest number first. */
  async list(
    owner: string,
    repo: string,
    model: string,
  ): Promise<{ version: string; claim: Claim | undefined }[]> {
    const refs = await needsPermission("contents: read", `list the version claims of '${model}'`, () =>
      this.github.rest.git.listMatchingRefs({ owner, repo, ref: `tags/mlops/${model}/` }),
    );
    const entries = refs.data
      .map((ref) => ({ version: ref.ref.slice(claimRef(model, "").length), object: ref.object }))
      .filter((e) => e.version !== "" && !e.version.includes("/"))
      .sort((a, b) => autoNumber(b.version) - autoNumber(a.version) || (a.version < b.version ? 1 : -1));
    const claims: { version: string; claim: Claim | undefined }[] = [];
    for (let start = 0; start < entries.length; start += READ_CONCURRENCY) {
      const batch = entries.slice(start, start + READ_CONCURRENCY);
      claims.push(
        ...(await Promise.all(
          batch.map(async (e) => ({
            version: e.version,
            claim: e.object.type === "tag" ? await this.read(owner, repo, e.object.sha) : undefined,
          })),
        )),
      );
    }
    return claims;
  }

  /** Claims the requested version, or the next `v<n>`; returns an existing claim for the same model digest. */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const known = await this.list(request.owner, request.repo, request.model);
    const same = known.find(
      (k) => k.claim?.modelDigest === request.modelDigest && k.claim.model === request.model,
    );
    if (same?.claim) {
      if (request.version !== undefined && same.version !== request.version) {
        throw new ConfigurationError(
          `Model digest ${request.modelDigest} of '${request.model}' is already version ${same.version} (${claimRef(request.model, same.version)}); a model gets one version. Use 'aliases' to give it another name, or set 'version' to ${same.version} or 'auto'.`,
        );
      }
      return {
        version: same.version,
        ref: claimRef(request.model, same.version),
        state: "existing",
        claim: same.claim,
      };
    }

    if (request.version !== undefined) {
      const taken = known.find((k) => k.version === request.version);
      if (taken) throw takenError(request, taken.claim);
      return this.tryClaim(request, request.version).then((result) => {
        if (result.state === "taken") throw takenError(request, result.claim);
        return result.result;
      });
    }
    let next = Math.max(0, ...known.map((k) => autoNumber(k.version))) + 1;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++, next++) {
      const outcome = await this.tryClaim(request, `v${next}`);
      if (outcome.state !== "taken") return outcome.result;
    }
    throw new Error(
      `Gave up claiming a version of '${request.model}' after ${MAX_ATTEMPTS} numbers were taken.`,
    );
  }

  private async tryClaim(
    request: ClaimRequest,
    version: string,
  ): Promise<{ state: "claimed"; result: ClaimResult } | { state: "taken"; claim: Claim | undefined }> {
    const { owner, repo } = request;
    const claim: Claim = {
      model: request.model,
      version,
      modelDigest: request.modelDigest,
      repository: `${owner}/${repo}`,
      runId: request.runId,
      runAttempt: request.runAttempt,
    };
    const ref = claimRef(request.model, version);
    const why = `claim version ${version} of '${request.model}' by creating the git ref ${ref}`;
    const tag = await needsPermission("contents: write", why, () =>
      this.github.rest.git.createTag({
        owner,
        repo,
        tag: ref.slice("refs/tags/".length),
        message: claimMessage(claim),
        object: request.commitSha,
        type: "commit",
      }),
    );
    try {
      await needsPermission("contents: write", why, () =>
        this.github.rest.git.createRef({ owner, repo, ref, sha: tag.data.sha }),
      );
      return { state: "claimed", result: { version, ref, state: "new", claim } };
    } catch (error) {
      if (httpStatus(error) !== 422) throw error;
    }
    // Taken (a concurrent publish won the race): whose is it? Ours if it claims the same model digest.
    const existing = await this.github.rest.git.getRef({ owner, repo, ref: ref.slice("refs/".length) });
    const other =
      existing.data.object.type === "tag"
        ? await this.read(owner, repo, existing.data.object.sha)
        : undefined;
    if (other?.modelDigest === request.modelDigest && other.model === request.model) {
      return { state: "claimed", result: { version, ref, state: "existing", claim: other } };
    }
    return { state: "taken", claim: other };
  }

  private async read(owner: string, repo: string, sha: string): Promise<Claim | undefined> {
    const tag = await this.github.rest.git.getTag({ owner, repo, tag_sha: sha });
    return parseClaimMessage(tag.data.message);
  }
}

/** n for `v<n>`, 0 for anything else. */
function autoNumber(version: string): number {
  const match = AUTO_VERSION.exec(version);
  return match ? Number(match[1]) : 0;
}

function takenError(request: ClaimRequest, claim: Claim | undefined): ConfigurationError {
  const by = claim
    ? `by run ${claim.runId} (attempt ${claim.runAttempt}) of ${claim.repository} for model digest ${claim.modelDigest}`
    : "by a tag that is not a publish-model claim";
  return new ConfigurationError(
    `Version ${request.version} of '${request.model}' is already taken (${claimRef(request.model, request.version ?? "")}, ${by}); versions never change. Set 'version' to another version, or to 'auto' for the next v<n>.`,
  );
}
