// The registry inputs that publish-model and evaluate-gate share (`registry`, `registry-url`,
// `registry-username`, `registry-password`), read by this one module. Parsing the location and choosing
// the credential are the registry client's (src/registry/oci); this layer only reads the inputs, through
// the reader the action passes, and the environment. publish-model defaults registry-url to ghcr.io/<owner>/<repo>; evaluate-gate has no
// default (existing gates must not start calling GHCR), so it passes `defaultUrl: undefined`.
import { defaultDockerConfigPath, resolveCredentials, type Credentials } from "./oci/credentials.ts";
import { parseRegistryUrl, type RegistryLocation } from "./oci/location.ts";
import { NotImplementedError } from "../formats/errors.ts";

/** The slice of an action's input reader this module uses (src/lib/inputs.ts's Inputs fits it). */
export interface RegistryInputReader {
  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  optional(name: string): string | undefined;
}

/** The registry backends, in the order messages name them. */
export const REGISTRY_KINDS = ["oci", "github-release", "mlflow"] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];
/** Backends every reader of these inputs serves; an action passes its own list when it serves more. */
const AVAILABLE: readonly RegistryKind[] = ["oci"];

export interface RegistryInputs {
  kind: RegistryKind;
  url: RegistryLocation | undefined;
  username: string | undefined;
  password: string | undefined;
}

/** ghcr.io/<owner>/<repo> for GITHUB_REPOSITORY, lowercased as GHCR requires. */
export function defaultRegistryUrl(env: NodeJS.ProcessEnv): string | undefined {
  const repository = env.GITHUB_REPOSITORY?.trim();
  return repository ? `ghcr.io/${repository.toLowerCase()}` : undefined;
}

export function parseRegistryInputs(
  inputs: RegistryInputReader,
  options: { defaultUrl: string | undefined; available?: readonly RegistryKind[] },
): RegistryInputs {
  const kind = inputs.choice("registry", REGISTRY_KINDS, "oci");
  const available = options.available ?? AVAILABLE;
  if (!available.includes(kind)) {
    throw new NotImplementedError(
      `Input 'registry' is '${kind}', which arrives in a later version of mlops-actions; here it can be ${available.map((k) => `'${k}'`).join(" or ")} (registries known: ${REGISTRY_KINDS.join(", ")}).`,
    );
  }
  const urlText = inputs.optional("registry-url") ?? options.defaultUrl;
  return {
    kind,
    url: urlText === undefined ? undefined : parseRegistryUrl(urlText),
    username: inputs.optional("registry-username"),
    password: inputs.optional("registry-password"),
  };
}

/**
 * The credential for `location`: the inputs, else the docker config.json ($DOCKER_CONFIG or $HOME's;
 * its credential helpers are found on env's PATH),
 * else for ghcr.io github.actor with the token. Both inputs or neither (else an InputError).
 */
export function registryCredentials(
  registry: RegistryInputs,
  location: RegistryLocation,
  env: NodeJS.ProcessEnv,
  token: string | undefined,
): Promise<Credentials | undefined> {
  return resolveCredentials({
    host: location.host,
    username: registry.username,
    password: registry.password,
    dockerConfigPath: defaultDockerConfigPath(env),
    githubActor: env.GITHUB_ACTOR,
    githubToken: token || undefined,
    env,
  });
}
