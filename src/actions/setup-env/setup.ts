// The install step of setup-env: find the interpreter, check the lockfile against its manifest, restore the
// environment by its exact key or build it (download cache restored by prefix), save it on a miss, and put
// it on PATH for later steps. A composite action has no post step, so saving happens here, right after a
// successful install.
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import { arch, platform } from "node:os";
import { join, relative, resolve } from "node:path";
import * as core from "@actions/core";
import { restoreCache, saveCache } from "../../lib/cache.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { checkedFile } from "../../workspace/paths.ts";
import {
  dataCacheKey,
  downloadCacheKeys,
  environmentCacheKey,
  environmentDigest,
  type EnvironmentIdentity,
  type LockfileDigest,
} from "../../python-env/cache-keys.ts";
import {
  detectProject,
  findOnPath,
  managerNotInstalled,
  type Manager,
  type ProjectLayout,
} from "../../python-env/managers.ts";
import { resolvePythonRequest, versionSatisfies } from "../../python-env/python-version.ts";
import type { SetupEnvInputs } from "./inputs.ts";
import { checkLockfile } from "./lockfile.ts";
import { capture, commandLine, stream } from "./processes.ts";

export interface SetupEnvResult {
  pythonPath: string;
  cacheHit: boolean;
  envDigest: string;
  dataCacheHit: boolean;
  manager: Manager;
}

interface Interpreter {
  /** As invoked. */
  path: string;
  version: string;
  /** sys.executable through its symlinks: what a venv's pyvenv.cfg points at. */
  realPath: string;
}

const PROBE = `import json, os, sys
print(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "realPath": os.path.realpath(sys.executable)}))`;

export async function setupEnvironment(inputs: SetupEnvInputs): Promise<SetupEnvResult> {
  const cwd = inputs.workingDirectory;
  if (!existsSync(cwd)) {
    throw new ConfigurationError(
      `working-directory '${inputs.workingDirectoryName}' does not exist. Check out the repository first (actions/checkout) or fix the path.`,
    );
  }
  const layout = detectProject(readdirSync(cwd), inputs.manager);
  // Read (and quoted in errors) below: a symlinked lockfile must not lead out of the allowed folders.
  for (const name of [
    ...layout.lockfiles,
    ...layout.requirements.map((txt) => txt.replace(/\.txt$/, ".in")),
  ]) {
    checkedFile(name, join(cwd, name), inputs.pathRoots);
  }
  core.info(`Manager: ${layout.manager} (${layout.lockfiles.join(", ")}).`);
  const tool = layout.manager === "pip" ? undefined : requireTool(layout.manager, layout.lockfiles[0] ?? "");

  const interpreter = layout.manager === "micromamba" ? undefined : await findInterpreter(inputs, cwd);
  if (interpreter) core.info(`Python ${interpreter.version} at ${interpreter.path}.`);
  await checkLockfile(layout, cwd, interpreter?.path);

  const root = join(
    process.env.RUNNER_TEMP ?? join(cwd, ".."),
    "mlops-setup-env",
    slug(inputs.workingDirectoryName),
  );
  const environmentPath = join(root, layout.manager === "micromamba" ? "env" : "venv");
  const identity: EnvironmentIdentity = {
    os: process.env.RUNNER_OS ?? platform(),
    arch: process.env.RUNNER_ARCH ?? arch(),
    imageOs: process.env.ImageOS,
    imageVersion: process.env.ImageVersion,
    pythonVersion: interpreter?.version ?? "conda",
    interpreterPath: interpreter?.realPath ?? "",
    environmentPath,
    manager: layout.manager,
    lockfiles: await digestLockfiles(cwd, layout.lockfiles),
    extraArgs: inputs.extraArgs,
    systemSitePackages: inputs.systemSitePackages,
  };
  const envDigest = environmentDigest(identity);
  const pythonPath = join(environmentPath, "bin", "python");

  let cacheHit = false;
  if (inputs.cache) cacheHit = await restoreEnvironment(identity, pythonPath);
  if (!cacheHit) {
    const downloads = inputs.cache ? await restoreDownloads(identity, layout, root, cwd, tool) : undefined;
    await install(layout, inputs, {
      cwd,
      root,
      environmentPath,
      interpreter,
      tool,
      downloadDir: downloads?.dir,
    });
    if (inputs.cache) {
      const { key } = environmentCacheKey(identity);
      if (await saveCache([environmentPath], key)) core.info(`Saved the environment as ${key}.`);
      if (downloads && downloads.matched !== downloads.key && existsSync(downloads.dir)) {
        if (await saveCache([downloads.dir], downloads.key))
          core.info(`Saved the download cache as ${downloads.key}.`);
      }
    }
  }

  core.addPath(join(environmentPath, "bin"));
  if (layout.manager === "micromamba") core.exportVariable("CONDA_PREFIX", environmentPath);
  else core.exportVariable("VIRTUAL_ENV", environmentPath);

  const dataCacheHit = inputs.dataPaths.length > 0 ? await dataCache(inputs, cwd, inputs.cache) : false;
  return { pythonPath, cacheHit, envDigest, dataCacheHit, manager: layout.manager };
}

