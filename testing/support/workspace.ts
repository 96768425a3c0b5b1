// A checked-out repository, as actions/checkout leaves it: a copy of an example in a git work tree with
// one commit, so code fingerprints see a clean tree.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const PYTHON = "/usr/bin/python3";

/** Copies examples/<name> (or an already trained copy) into <workspace>/<subdir> and commits it. */
export function checkoutExample(name: string, options: { from?: string; subdir?: string } = {}): string {
  const workspace = mkdtempSync(join(tmpdir(), `mlops-ws-${name}-`));
  const target = options.subdir ? join(workspace, options.subdir) : workspace;
  cpSync(options.from ?? join(REPO_ROOT, "examples", name), target, { recursive: true });
  git(workspace, "init", "-q", "-b", "main");
  git(workspace, "add", "-A");
  git(
    workspace,
    "-c",
    "user.name=test",
    "-c",
    "user.email=test@example.com",
    "commit",
    "-q",
    "-m",
    "checkout",
  );
  return workspace;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" });
}
