// The software environment a model was trained in: the Python on PATH and the runner. The lockfiles
// are hashed by src/fingerprint/lockfiles.ts: their digests are part of the training fingerprint.
import { execFile } from "node:child_process";
import { arch, platform } from "node:os";

/** `python3 --version` of the interpreter the command would find on PATH; undefined when there is none. */
export function pythonVersion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("python3", ["--version"], { env, timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) {
        resolve(undefined);
        return;
      }
      const text = `${stdout}${stderr}`.trim().replace(/^Python\s+/, "");
      resolve(text === "" ? undefined : text);
    });
  });
}

export function runnerInfo(env: NodeJS.ProcessEnv): { os: string; arch: string; image?: string } {
  const imageOs = env.ImageOS;
  const image = imageOs ? `${imageOs}${env.ImageVersion ? `/${env.ImageVersion}` : ""}` : undefined;
  return {
    os: env.RUNNER_OS ?? platform(),
    arch: env.RUNNER_ARCH ?? arch(),
    ...(image === undefined ? {} : { image }),
  };
}

/**
 * Variables the training command never sees unless `env-passthrough` names them (see the README's
 * "What is contained" section): the runner's own credentials and service URLs (every ACTIONS_*: runtime,
 * cache, results and OIDC token and URLs, ACTIONS_CACHE_SERVICE_V2…), the step's inputs (INPUT_*) and
 * post-step state (STATE_*), and the file commands through which it could forge train-model's outputs and
 * state or steer later steps' environment and PATH.
 */
const WITHHELD_PATTERN = /^(ACTIONS_|INPUT_|STATE_)/i;
const WITHHELD_NAMES: ReadonlySet<string> = new Set([
  "GITHUB_OUTPUT",
  "GITHUB_STATE",
  "GITHUB_ENV",
  "GITHUB_PATH",
]);
/** Kept out even when named: with them the command could write train-model's own outputs. */
export const NEVER_PASSED: readonly string[] = ["GITHUB_OUTPUT", "GITHUB_STATE"];

function isWithheld(name: string): boolean {
  return WITHHELD_PATTERN.test(name) || WITHHELD_NAMES.has(name.toUpperCase());
}

/** The workflow's environment for the command: the runner's internals removed, `passthrough` kept, `ours` added. */
export function commandEnvironment(
  env: NodeJS.ProcessEnv,
  passthrough: readonly string[],
  ours: Record<string, string>,
): NodeJS.ProcessEnv {
  const keep = new Set(passthrough);
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isWithheld(name) && !keep.has(name)) continue;
    out[name] = value;
  }
  return { ...out, ...ours };
}