function requireTool(manager: Exclude<Manager, "pip">, file: string): string {
  const found = findOnPath(manager, process.env.PATH ?? "", isExecutable);
  if (found === undefined) throw managerNotInstalled(manager, `it has ${file}`);
  return found;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The interpreter: a path given as python-version, else setup-python's ($pythonLocation), else python3. */
async function findInterpreter(inputs: SetupEnvInputs, cwd: string): Promise<Interpreter> {
  const dotFile = join(cwd, ".python-version");
  const request = resolvePythonRequest(
    inputs.pythonVersion,
    existsSync(dotFile) ? readFileSync(dotFile, "utf8") : undefined,
  );
  let path: string;
  if (request.kind === "interpreter") path = request.path;
  else if (process.env.pythonLocation) path = join(process.env.pythonLocation, "bin", "python");
  else {
    const onPath = findOnPath("python3", process.env.PATH ?? "", isExecutable);
    if (onPath === undefined) {
      throw new ConfigurationError(
        "No Python found: run actions/setup-python before this step (the setup-env composite does), or give 'python-version' as an interpreter path.",
      );
    }
    path = onPath;
  }
  const probe = await capture(path, ["-c", PROBE]).catch((error: unknown) => ({
    code: 127,
    stdout: "",
    stderr: String(error),
  }));
  if (probe.code !== 0) {
    throw new ConfigurationError(
      `The Python interpreter '${path}' does not run (${probe.stderr.trim() || `exit code ${probe.code}`}). Give an existing interpreter, or a version for actions/setup-python.`,
    );
  }
  const facts = JSON.parse(probe.stdout) as { version: string; realPath: string };
  if (request.kind === "version" && !versionSatisfies(request.spec, facts.version)) {
    const from = request.source === "input" ? "python-version" : request.source;
    throw new ConfigurationError(
      `${from} asks for Python ${request.spec}, but the interpreter at ${path} is ${facts.version}. Run actions/setup-python with python-version: ${request.spec} before this step (the setup-env composite does), or change ${from}.`,
    );
  }
  return { path, version: facts.version, realPath: facts.realPath };
}

async function digestLockfiles(cwd: string, files: readonly string[]): Promise<LockfileDigest[]> {
  return Promise.all(
    files.map(async (path) => ({
      path,
      sha256: createHash("sha256")
        .update(await readFile(join(cwd, path)))
        .digest("hex"),
    })),
  );
}

/** Exact key only; a restored environment whose interpreter no longer runs is discarded and rebuilt. */
async function restoreEnvironment(identity: EnvironmentIdentity, pythonPath: string): Promise<boolean> {
  const { key } = environmentCacheKey(identity);
  // Files left from another environment at the same path would survive the extraction.
  await rm(identity.environmentPath, { recursive: true, force: true });
  const matched = await restoreCache([identity.environmentPath], key);
  if (matched === undefined) {
    core.info(`No environment cached as ${key}: installing.`);
    return false;
  }
  if (matched !== key) {
    core.info(`The cache offered ${matched} for ${key}; an environment is only reused on an exact match.`);
    await rm(identity.environmentPath, { recursive: true, force: true });
    return false;
  }
  const check = await capture(pythonPath, ["-c", "import sys"]).catch(() => ({
    code: 127,
    stdout: "",
    stderr: "",
  }));
  if (check.code !== 0) {
    core.warning(`The cached environment ${key} does not run (${check.stderr.trim()}); reinstalling.`);
    await rm(identity.environmentPath, { recursive: true, force: true });
    return false;
  }
  core.info(`Restored the environment from ${key}.`);
  return true;
}

interface Downloads {
  dir: string;
  key: string;
  matched: string | undefined;
}

/** The manager's download cache, restored by prefix: any earlier entry spares downloads. */
async function restoreDownloads(
  identity: EnvironmentIdentity,
  layout: ProjectLayout,
  root: string,
  cwd: string,
  tool: string | undefined,
): Promise<Downloads | undefined> {
  const dir = await downloadDir(layout.manager, root, cwd, tool);
  if (dir === undefined) return undefined;
  const { key, restoreKeys } = downloadCacheKeys(identity);
  const matched = await restoreCache([dir], key, restoreKeys);
  core.info(matched ? `Restored the download cache from ${matched}.` : `No download cache for ${key}.`);
  return { dir, key, matched };
}

async function downloadDir(
  manager: Manager,
  root: string,
  cwd: string,
  tool: string | undefined,
): Promise<string | undefined> {
  const ask = async (command: string, args: string[]): Promise<string | undefined> => {
    const result = await capture(command, args, { cwd }).catch(() => undefined);
    const dir = result?.code === 0 ? result.stdout.trim().split("\n").pop()?.trim() : undefined;
    return dir === "" ? undefined : dir;
  };
  switch (manager) {
    case "pip":
    case "pipenv":
      // pip's own setting (PIP_CACHE_DIR, pip.conf) decides; Debian's /usr/bin/python3 -m pip answers too.
      return process.env.PIP_NO_CACHE_DIR
        ? undefined
        : ((await ask("python3", ["-m", "pip", "cache", "dir"])) ?? join(root, "pip-cache"));
    case "poetry":
      return ask(tool ?? "poetry", ["config", "cache-dir"]);
    case "uv":
      return ask(tool ?? "uv", ["cache", "dir"]);
    case "micromamba":
      return join(root, "pkgs");
  }
}

async function install(
  layout: ProjectLayout,
  inputs: SetupEnvInputs,
  where: {
    cwd: string;
    root: string;
    environmentPath: string;
    interpreter: Interpreter | undefined;
    tool: string | undefined;
    downloadDir: string | undefined;
  },
): Promise<void> {
  const { cwd, environmentPath, interpreter, tool } = where;
  await rm(environmentPath, { recursive: true, force: true });
  const bin = join(environmentPath, "bin");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VIRTUAL_ENV: environmentPath,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
  };
  if (where.downloadDir && (layout.manager === "pip" || layout.manager === "pipenv"))
    env.PIP_CACHE_DIR = where.downloadDir;
  const python = join(bin, "python");

  if (layout.manager !== "uv" && layout.manager !== "micromamba") {
    if (interpreter === undefined) throw new Error("a venv needs an interpreter");
    const venvArgs = [
      "-m",
      "venv",
      ...(inputs.systemSitePackages ? ["--system-site-packages"] : []),
      environmentPath,
    ];
    await step(interpreter.path, venvArgs, cwd, env, () =>
      interpreter.path.startsWith("/usr/bin/")
        ? " Debian and Ubuntu's Python needs the python3-venv package for 'python -m venv': apt-get install python3-venv."
        : "",
    );
  }
  const extra = inputs.extraArgs;
  switch (layout.manager) {
    case "pip": {
      const args = ["-m", "pip", "install"];
      if (layout.requirements.length === 0) args.push(".");
      for (const file of layout.requirements) args.push("-r", file);
      await step(python, [...args, ...extra], cwd, env);
      return;
    }
    case "pipenv":
      // --deploy: pipenv itself refuses a Pipfile.lock that is out of date.
      await step(tool ?? "pipenv", ["install", "--deploy", ...extra], cwd, {
        ...env,
        PIPENV_VERBOSITY: "-1",
      });
      return;
    case "poetry":
      await step(tool ?? "poetry", ["install", "--no-interaction", ...extra], cwd, env);
      return;
    case "uv":
      if (interpreter === undefined) throw new Error("uv needs an interpreter");
      await step(
        tool ?? "uv",
        ["sync", "--locked", "--python", interpreter.path, ...extra],
        cwd,
        {
          ...env,
          UV_PROJECT_ENVIRONMENT: environmentPath,
          ...(where.downloadDir ? { UV_CACHE_DIR: where.downloadDir } : {}),
        },
        () => " If uv says the lockfile needs to be updated, run 'uv lock' and commit uv.lock.",
      );
      return;
    case "micromamba":
      await step(
        tool ?? "micromamba",
        [
          "create",
          "--yes",
          "--prefix",
          environmentPath,
          "--file",
          layout.lockfiles[0] ?? "environment.yml",
          ...extra,
        ],
        cwd,
        { ...env, ...(where.downloadDir ? { CONDA_PKGS_DIRS: where.downloadDir } : {}) },
      );
      return;
  }
}

