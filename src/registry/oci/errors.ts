// What a registry's refusal means for the user. Permission problems are ConfigurationErrors (the user
// fixes them in the workflow; no stack), and name the GitHub permission the job needs for ghcr.io.
import { ConfigurationError } from "../../formats/errors.ts";
import { brief } from "./auth.ts";
import type { HttpResponse } from "./http.ts";

export type Intent = "push" | "pull";

/** An unexpected answer from a registry (a bug here or there, or an outage): reported with its stack. */
export class RegistryError extends Error {
  override readonly name = "RegistryError";
  readonly status: number;
  /** The first OCI error code of the body (`BLOB_UNKNOWN`, `DIGEST_INVALID`, …), if any. */
  readonly code: string | undefined;
  constructor(message: string, status: number, code: string | undefined) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The credential works but may not push or pull this repository. */
export class RegistryAccessError extends ConfigurationError {
  override readonly name = "RegistryAccessError";
  readonly intent: Intent;
  constructor(message: string, intent: Intent) {
    super(message);
    this.intent = intent;
  }
}

export function errorCode(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { errors?: { code?: string }[] };
    return body.errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

export function accessDenied(
  host: string,
  repository: string,
  intent: Intent,
  status: number,
  detail: string,
): RegistryAccessError {
  const what = `Registry ${host} denied ${intent} access to ${repository} (HTTP ${status}: ${detail}).`;
  if (intent === "push") {
    return new RegistryAccessError(
      `${what} The credential needs write access. With github-token on ghcr.io the job needs 'permissions: packages: write'. ` +
        `If the package was first pushed by hand (or from another repository), it is not linked to this repository yet: ` +
        `open the package on GitHub → Package settings → Manage Actions access → Add repository, role Write ` +
        `(or push it once from this repository's workflow with a personal access token).`,
      intent,
    );
  }
  return new RegistryAccessError(
    `${what} The credential needs read access. With github-token on ghcr.io the job needs 'permissions: packages: read', ` +
      `and a private package must grant this repository access (Package settings → Manage Actions access); ` +
      `or pass another credential through registry-username and registry-password.`,
    intent,
  );
}

export async function unexpected(response: HttpResponse, what: string): Promise<RegistryError> {
  const text = await response.text(64 * 1024);
  const code = errorCode(text);
  return new RegistryError(
    `${what}: registry answered ${response.status}: ${brief(text)}`,
    response.status,
    code,
  );
}
