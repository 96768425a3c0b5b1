// publish-model's inputs, read and checked once, before anything touches the network. Names match
// actions/publish-model/action.yml.
import { resolve } from "node:path";
import { setSecret } from "@actions/core";
import { actionInputs } from "../../lib/action.ts";
import { InputError } from "../../formats/errors.ts";
import type { Inputs } from "../../lib/inputs.ts";
import { checkedPath, pathRoots, type PathRoots } from "../../workspace/paths.ts";
import {
  defaultRegistryUrl,
  parseRegistryInputs,
  type RegistryInputs,
} from "../../registry/registry-inputs.ts";
import { checkAlias, checkModelName, parseVersionInput } from "../../versioning/version-names.ts";

/** The backends publish-model serves (backends.ts has one module each). */
export const PUBLISHABLE = ["oci", "github-release"] as const;

export type RecordSource = { kind: "file"; path: string } | { kind: "artifact"; name: string };

export interface PublishInputs {
  record: RecordSource;
  /** undefined: the run record's model name (checked once the record is read). */
  modelName: string | undefined;
  version: { auto: true } | { auto: false; version: string };
  aliases: string[];
  /** `url` is set for `oci` (defaulted to ghcr.io); `github-release` publishes to this repository. */
  registry: RegistryInputs;
  token: string;
  requireGate: boolean;
  /** MiB per upload request, or undefined for one request per blob. */
  chunkSizeMiB: number | undefined;
  /** Absolute path of the model card template. */
  modelCard: string | undefined;
  workspace: string;
  pathRoots: PathRoots;
}

const ARTIFACT_PREFIX = "artifact:";
const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export function getInputs(env: NodeJS.ProcessEnv = process.env): PublishInputs {
  return readInputs(actionInputs(), env);
}

/** Pure over the reader: what getInputs checks, testable without the runner. */
export function readInputs(inputs: Inputs, env: NodeJS.ProcessEnv): PublishInputs {
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const roots = pathRoots(env, []);
  const record = recordSource(inputs, env, workspace, roots);
  const modelNameText = inputs.optional("model-name");
  const modelName = modelNameText === undefined ? undefined : checkModelName(modelNameText);
  const version = parseVersionInput(inputs.string("version", "auto"));
  const aliases = [...new Set(inputs.lines("aliases").map((alias) => checkAlias(alias)))];
  const registry = readRegistry(inputs, env);
  if (registry.kind === "oci" && registry.url === undefined) {
    throw new InputError(
      "registry-url",
      "",
      "is empty and GITHUB_REPOSITORY is not set, so there is no ghcr.io default",
      "Give the registry location, e.g. 'ghcr.io/acme/models'.",
    );
  }
  if (registry.password !== undefined) setSecret(registry.password);
  const chunkMiB = inputs.number("chunk-size", { min: 1, max: 4096, integer: true });
  if (chunkMiB !== undefined && chunkMiB > 4 && registry.url?.host === "ghcr.io") {
    throw new InputError(
      "chunk-size",
      String(chunkMiB),
      "is over 4 MiB, and ghcr.io rejects larger PATCH bodies",
      "Use 4 or less for ghcr.io, or leave it empty to upload each blob in one request.",
    );
  }
  const modelCardText = inputs.optional("model-card");
  return {
    record,
    modelName,
    version,
    aliases,
    registry,
    token: inputs.string("github-token", ""),
    requireGate: inputs.boolean("require-gate", true),
    chunkSizeMiB: chunkMiB,
    modelCard:
      modelCardText === undefined ? undefined : checkedPath("model-card", modelCardText, workspace, roots),
    workspace,
    pathRoots: roots,
  };
}

/** The registry inputs; `github-release` takes none of the OCI ones (it publishes to this repository). */
function readRegistry(inputs: Inputs, env: NodeJS.ProcessEnv): RegistryInputs {
  const registry = parseRegistryInputs(inputs, {
    defaultUrl: defaultRegistryUrl(env),
    available: PUBLISHABLE,
  });
  if (registry.kind !== "github-release") return registry;
  for (const name of ["registry-url", "registry-username", "registry-password", "chunk-size"]) {
    const value = inputs.optional(name);
    if (value !== undefined) {
      throw new InputError(
        name,
        name === "registry-password" ? "***" : value,
        "has no meaning with 'registry: github-release', which publishes to this repository's releases with 'github-token'",
        `Remove '${name}', or set 'registry: oci' to publish to an OCI registry.`,
      );
    }
  }
  return { kind: registry.kind, url: undefined, username: undefined, password: undefined };
}

function recordSource(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  workspace: string,
  roots: PathRoots,
): RecordSource {
  const given = inputs.optional("run-record") ?? env.MLOPS_RUN_RECORD?.trim() ?? "";
  if (given === "") {
    throw new InputError(
      "run-record",
      "",
      "is empty and MLOPS_RUN_RECORD is not set",
      "Run train-model earlier in this job, give the path of its mlops-run.json, or 'artifact:mlops-run-<model>' to download it from this workflow run.",
    );
  }
  if (given.startsWith(ARTIFACT_PREFIX)) {
    const name = given.slice(ARTIFACT_PREFIX.length).trim();
    if (!ARTIFACT_NAME.test(name)) {
      throw new InputError(
        "run-record",
        given,
        "names no valid artifact after 'artifact:'",
        "Give the artifact train-model uploaded, e.g. 'artifact:mlops-run-churn'.",
      );
    }
    return { kind: "artifact", name };
  }
  return { kind: "file", path: checkedPath("run-record", given, workspace, roots) };
}
