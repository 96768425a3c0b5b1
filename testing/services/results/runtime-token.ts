// ACTIONS_RUNTIME_TOKEN as the runner hands it to steps: a JWT the toolkit decodes without verifying.
// @actions/artifact reads the backend ids from `scp` ("Actions.Results:<runBackendId>:<jobBackendId>");
// the cache service reads the cache scopes from `ac` (a JSON string of {Scope, Permission}). Our backend ids
// embed the numeric run id ("run-<id>") so stored artifacts know their GITHUB_RUN_ID.

/** Cache scope permission bits as the `ac` claim carries them. */
export const CACHE_READ = 1;
export const CACHE_WRITE = 2;

export interface CacheScope {
  /** A git ref, e.g. "refs/heads/main" or "refs/pull/7/merge". */
  scope: string;
  permission: number;
}

export interface RunIdentity {
  /** GITHUB_RUN_ID of the run the token belongs to. */
  workflowRunId: number;
  /** Numeric job id; defaults to 1. */
  jobId?: number;
  /** GITHUB_REF of the run; its cache scope is the one written to. Defaults to refs/heads/main. */
  ref?: string;
  /** The repository's default branch ref, readable as a fallback cache scope. Defaults to refs/heads/main. */
  defaultBranchRef?: string;
  /** False models a token whose run may not save caches (e.g. a fork pull request). Defaults to true. */
  cacheWritable?: boolean;
}

export interface RuntimeTokenClaims {
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  workflowRunId: number;
  cacheScopes: CacheScope[];
}

export function workflowRunBackendId(workflowRunId: number): string {
  return `run-${workflowRunId}`;
}

/** The numeric run id inside a backend id we minted, or undefined for foreign ids. */
export function workflowRunIdOf(backendId: string): number | undefined {
  const match = /^run-(\d+)$/.exec(backendId);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function mintRuntimeToken(identity: RunIdentity): string {
  const ref = identity.ref ?? "refs/heads/main";
  const defaultBranchRef = identity.defaultBranchRef ?? "refs/heads/main";
  const writable = identity.cacheWritable ?? true;
  const scopes = [{ Scope: ref, Permission: writable ? CACHE_READ | CACHE_WRITE : CACHE_READ }];
  if (defaultBranchRef !== ref) scopes.push({ Scope: defaultBranchRef, Permission: CACHE_READ });
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    scp: [
      "Actions.GenericRead:00000000-0000-0000-0000-000000000000",
      `Actions.Results:${workflowRunBackendId(identity.workflowRunId)}:job-${identity.jobId ?? 1}`,
    ].join(" "),
    ac: JSON.stringify(scopes),
    iss: "mlops-actions-test-results-service",
    aud: "vso:00000000-0000-0000-0000-000000000000",
    nbf: now - 60,
    iat: now - 60,
    exp: now + 6 * 3600,
  };
  // Unsigned ("alg": "none"): the toolkit never verifies it and neither does our service.
  return `${base64url({ typ: "JWT", alg: "none" })}.${base64url(payload)}.`;
}

export class InvalidTokenError extends Error {
  override readonly name = "InvalidTokenError";
}

/** Reads the claims our service needs; throws InvalidTokenError for anything else. */
export function parseRuntimeToken(token: string): RuntimeTokenClaims {
  const payloadPart = token.split(".")[1];
  if (payloadPart === undefined) throw new InvalidTokenError("runtime token is not a JWT");
  let payload: { scp?: unknown; ac?: unknown };
  try {
    payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8")) as typeof payload;
  } catch {
    throw new InvalidTokenError("runtime token payload is not JSON");
  }
  const scopes = typeof payload.scp === "string" ? payload.scp.split(" ") : [];
  const results = scopes.map((scope) => scope.split(":")).find((parts) => parts[0] === "Actions.Results");
  const runBackendId = results?.[1];
  const jobBackendId = results?.[2];
  if (results?.length !== 3 || runBackendId === undefined || jobBackendId === undefined) {
    throw new InvalidTokenError("runtime token has no Actions.Results:<run>:<job> scope");
  }
  const workflowRunId = workflowRunIdOf(runBackendId);
  if (workflowRunId === undefined) {
    throw new InvalidTokenError(`runtime token backend id ${runBackendId} was not minted by this service`);
  }
  const cacheScopes: CacheScope[] = [];
  if (typeof payload.ac === "string") {
    const parsed = JSON.parse(payload.ac) as { Scope: string; Permission: number }[];
    for (const entry of parsed) cacheScopes.push({ scope: entry.Scope, permission: entry.Permission });
  }
  return {
    workflowRunBackendId: runBackendId,
    workflowJobRunBackendId: jobBackendId,
    workflowRunId,
    cacheScopes,
  };
}
