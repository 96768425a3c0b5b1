// Where a model lives: `registry-url` (`ghcr.io/<owner>/<repo>`, `registry.example.com:5000/team`,
// `http://127.0.0.1:5000/x`) parsed once, plus the repository of one model below it. Plain `http://` is
// accepted only for loopback hosts: anything else would send credentials and model bytes in clear text.
import { InputError } from "../../formats/errors.ts";

export interface RegistryLocation {
  /** `https://ghcr.io` or `http://127.0.0.1:5000`: the scheme, host and port requests go to. */
  origin: string;
  /** `ghcr.io`, `127.0.0.1:5000`: the host as credentials (docker config.json) and references name it. */
  host: string;
  /** Repository path below the host (`owner/repo`), lowercased; may be empty (`localhost:5000`). */
  namespace: string;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
// OCI distribution spec: path components are [a-z0-9]+ joined by separators (., _, __, -+).
const COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

export function parseRegistryUrl(value: string, input = "registry-url"): RegistryLocation {
  const text = value.trim().replace(/^oci:\/\//i, "");
  if (text === "") {
    throw new InputError(input, value, "is empty", "Give a registry and path, e.g. ghcr.io/<owner>/<repo>.");
  }
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  const scheme = schemeMatch?.[1]?.toLowerCase() ?? "https";
  if (scheme !== "https" && scheme !== "http") {
    throw new InputError(
      input,
      value,
      `has the scheme ${scheme}://`,
      "Use https:// (the default) or, for a registry on this machine, http://.",
    );
  }
  let url: URL;
  try {
    url = new URL(schemeMatch ? text : `https://${text}`);
  } catch {
    throw new InputError(
      input,
      value,
      "is not a registry address",
      "Give a registry and path, e.g. ghcr.io/<owner>/<repo>.",
    );
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new InputError(
      input,
      value,
      "carries credentials, a query or a fragment",
      "Give only host and path; pass credentials through registry-username and registry-password.",
    );
  }
  if (scheme === "http" && !isLoopbackHost(url.hostname)) {
    throw new InputError(
      input,
      value,
      "uses plain http:// to a host that is not this machine",
      "Use https:// (credentials and model bytes would travel unencrypted); http:// is allowed only for localhost, 127.0.0.1 and [::1].",
    );
  }
  const namespace = decodeURIComponent(url.pathname)
    .replace(/^\/+|\/+$/g, "")
    .toLowerCase();
  for (const component of namespace === "" ? [] : namespace.split("/")) {
    if (!COMPONENT.test(component)) {
      throw new InputError(
        input,
        value,
        `has the path component ${JSON.stringify(component)}, which OCI repository names do not allow`,
        "Use lowercase letters, digits and single separators (. _ -) between them.",
      );
    }
  }
  return { origin: `${scheme}://${url.host}`, host: url.host, namespace };
}

/** The repository of one model: `<namespace>/<model-name>`, lowercased and validated. */
export function repositoryFor(location: RegistryLocation, modelName: string, input = "model-name"): string {
  const name = modelName.trim().toLowerCase();
  const components = name.split("/");
  if (name === "" || !components.every((c) => COMPONENT.test(c))) {
    throw new InputError(
      input,
      modelName,
      "is not a valid OCI repository name",
      "Use lowercase letters, digits and single separators (. _ -), e.g. churn-model.",
    );
  }
  return location.namespace === "" ? name : `${location.namespace}/${name}`;
}
