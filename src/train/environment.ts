// The software environment a model was trained in: the Python on PATH, the project's lockfiles and the
// runner. Lockfile digests are part of the training fingerprint, so a changed dependency retrains.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { arch, platform } from "node:os";

/** Files that pin a Python environment, by the managers that read them. */
const LOCKFILE_PATTERNS: readonly RegExp[] = [
  /^requirements.*\.(txt|lock|in)$/,
  /^constraints.*\.txt$/,
  /^Pipfile(\.lock)?$/,
  /^poetry\.lock$/,
  /^uv\.lock$/,
  /^pdm\.lock$/,
  /^pyproject\.toml$/,
  /^environment\.ya?ml$/,
  /^conda-lock\.ya?ml$/,
];

/** Names of the lockfiles at the project's root (where managers look for them), sorted. */
export function lockfileNames(projectDir: string): string[] {
  if (!existsSync(projectDir)) return [];
  return readdirSync(projectDir)
    .filter((name) => LOCKFILE_PATTERNS.some((pattern) => pattern.test(name)))
    .sort();
}

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
