// Which credential a registry gets, in the order the inputs promise: explicit username/password; else the
// docker config.json as docker reads it: the host's `credHelpers` helper, else the `credsStore` helper
// (credential-helper.ts), else the `auths` entry docker/login-action (or `docker login`) wrote for that
// host; else, for ghcr.io only, the workflow's actor and token. Plain arguments in, so the action reads inputs
// and the environment, and the tests can pass anything.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigurationError, InputError } from "../../formats/errors.ts";
import { helperGet, IDENTITY_TOKEN_USERNAME } from "./credential-helper.ts";

export interface Credentials {
  username: string;
  /** A password or a personal access token (Basic to the token realm or to a Basic registry). */
  password?: string;
  /** An OAuth2 refresh token (docker config `identitytoken`, e.g. ACR): exchanged at the realm by POST. */
  identityToken?: string;
  /** Where it came from, for error messages: "the inputs registry-username and registry-password", … */
  source: string;
}

export interface CredentialOptions {
  /** The registry host as in RegistryLocation.host (`ghcr.io`, `127.0.0.1:5000`). */
  host: string;
  username?: string;
  password?: string;
  /** Default: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  dockerConfigPath?: string;
  /** `github.actor` and `github-token`: used for ghcr.io only. */
  githubActor?: string;
  githubToken?: string;
  /** Where credential helpers are looked up (PATH) and what they see; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const GHCR_HOST = "ghcr.io";
const DOCKER_HUB = "docker.io";
const DOCKER_HUB_ALIASES = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG ?? join(homedir(), ".docker");
  return join(dir, "config.json");
}

export async function resolveCredentials(options: CredentialOptions): Promise<Credentials | undefined> {
  const username = options.username?.trim() ?? "";
  const password = options.password ?? "";
  if (username !== "" || password !== "") {
    if (username === "" || password === "") {
      const [missing, given] =
        username === ""
          ? ["registry-username", "registry-password"]
          : ["registry-password", "registry-username"];
      throw new InputError(
        missing,
        "",
        `is empty while ${given} is set`,
        `Set both registry-username and registry-password, or neither.`,
      );
    }
    return { username, password, source: "the inputs registry-username and registry-password" };
  }
  const configPath = options.dockerConfigPath ?? defaultDockerConfigPath();
  const fromConfig = await dockerConfigCredentials(configPath, options.host, options.env);
  if (fromConfig !== undefined) return fromConfig;
  if (registryKey(options.host) === GHCR_HOST && options.githubToken) {
    return {
      username: options.githubActor?.trim() || "github-actions",
      password: options.githubToken,
      source: `github.actor (${options.githubActor ?? "unset"}) with the input github-token`,
    };
  }
  return undefined;
}

interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/**
 * The credential a docker config.json gives a host (keys may carry a scheme or path), if any: the host's
 * `credHelpers` entry, else `credsStore`, else its `auths` entry. A helper with nothing for the host
 * falls through to `auths` (docker/login-action writes there when no store is set up).
 */
export async function dockerConfigCredentials(
  path: string,
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const config = await readDockerConfig(path);
  if (config === undefined) return undefined;
  const wanted = registryKey(host);
  const authKey = Object.keys(config.auths ?? {}).find((key) => registryKey(key) === wanted);
  const helperEntry = Object.entries(config.credHelpers ?? {}).find(([key]) => registryKey(key) === wanted);
  const helper = helperEntry
    ? {
        name: helperEntry[1],
        serverUrl: helperEntry[0],
        origin: `the credHelpers entry for ${helperEntry[0]} in ${path}`,
      }
    : config.credsStore
      ? {
          name: config.credsStore,
          serverUrl: authKey ?? serverAddress(wanted),
          origin: `credsStore in ${path}`,
        }
      : undefined;
  if (helper !== undefined && typeof helper.name === "string" && helper.name !== "") {
    const found = await helperGet(helper.name, helper.serverUrl, helper.origin, env);
    if (found !== undefined) {
      const source = `docker-credential-${helper.name} (${helper.origin})`;
      return found.username === IDENTITY_TOKEN_USERNAME || found.username === ""
        ? { username: found.username || IDENTITY_TOKEN_USERNAME, identityToken: found.secret, source }
        : { username: found.username, password: found.secret, source };
    }
  }
  const entry = authKey === undefined ? undefined : config.auths?.[authKey];
  return entry === undefined ? undefined : authsCredentials(entry, `the ${wanted} entry of ${path}`, path);
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (error) {
    throw new ConfigurationError(
      `${path} is not valid JSON (${(error as Error).message}); fix or remove it, or pass registry-username and registry-password.`,
      { file: path },
    );
  }
}

function authsCredentials(entry: DockerAuthEntry, source: string, path: string): Credentials | undefined {
  if (entry.identitytoken) {
    return {
      username: entry.username ?? IDENTITY_TOKEN_USERNAME,
      identityToken: entry.identitytoken,
      source,
    };
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) {
      throw new ConfigurationError(
        `${source} has an 'auth' value that is not base64 of user:password; log in again (docker/login-action) or pass registry-username and registry-password.`,
        { file: path },
      );
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password, source };
  return undefined;
}

/** The server address docker hands a helper for a host: Docker Hub's is its v1 index URL. */
function serverAddress(key: string): string {
  return key === DOCKER_HUB ? "https://index.docker.io/v1/" : key;
}

/** `https://index.docker.io/v1/` → `docker.io`, `https://GHCR.io` → `ghcr.io`: how config keys match hosts. */
function registryKey(value: string): string {
  const host = value
    .trim()
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}
