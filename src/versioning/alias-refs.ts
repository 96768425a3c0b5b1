// Aliases for backends whose versions are git tags (github-release): an alias is the git ref
// refs/tags/mlops/<model>/alias/<alias>, moved with `force` to a new annotated tag object whose message
// names the version. One ref update is one atomic, visible write; immutable releases lock release tags,
// not this ref, so an alias keeps moving while every version stays put. The claim listing ignores these
// refs (their names have a slash after the model).
import { ConfigurationError } from "../formats/errors.ts";
import { httpStatus, needsPermission } from "../formats/github-errors.ts";
import { CLAIM_REF_PREFIX, tagMessageDocument, type ClaimsGitHub } from "./version-claims.ts";

export const ALIAS_SCHEMA = "mlops-actions/alias";

/** What alias refs need beyond the claims' calls: moving a ref. */
export interface AliasGitHub extends ClaimsGitHub {
  rest: ClaimsGitHub["rest"] & {
    git: ClaimsGitHub["rest"]["git"] & {
      updateRef(params: {
        owner: string;
        repo: string;
        ref: string;
        sha: string;
        force: boolean;
      }): Promise<unknown>;
    };
  };
}

export interface AliasTarget {
  model: string;
  alias: string;
  version: string;
  modelDigest: string;
}

export function aliasRef(model: string, alias: string): string {
  return `${CLAIM_REF_PREFIX}${model}/alias/${alias}`;
}

export function aliasMessage(target: AliasTarget): string {
  return `mlops-actions: ${target.model} alias ${target.alias} → ${target.version}\n\n${JSON.stringify({ schema: ALIAS_SCHEMA, ...target })}\n`;
}

export function parseAliasMessage(message: string): AliasTarget | undefined {
  const value = tagMessageDocument(message, ALIAS_SCHEMA);
  if (
    typeof value?.model !== "string" ||
    typeof value.alias !== "string" ||
    typeof value.version !== "string" ||
    typeof value.modelDigest !== "string"
  ) {
    return undefined;
  }
  return { model: value.model, alias: value.alias, version: value.version, modelDigest: value.modelDigest };
}

export class AliasRefs {
  private readonly github: AliasGitHub;
  private readonly owner: string;
  private readonly repo: string;
  constructor(github: AliasGitHub, owner: string, repo: string) {
    this.github = github;
    this.owner = owner;
    this.repo = repo;
  }

  /** Points the alias at `target.version`: a new tag object, then one ref write (create, else forced move). */
  async move(target: AliasTarget, commitSha: string): Promise<void> {
    const { owner, repo } = this;
    const ref = aliasRef(target.model, target.alias);
    const why = `move alias '${target.alias}' of '${target.model}' to ${target.version} (git ref ${ref})`;
    const tag = await needsPermission("contents: write", why, () =>
      this.github.rest.git.createTag({
        owner,
        repo,
        tag: ref.slice("refs/tags/".length),
        message: aliasMessage(target),
        object: commitSha,
        type: "commit",
      }),
    );
    try {
      await needsPermission("contents: write", why, () =>
        this.github.rest.git.createRef({ owner, repo, ref, sha: tag.data.sha }),
      );
      return;
    } catch (error) {
      if (httpStatus(error) !== 422) throw error;
    }
    await needsPermission("contents: write", why, () =>
      this.github.rest.git.updateRef({
        owner,
        repo,
        ref: ref.slice("refs/".length),
        sha: tag.data.sha,
        force: true,
      }),
    );
  }

  /** The version an alias names, or undefined when the alias does not exist. */
  async read(model: string, alias: string): Promise<AliasTarget | undefined> {
    const { owner, repo } = this;
    const ref = aliasRef(model, alias);
    let object: { sha: string; type: string };
    try {
      object = (await this.github.rest.git.getRef({ owner, repo, ref: ref.slice("refs/".length) })).data
        .object;
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw error;
    }
    const message =
      object.type === "tag"
        ? (await this.github.rest.git.getTag({ owner, repo, tag_sha: object.sha })).data.message
        : "";
    const target = parseAliasMessage(message);
    if (target?.model !== model || target.alias !== alias) {
      throw new ConfigurationError(
        `The git ref ${ref} is not an alias written by publish-model (its tag object names no version). Delete the ref, or publish again with 'aliases: ${alias}' to move it.`,
      );
    }
    return target;
  }
}
