// Turns GitHub's refusals into errors a workflow author can act on: which permission the job's
// `permissions:` block must grant, rather than a bare "Resource not accessible by integration".
import { ConfigurationError } from "./errors.ts";

interface HttpError {
  status: number;
  message: string;
}

export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const status = (error as Partial<HttpError>).status;
  return typeof status === "number" ? status : undefined;
}

/** A 403 that is a permission refusal (not a rate limit, which the Octokit factory already waits out). */
export function isPermissionDenied(error: unknown): boolean {
  if (httpStatus(error) !== 403) return false;
  const message = error instanceof Error ? error.message : "";
  return !/rate limit/i.test(message);
}

/** Runs a GitHub call; a permission refusal becomes an error naming the permission and how to grant it. */
export async function needsPermission<T>(
  permission: string,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isPermissionDenied(error)) {
      const [scope, level] = permission.split(":").map((part) => part.trim());
      throw new ConfigurationError(
        `GitHub refused to ${what} (403: ${error instanceof Error ? error.message : String(error)}). The token needs '${permission}': add \`permissions:\n  ${scope ?? permission}: ${level ?? "read"}\` to the job (or pass a token that has it in 'github-token').`,
      );
    }
    throw error;
  }
}

/** GitHub rejected the token itself (401): no retry or permission helps, only another token. */
export class TokenRejectedError extends ConfigurationError {
  override readonly name = "TokenRejectedError";
}

export function tokenRejected(what: string, detail: string): TokenRejectedError {
  return new TokenRejectedError(
    `GitHub rejected the token in 'github-token' (${detail}) when it tried to ${what}. Pass a valid token: the default \`\${{ github.token }}\` works; a GitHub App's installation token expires after an hour, so create it right before this step.`,
  );
}

/** For a failed GitHub call (after the client's retries): "500 Server Error", "connection reset"…; undefined for bugs. */
export function describeGitHubFailure(error: unknown): string | undefined {
  const status = httpStatus(error);
  if (status === undefined) return undefined;
  return `${status}: ${firstLine(error)}`;
}

/** An Octokit error's message without the documentation link Octokit appends (" - https://docs…"). */
export function firstLine(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split("\n", 1)[0] ?? "";
  return message.replace(/ - https:\/\/docs\.github\.com\S*$/, "");
}
