// Tokens and what they may do, modelled on GITHUB_TOKEN's permission scopes. A fork PR's token is a
// token whose scopes are all "read": writes answer 403 "Resource not accessible by integration".

export type PermissionLevel = "write" | "read" | "none";

export const PERMISSION_SCOPES = [
  "actions",
  "administration",
  "checks",
  "contents",
  "deployments",
  "issues",
  "pull_requests",
  "statuses",
] as const;
export type PermissionScope = (typeof PERMISSION_SCOPES)[number];

export type Permissions = Record<PermissionScope, PermissionLevel>;

export interface TokenIdentity {
  login: string;
  type: "Bot" | "User";
  permissions: Permissions;
}

export interface TokenOptions {
  /** Defaults to `github-actions[bot]`. */
  login?: string;
  /** Defaults to "Bot" (GITHUB_TOKEN); "User" models a personal access token. */
  type?: "Bot" | "User";
  /**
   * Defaults to "write" for every scope except `administration`, which GITHUB_TOKEN never has (so it
   * cannot create environments) and which defaults to "write" only for type "User".
   */
  permissions?: Partial<Permissions>;
}

export const GITHUB_ACTIONS_BOT = "github-actions[bot]";

export function identityFor(options: TokenOptions = {}): TokenIdentity {
  const type = options.type ?? "Bot";
  const defaults = Object.fromEntries(PERMISSION_SCOPES.map((scope) => [scope, "write"])) as Permissions;
  if (type === "Bot") defaults.administration = "none";
  return {
    login: options.login ?? GITHUB_ACTIONS_BOT,
    type,
    permissions: { ...defaults, ...options.permissions },
  };
}

/** A token with read access only, like the GITHUB_TOKEN of a workflow run triggered from a fork. */
export function readOnlyPermissions(): Permissions {
  return Object.fromEntries(PERMISSION_SCOPES.map((scope) => [scope, "read"])) as Permissions;
}

export function allows(identity: TokenIdentity, scope: PermissionScope, level: "read" | "write"): boolean {
  const granted = identity.permissions[scope];
  return level === "read" ? granted !== "none" : granted === "write";
}

/** The token in an Authorization header ("token x", "Bearer x"), or undefined when there is none. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(?:token|bearer)\s+(.+)$/i.exec(header.trim());
  if (match?.[1]) return match[1];
  if (/^basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^basic\s+/i, ""), "base64").toString("utf8");
    return decoded.slice(decoded.indexOf(":") + 1);
  }
  return header.trim();
}
