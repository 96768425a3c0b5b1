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
  managerSpec,
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
  const spec = managerSpec(layout.manager);
  core.info(`Manager: ${layout.manager} (${layout.lockfiles.join(", ")}).`);
  const tool =
    spec.installHint === undefined ? undefined : requireTool(layout.manager, layout.lockfiles[0] ?? "");

  const interpreter = spec.usesInterpreter ? await findInterpreter(inputs, cwd) : undefined;
  if (interpreter) core.info(`Python ${interpreter.version} at ${interpreter.path}.`);
  await checkLockfile(layout, cwd, interpreter?.path);

  const root = join(
    process.env.RUNNER_TEMP ?? join(cwd, ".."),
    "mlops-setup-env",
    slug(inputs.workingDirectoryName),
  );
  const environmentPath = join(root, spec.environmentDir);
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
  core.exportVariable(spec.activateVariable, environmentPath);

  const dataCacheHit = inputs.dataPaths.length > 0 ? await dataCache(inputs, cwd, inputs.cache) : false;
  return { pythonPath, cacheHit, envDigest, dataCacheHit, manager: layout.manager };
}

function requireTool(manager: Manager, file: string): string {
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
  const { query, fallback, disabledBy } = managerSpec(manager).downloadCache;
  if (disabledBy !== undefined && process.env[disabledBy]) return undefined;
  let dir: string | undefined;
  if (query !== undefined) {
    // python3 -m pip: pip's own setting (PIP_CACHE_DIR, pip.conf) decides; Debian's /usr/bin/python3 answers too.
    const command = query.command === "tool" ? (tool ?? manager) : "python3";
    const result = await capture(command, [...query.args], { cwd }).catch(() => undefined);
    const answer = result?.code === 0 ? result.stdout.trim().split("\n").pop()?.trim() : undefined;
    dir = answer === "" ? undefined : answer;
  }
  return dir ?? (fallback === undefined ? undefined : join(root, fallback));
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
  const { cwd, environmentPath, interpreter } = where;
  const spec = managerSpec(layout.manager);
  await rm(environmentPath, { recursive: true, force: true });
  const bin = join(environmentPath, "bin");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VIRTUAL_ENV: environmentPath,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
  };
  const cacheVariable = spec.downloadCache.variable;
  if (where.downloadDir && cacheVariable !== undefined) env[cacheVariable] = where.downloadDir;

  if (spec.environment === "venv")
    await makeVenv(interpreter, inputs.systemSitePackages, environmentPath, cwd, env);
  const command = spec.install({
    python: join(bin, "python"),
    tool: where.tool ?? layout.manager,
    interpreter: interpreter?.path,
    environmentPath,
    lockfiles: layout.lockfiles,
    requirements: layout.requirements,
    extraArgs: inputs.extraArgs,
  });
  const hint = command.hint;
  await step(command.command, command.args, cwd, { ...env, ...command.env }, () => hint ?? "");
}

async function makeVenv(
  interpreter: Interpreter | undefined,
  systemSitePackages: boolean,
  environmentPath: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  if (interpreter === undefined) throw new Error("a venv needs an interpreter");
  const venvArgs = ["-m", "venv", ...(systemSitePackages ? ["--system-site-packages"] : []), environmentPath];
  await step(interpreter.path, venvArgs, cwd, env, () =>
    interpreter.path.startsWith("/usr/bin/")
      ? " Debian and Ubuntu's Python needs the python3-venv package for 'python -m venv': apt-get install python3-venv."
      : "",
  );
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
