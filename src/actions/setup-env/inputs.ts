// setup-env's inputs, read and checked once. Names match actions/setup-env/install/action.yml.
import { relative } from "node:path";
import { actionInputs } from "../../lib/action.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { checkPathInputs, checkedWorkingDirectory, type PathRoots } from "../../workspace/paths.ts";
import { MANAGERS, type Manager } from "../../python-env/managers.ts";
import { shellWords } from "../../python-env/shell-words.ts";

export interface SetupEnvInputs {
  /** Raw `python-version`: a version spec, an interpreter path, or undefined (.python-version, else 3.12). */
  pythonVersion: string | undefined;
  manager: Manager | undefined;
  /** Absolute. */
  workingDirectory: string;
  /** Relative to the workspace, for messages and cache keys. */
  workingDirectoryName: string;
  extraArgs: string[];
  /** The venv also sees the interpreter's own site-packages (preinstalled CUDA builds on self-hosted runners). */
  systemSitePackages: boolean;
  cache: boolean;
  /** Relative to workingDirectory. */
  dataPaths: string[];
  /** Relative to workingDirectory; undefined = dvc.lock when present. */
  dataManifest: string | undefined;
  /** Where path inputs, and the lockfiles read, may lead (src/workspace/paths.ts). */
  pathRoots: PathRoots;
}

export function getInputs(env: NodeJS.ProcessEnv = process.env): SetupEnvInputs {
  if (process.platform === "win32") {
    // Environments are laid out the POSIX way (bin/, not Scripts/) and installs run through POSIX shells.
    throw new ConfigurationError(
      "setup-env runs on Linux and macOS runners; Windows runners are not supported. Use actions/setup-python and install your requirements in a run step there.",
    );
  }
  const inputs = actionInputs();
  const { path: workingDirectory, roots } = checkedWorkingDirectory(
    env,
    inputs.string("working-directory", "."),
    inputs.lines("path-roots"),
  );
  const workingDirectoryName = relative(env.GITHUB_WORKSPACE ?? process.cwd(), workingDirectory);
  const manager = inputs.optional("manager");
  const dataPaths = inputs.lines("data-paths");
  const dataManifest = inputs.optional("data-manifest");
  checkPathInputs(
    { "data-paths": dataPaths, "data-manifest": dataManifest === undefined ? [] : [dataManifest] },
    workingDirectory,
    roots,
  );
  return {
    pythonVersion: inputs.optional("python-version"),
    manager: manager === undefined ? undefined : inputs.choice("manager", MANAGERS, "pip"),
    workingDirectory,
    workingDirectoryName: workingDirectoryName === "" ? "." : workingDirectoryName,
    extraArgs: shellWords(inputs.string("extra-args", "")),
    systemSitePackages: inputs.boolean("system-site-packages", false),
    cache: inputs.boolean("cache", true),
    dataPaths,
    dataManifest,
    pathRoots: roots,
  };
}
