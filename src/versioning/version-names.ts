// Which model names, versions and aliases can be published. They become OCI repository names and tags
// (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`: no `+`), release tags and the git refs of the version sequence,
// so one set of rules here serves every backend.
import { InputError } from "../formats/errors.ts";

/** One OCI repository path component (distribution-spec): lowercase, separators inside only. */
const MODEL_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
/** `1`, `1.2`, `1.2.3`, optionally `v`-prefixed, optionally with a `-pre.release` part. */
const SEMVER_LIKE = /^v?(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*)){0,2}(?:-[0-9A-Za-z][0-9A-Za-z.-]*)?$/;
const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** The versions `auto` hands out. */
export const AUTO_VERSION = /^v([1-9]\d*)$/;

export function checkModelName(name: string, input = "model-name"): string {
  if (name.length > 128 || !MODEL_NAME.test(name)) {
    throw new InputError(
      input,
      name,
      "cannot be a registry repository name",
      "Use lowercase letters, digits and single separators (. _ -) inside, e.g. 'churn-model'; set 'model-name' to publish under another name than the run record's.",
    );
  }
  return name;
}

/** `auto`, or an explicit SemVer-like version. */
export function parseVersionInput(
  value: string,
  input = "version",
): { auto: true } | { auto: false; version: string } {
  if (value === "auto") return { auto: true };
  if (value.includes("+")) {
    throw new InputError(
      input,
      value,
      "has SemVer build metadata ('+…'), which OCI tags cannot carry",
      "Drop the '+…' part or use a pre-release part instead, e.g. '1.2.0-build.7'.",
    );
  }
  if (value.length > 128 || !SEMVER_LIKE.test(value)) {
    throw new InputError(
      input,
      value,
      "is not 'auto' or a SemVer-like version",
      "Use 'auto' (the next v1, v2, …) or a version such as '1.4.0', 'v2' or '2.0.0-rc.1'.",
    );
  }
  return { auto: false, version: value };
}

/** Whether a reference names a version (aliases never look like one: checkAlias refuses them). */
export function isVersionLike(reference: string): boolean {
  return SEMVER_LIKE.test(reference);
}

/** Alias names: OCI tags that cannot be mistaken for a version or a digest tag. */
export function checkAlias(alias: string, input = "aliases"): string {
  if (!OCI_TAG.test(alias)) {
    throw new InputError(
      input,
      alias,
      "is not a valid tag name",
      "Use letters, digits, '.', '_' and '-' (up to 128 characters, not starting with '.' or '-'), one alias a line, e.g. 'staging'.",
    );
  }
  if (SEMVER_LIKE.test(alias) || /^sha256-/.test(alias) || alias === "auto") {
    throw new InputError(
      input,
      alias,
      "looks like a version or a digest tag, and aliases move while versions never do",
      "Use a name such as 'staging', 'production' or 'candidate'.",
    );
  }
  return alias;
}
