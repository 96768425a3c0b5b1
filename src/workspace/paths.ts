// Where path inputs may lead, one rule for every action: a path is resolved as the file system would
// (symlinks followed; for a path that does not exist yet, its deepest existing ancestor) and must then
// lie inside the workspace, $RUNNER_TEMP (downloaded baselines, run records) or a folder `path-roots`
// adds (datasets mounted on self-hosted runners). Relative paths are relative to the action's working
// directory. Checked before anything is read, so no error can quote a file from elsewhere.
// Pure (no @actions/*): domain modules check the paths they walk with it too.
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ConfigurationError, InputError } from "../formats/errors.ts";

export interface PathRoot {
  /** How messages name it: "the workspace", "$RUNNER_TEMP", "path-roots". */
  name: string;
  /** Resolved (real) absolute path. */
  path: string;
}

export type PathRoots = readonly PathRoot[];

/** The allowed roots: the workspace, $RUNNER_TEMP when set, and each `path-roots` line (absolute). */
export function pathRoots(env: NodeJS.ProcessEnv, extra: readonly string[], input = "path-roots"): PathRoots {
  const roots: PathRoot[] = [
    { name: "the workspace", path: realPath(env.GITHUB_WORKSPACE ?? process.cwd()) },
  ];
  if (env.RUNNER_TEMP) roots.push({ name: "$RUNNER_TEMP", path: realPath(env.RUNNER_TEMP) });
  for (const folder of extra) {
    if (!isAbsolute(folder)) {
      throw new InputError(
        input,
        folder,
        "must hold absolute folders",
        "Give one absolute folder a line, e.g. /mnt/datasets.",
      );
    }
    roots.push({ name: input, path: realPath(folder) });
  }
  return roots;
}

/**
 * The path as the file system resolves it: symlinks followed at every level. For a path that does not
 * exist (yet), its deepest existing ancestor is resolved and the rest appended; a dangling symlink is
 * followed to where it points. `..` is applied to the text first, as Node's path functions (and so
 * every later open of the same input) do.
 */
export function realPath(path: string, depth = 0): string {
  const abs = resolve(path);
  try {
    return realpathSync.native(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
  }
  const parent = dirname(abs);
  if (parent === abs) return abs;
  const realParent = realPath(parent, depth);
  const leaf = join(realParent, basename(abs));
  const stat = lstatSync(leaf, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink() && depth < 40) {
    return realPath(resolve(realParent, readlinkSync(leaf)), depth + 1);
  }
  return leaf;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}

/**
 * Resolves a path input (relative to `base`) and checks it against the roots; returns the real path.
 * Refused with an InputError naming the input, the value, where it leads and the allowed roots.
 */
export function checkedPath(input: string, value: string, base: string, roots: PathRoots): string {
  let real: string;
  try {
    real = realPath(resolve(base, value));
  } catch (error) {
    throw new InputError(
      input,
      value,
      `cannot be resolved (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      "Give a path to a file or folder this job may read.",
    );
  }
  if (roots.some((root) => isInside(real, root.path))) return real;
  throw new InputError(
    input,
    value,
    `leads outside the folders actions may use (it resolves to ${real})`,
    `Allowed: ${describeRoots(roots)}. Keep the file inside the workspace, or add its folder to 'path-roots'.`,
  );
}

/** A file an action reads that no input names (a lockfile found in working-directory): the same rule. */
export function checkedFile(description: string, path: string, roots: PathRoots): string {
  const real = realPath(path);
  if (roots.some((root) => isInside(real, root.path))) return real;
  throw new ConfigurationError(
    `${description} leads outside the folders actions may use (it resolves to ${real}). Allowed: ${describeRoots(roots)}. Commit the file itself instead of a symlink, or add its folder to 'path-roots'.`,
  );
}

/** Checks every value of several path inputs (input name → values), relative to `base`. */
export function checkPathInputs(
  values: Record<string, readonly string[]>,
  base: string,
  roots: PathRoots,
): void {
  for (const [input, list] of Object.entries(values)) {
    for (const value of list) checkedPath(input, value, base, roots);
  }
}

function describeRoots(roots: PathRoots): string {
  return roots.map((root) => `${root.name} (${root.path})`).join(", ");
}

/** The `working-directory` input, resolved and checked, with the roots the action's other paths may use. */
export interface WorkingDirectory {
  /** As given (relative to the workspace, or absolute). */
  input: string;
  /** Absolute: `input` resolved against the workspace. */
  path: string;
  /** Where path inputs may lead: the workspace, $RUNNER_TEMP and the `path-roots` lines. */
  roots: PathRoots;
}

/** One rule for every action's `working-directory`: inside the allowed roots, relative to the workspace. */
export function checkedWorkingDirectory(
  env: NodeJS.ProcessEnv,
  input: string,
  pathRootLines: readonly string[],
): WorkingDirectory {
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const roots = pathRoots(env, pathRootLines);
  checkedPath("working-directory", input, workspace, roots);
  return { input, path: resolve(workspace, input), roots };
}
