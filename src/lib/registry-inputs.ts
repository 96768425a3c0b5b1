// The registry inputs that publish-model and evaluate-gate share (`registry`, `registry-url`,
// `registry-username`, `registry-password`), parsed by this one module. publish-model defaults
// registry-url to ghcr.io/<owner>/<repo>; evaluate-gate has no default (existing gates must not start
// calling GHCR), so it passes `defaultUrl: undefined`. Pure over an Inputs reader and the environment.
import { InputError, NotImplementedError } from "./errors.ts";
import type { Inputs } from "./inputs.ts";

/** The registry backends, in the order messages name them. */
export const REGISTRY_KINDS = ["oci", "github-release", "mlflow"] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];
/** Backends that work in this version; the others are named but refused with a clear error. */
const AVAILABLE: readonly RegistryKind[] = ["oci"];

export interface RegistryUrl {
  /** https, or http for a loopback registry. */
  scheme: "https" | "http";
  /** host[:port], lowercased. */
  host: string;
  /** Repository path prefix without slashes at either end ("acme/churn"); may be "". */
  namespace: string;
}

export interface RegistryInputs {
  kind: RegistryKind;
  url: RegistryUrl | undefined;
  username: string | undefined;
  password: string | undefined;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
/** distribution-spec path components: lowercase, separators inside. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

/** ghcr.io/<owner>/<repo> for GITHUB_REPOSITORY, lowercased as GHCR requires. */
export function defaultRegistryUrl(env: NodeJS.ProcessEnv): string | undefined {
  const repository = env.GITHUB_REPOSITORY?.trim();
  return repository ? `ghcr.io/${repository.toLowerCase()}` : undefined;
}

export function parseRegistryUrl(value: string, input = "registry-url"): RegistryUrl {
  const match = /^(?:(https?|oci):\/\/)?([^/]+)(\/.*)?$/i.exec(value.trim());
  const given = match?.[1]?.toLowerCase();
  const host = match?.[2]?.toLowerCase() ?? "";
  const hostname = host.replace(/:\d+$/, "");
  if (!match || !/^(?:[a-z0-9.-]+|\[[0-9a-f:]+\])(?::\d{1,5})?$/.test(host)) {
    throw new InputError(
      input,
      value,
      "is not a registry location",
      "Give host/namespace, e.g. 'ghcr.io/acme/models' or 'https://registry.example.com/ml' (http:// only for 127.0.0.1 or localhost).",
    );
  }
  const scheme = given === "http" ? "http" : "https";
  if (scheme === "http" && !LOOPBACK.test(hostname)) {
    throw new InputError(
      input,
      value,
      `uses http:// for ${hostname}, which is not a loopback host: credentials and models would travel in clear text`,
      "Use https:// (or no scheme), or http:// only for a registry on 127.0.0.1 or localhost.",
    );
  }
  const namespace = (match[3] ?? "").replace(/^\/+|\/+$/g, "");
  const bad = namespace === "" ? undefined : namespace.split("/").find((part) => !PATH_COMPONENT.test(part));
  if (bad !== undefined) {
    throw new InputError(
      input,
      value,
      `has the path component ${JSON.stringify(bad)}, which a registry repository name cannot have`,
      "Use lowercase letters, digits and single separators (. _ -) between slashes, e.g. 'ghcr.io/acme/models'.",
    );
  }
  return { scheme, host, namespace };
}

export function parseRegistryInputs(
  inputs: Inputs,
  options: { defaultUrl: string | undefined },
): RegistryInputs {
  const kind = inputs.choice("registry", REGISTRY_KINDS, "oci");
  if (!AVAILABLE.includes(kind)) {
    throw new NotImplementedError(
      `Input 'registry' is '${kind}', which arrives in a later version of mlops-actions; this version publishes to 'oci' only (registries known: ${REGISTRY_KINDS.join(", ")}).`,
    );
  }
  const urlText = inputs.optional("registry-url") ?? options.defaultUrl;
  const username = inputs.optional("registry-username");
  const password = inputs.optional("registry-password");
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? "registry-username" : "registry-password";
    throw new InputError(
      missing,
      "",
      "is empty while its partner is set",
      "Give both registry-username and registry-password, or neither (then ~/.docker/config.json, or for ghcr.io the workflow's token, is used).",
    );
  }
  return { kind, url: urlText === undefined ? undefined : parseRegistryUrl(urlText), username, password };
}

/** The repository path of a model: <namespace>/<model>. */
export function repositoryPath(url: RegistryUrl, model: string): string {
  return url.namespace === "" ? model : `${url.namespace}/${model}`;
}