async function step(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  hint: () => string = () => "",
): Promise<void> {
  const line = commandLine(command, args);
  core.startGroup(line);
  let code: number;
  try {
    code = await stream(command, args, { cwd, env });
  } finally {
    core.endGroup();
  }
  if (code !== 0) {
    throw new ConfigurationError(
      `'${line}' failed with exit code ${code} (its output is in the group above).${hint()}`,
    );
  }
}

/** data-paths, keyed on dvc.lock or the data-manifest file; on a miss with DVC, `dvc pull` fetches them. */
async function dataCache(inputs: SetupEnvInputs, cwd: string, enabled: boolean): Promise<boolean> {
  const manifest = inputs.dataManifest ?? (existsSync(join(cwd, "dvc.lock")) ? "dvc.lock" : undefined);
  if (manifest === undefined) {
    throw new ConfigurationError(
      "'data-paths' is set but there is no data manifest to key its cache on: commit a dvc.lock in working-directory, or set 'data-manifest' to a file that changes whenever the data does (e.g. a sha256sum listing).",
    );
  }
  const manifestFile = checkedFile(manifest, resolve(cwd, manifest), inputs.pathRoots);
  if (!existsSync(manifestFile)) {
    throw new ConfigurationError(
      `data-manifest '${manifest}' does not exist in working-directory '${inputs.workingDirectoryName}'.`,
    );
  }
  const usesDvc = manifest === "dvc.lock";
  const { key } = dataCacheKey({
    manifestPath: manifest,
    manifestSha256: createHash("sha256")
      .update(await readFile(manifestFile))
      .digest("hex"),
    paths: inputs.dataPaths,
  });
  // @actions/cache resolves paths against the workspace; ours are relative to working-directory.
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const paths = inputs.dataPaths.map((p) => relative(workspace, resolve(cwd, p)) || ".");
  if (enabled) {
    const matched = await restoreCache(paths, key);
    if (matched === key) {
      core.info(`Restored ${inputs.dataPaths.join(", ")} from ${key}.`);
      return true;
    }
  }
  if (usesDvc) {
    const dvc = findOnPath("dvc", process.env.PATH ?? "", isExecutable);
    if (dvc === undefined) {
      throw new ConfigurationError(
        "The data is versioned with DVC (dvc.lock) and not cached, but 'dvc' is not installed on this runner. Install it before this step (e.g. 'pipx install dvc[s3]' with your remote's extra), or add it to your dependencies.",
      );
    }
    await step(
      dvc,
      ["pull"],
      cwd,
      process.env,
      () => " Check the DVC remote's credentials and that dvc.lock's outputs were pushed.",
    );
  }
  const missing = inputs.dataPaths.filter((p) => !existsSync(resolve(cwd, p)));
  if (missing.length > 0) {
    core.notice(
      `data-paths not cached: ${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist yet. ` +
        (usesDvc
          ? "dvc pull did not produce them; check that they are outputs in dvc.lock."
          : "Fetch them in a later step and cache them with actions/cache/save under the same data-manifest."),
    );
    return false;
  }
  if (enabled && (await saveCache(paths, key))) core.info(`Saved ${inputs.dataPaths.join(", ")} as ${key}.`);
  return false;
}

function slug(workingDirectory: string): string {
  return workingDirectory === "." ? "root" : workingDirectory.replace(/[^A-Za-z0-9._-]/g, "_");
}
