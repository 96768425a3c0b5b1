// Which credential a registry gets, in order: the explicit registry-username/registry-password; else the
// entry docker/login-action (and `docker login`) wrote to ~/.docker/config.json for that host (ECR, GAR,
// ACR, Docker Hub); else, for ghcr.io only, github.actor with the workflow's token. Pure: the caller
// reads the config file. Credential helpers (`credsStore`, `credHelpers`) need a program to run and
// are named in the message rather than run.

export interface RegistryCredential {
  username: string;
  password: string;
  /** For the log: "registry-username", "~/.docker/config.json", "github-token". Never the secret. */
  source: string;
}

export interface CredentialSources {
  host: string;
  username: string | undefined;
  password: string | undefined;
  /** Text of ~/.docker/config.json (or $DOCKER_CONFIG/config.json), when it exists. */
  dockerConfig: string | undefined;
  actor: string | undefined;
  token: string | undefined;
}

/** The keys docker writes for a host (Docker Hub's legacy index URL included). */
function hostKeys(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === "docker.io" || host === "registry-1.docker.io" || host === "index.docker.io") {
    keys.push("https://index.docker.io/v1/");
  }
  return keys;
}

export function dockerConfigCredential(configText: string, host: string): RegistryCredential | undefined {
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(configText) as typeof config;
  } catch {
    return undefined;
  }
  for (const key of hostKeys(host)) {
    const entry = config.auths?.[key];
    if (!entry) continue;
    if (entry.username && entry.password) {
      return { username: entry.username, password: entry.password, source: "~/.docker/config.json" };
    }
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        return {
          username: decoded.slice(0, colon),
          password: decoded.slice(colon + 1),
          source: "~/.docker/config.json",
        };
      }
    }
  }
  return undefined;
}

export function resolveCredential(sources: CredentialSources): RegistryCredential | undefined {
  if (sources.username !== undefined && sources.password !== undefined) {
    return { username: sources.username, password: sources.password, source: "registry-username" };
  }
  const fromConfig = sources.dockerConfig
    ? dockerConfigCredential(sources.dockerConfig, sources.host)
    : undefined;
  if (fromConfig) return fromConfig;
  if (sources.host === "ghcr.io" && sources.token) {
    return { username: sources.actor || "github-actions", password: sources.token, source: "github-token" };
  }
  return undefined;
}
