// The docker-credential-helpers protocol, as docker, crane and skopeo speak it: `docker-credential-<name>
// get` with the server address on stdin answers `{"ServerURL","Username","Secret"}` on stdout, or exits
// non-zero saying "credentials not found". A Username of `<token>` means the Secret is an identity
// (refresh) token. This is how ECR (`ecr-login`), GAR (`gcloud`), ACR and desktop keychains hand out
// credentials named by `credHelpers` / `credsStore` in a docker config.json.
import { spawn } from "node:child_process";
import { ConfigurationError } from "../../formats/errors.ts";

/** What a helper answered for a server, or undefined when it has nothing for it. */
export interface HelperCredential {
  username: string;
  secret: string;
}

/** docker's own marker for "the secret is an identity token". */
export const IDENTITY_TOKEN_USERNAME = "<token>";
/** A helper that prompts (a locked keychain, gpg for `pass`) must not hang the job. */
const HELPER_TIMEOUT_MS = 60_000;
/** What docker-credential-helpers print when they have no entry (credentials.errCredentialsNotFoundMessage). */
const NOT_FOUND = /credentials not found/i;

export function helperProgram(name: string): string {
  return `docker-credential-${name}`;
}

/**
 * Runs `docker-credential-<name> get` for `serverUrl`. `origin` says where the helper was named (for
 * errors: "credHelpers of /home/u/.docker/config.json"). A missing program is an error naming it.
 */
export async function helperGet(
  name: string,
  serverUrl: string,
  origin: string,
  env: NodeJS.ProcessEnv,
): Promise<HelperCredential | undefined> {
  const program = helperProgram(name);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new ConfigurationError(
      `${origin} names the credential helper ${JSON.stringify(name)}, which is not a helper name (docker runs docker-credential-<name>): fix the docker config, or pass registry-username and registry-password.`,
    );
  }
  const { code, stdout, stderr, error } = await run(program, serverUrl, env);
  if (error !== undefined) {
    if (error.code === "ENOENT") {
      throw new ConfigurationError(
        `${origin} says to get the credentials for ${serverUrl} from ${program}, which is not on PATH: install it on the runner (or in an earlier step), remove that entry, or pass registry-username and registry-password.`,
      );
    }
    throw new ConfigurationError(`Could not run ${program} (named in ${origin}): ${error.message}.`);
  }
  if (code !== 0) {
    const said = (stdout + stderr).trim();
    if (NOT_FOUND.test(said)) return undefined;
    throw new ConfigurationError(
      `${program} get (named in ${origin}) failed for ${serverUrl}${code === null ? " (timed out)" : ` with exit code ${code}`}: ${said.slice(0, 300) || "no output"}. Log in again through that helper, or pass registry-username and registry-password.`,
    );
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    throw new ConfigurationError(
      `${program} get (named in ${origin}) answered for ${serverUrl} with something that is not the helpers' JSON ({"Username","Secret"}).`,
    );
  }
  const username = typeof answer.Username === "string" ? answer.Username : "";
  const secret = typeof answer.Secret === "string" ? answer.Secret : "";
  return secret === "" ? undefined : { username, secret };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

function run(program: string, input: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    // Not spawn's own `timeout`: its timer outlives a program that never started (ENOENT) and keeps the
    // process alive for the whole wait.
    const child = spawn(program, ["get"], { env, stdio: ["pipe", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), HELPER_TIMEOUT_MS);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed: NodeJS.ErrnoException | undefined;
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => (failed = error));
    // A helper that exits before reading stdin must not turn into an EPIPE crash.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(failed ? { error: failed } : {}),
      });
    });
  });
}
