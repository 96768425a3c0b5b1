// The few read-only git commands the code fingerprint needs, run as a child process.
import { execFile } from "node:child_process";
import { ConfigurationError } from "../formats/errors.ts";

export interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Run git in `cwd`. Never throws for a non-zero exit; throws when git itself cannot be started. */
export function git(cwd: string, args: readonly string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...args],
      {
        cwd,
        maxBuffer: 256 * 1024 * 1024,
        // Read-only use: do not take the index lock that `git status` would take to refresh it, so a
        // concurrent git command in the workflow is not disturbed.
        env: { ...process.env, GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C" },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(
            new ConfigurationError(
              `cannot run git (${error.message}). Install git on the runner, or list code-paths that are hashed without git.`,
            ),
          );
          return;
        }
        resolve({ ok: !error, stdout, stderr });
      },
    );
  });
}

/** Whether `cwd` is inside a git work tree. A repository owned by another user is an error to fix. */
export async function isGitWorkTree(cwd: string): Promise<boolean> {
  const result = await git(cwd, ["rev-parse", "--is-inside-work-tree"]);
  if (!result.ok && result.stderr.includes("dubious ownership")) {
    throw new ConfigurationError(
      `git refuses the repository in ${cwd} because another user owns it ("dubious ownership"). ` +
        `Run 'git config --global --add safe.directory ${cwd}' before this step (actions/checkout does this for its path).`,
    );
  }
  return result.ok && result.stdout.trim() === "true";
}
