// Runs a JavaScript action (runs.main, then runs.post) in a child Node 24 process the way the GitHub runner
// does: same INPUT_/GITHUB_/RUNNER_ variables, fresh environment files per step, workflow commands parsed
// from the output, secrets masked, SIGINT then SIGTERM on cancel or timeout.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { githubContext } from "./github-context.ts";
import { buildPayload, deriveFromEvent, type EventOptions, type GitHubOptions } from "./events.ts";
import {
  evaluateCondition,
  evaluateTemplate,
  type ExpressionContexts,
  type StepStatus,
} from "./expressions.ts";
import { parseKeyValueFile, parsePathFile } from "./file-commands.ts";
import { loadActionManifest, resolveActionDir, type ActionManifest } from "./manifest.ts";
import { RUNNER_GRACE, freshDir, killGroup, signalLadder, trackingId } from "./housekeeping.ts";
import { findNode24 } from "./node.ts";
import { CommandProcessor, SecretMasker, type Annotation, type Group } from "./workflow-commands.ts";

export interface RunActionOptions {
  /** "train-model" → actions/train-model/; a path with a slash → relative to the repository root; or absolute. */
  action: string;
  /** As in `with:`. Undeclared names are passed on and warned about, as the runner does. */
  inputs?: Record<string, string>;
  /** Default: a push to a branch. */
  event?: EventOptions;
  /** Extra environment (service URLs, ACTIONS_RUNTIME_TOKEN…), like a workflow's `env:`. As on the runner,
   * it cannot override the GITHUB_* / RUNNER_* variables derived from `github` and the event. */
  env?: Record<string, string>;
  /** GITHUB_WORKSPACE and the working directory; default a fresh temp dir. */
  workspace?: string;
  /** RUNNER_TEMP; default a fresh temp dir. */
  runnerTemp?: string;
  github?: GitHubOptions;
  /** GITHUB_ACTION (the step id); default "__self". */
  stepId?: string;
  /** Per step (main and post each), like `timeout-minutes`. Default 10 minutes. */
  timeoutMs?: number;
  /** Cancels the run as the runner cancels a job: SIGINT, then SIGTERM, then SIGKILL. Post still runs if its
   * post-if allows (default always()). */
  signal?: AbortSignal;
  /** How long each signal gets before the next; the runner's values are 7500 ms and 2500 ms. */
  killGraceMs?: { sigint?: number; sigterm?: number };
  /** Called with each step process's pid (its process group id) once it is spawned: lets a test kill -9 it. */
  onSpawn?: (pid: number) => void;
  /** Default true when action.yml declares post:, honouring post-if (default always()). */
  runPost?: boolean;
  /** RUNNER_DEBUG=1 (core.isDebug()). */
  debug?: boolean;
  /** Throw before running when a required input is missing or an input is undeclared. */
  strictInputs?: boolean;
  /** Copy the step's (masked) output to this process's stderr; default when RIG_ECHO=1. */
  echo?: boolean;
}

export type StepConclusion = StepStatus;

export interface ActionResult {
  /** The process exit code; 128 + signal number when a signal ended it. */
  exitCode: number;
  /** The signal that ended the process, if one did. */
  signal?: NodeJS.Signals;
  /** What the runner would make of the step: failure on a non-zero exit, a timeout or a bad file command. */
  conclusion: StepConclusion;
  timedOut: boolean;
  cancelled: boolean;
  /** From GITHUB_OUTPUT and the deprecated ::set-output (the file wins, as the runner reads it last). */
  outputs: Record<string, string>;
  /** From GITHUB_ENV. */
  env: Record<string, string>;
  /** From GITHUB_PATH. */
  path: string[];
  /** From GITHUB_STATE and ::save-state; main's state reaches post as STATE_<name>. */
  state: Record<string, string>;
  /** GITHUB_STEP_SUMMARY, masked; "" when over the runner's 1 MiB limit (an error annotation says so). */
  summary: string;
  /** Workflow-command annotations, plus the runner's own warnings and errors, messages masked. */
  annotations: Annotation[];
  /** ::group:: sections of stdout with their (masked) lines. */
  groups: Group[];
  /** Values registered with ::add-mask:: (and the token) so far in the job. */
  masks: string[];
  /** Masked, line by line from the moment a value was registered, as in the job log. */
  stdout: string;
  stderr: string;
  /** Things the real runner accepts silently but a test likely wants to know (missing required input,
   * output not declared in action.yml). */
  rigWarnings: string[];
  post?: ActionResult;
  /** post-if and its value, when action.yml declares post:. */
  postCondition?: { expression: string; ran: boolean };
  /** The INPUT_* and other variables the step ran with (for debugging tests). */
  processEnv: Record<string, string>;
  durationMs: number;
  files: { runnerTemp: string; workspace: string; eventPath: string };
}

const defaultToken = "ghs_rigDefaultToken0000000000000000000000";
const defaultTimeoutMs = 600_000;
const summaryLimitBytes = 1024 * 1024;
/** Variables of the machine that must not reach the action: they belong to the job being simulated. */
const privateVariable =
  /^(?:GITHUB_|INPUT_|STATE_|ACTIONS_|RUNNER_|VITEST|npm_)|^(?:CI|NODE_OPTIONS|NODE_ICU_DATA)$/;

export async function runAction(options: RunActionOptions): Promise<ActionResult> {
  const manifest = loadActionManifest(resolveActionDir(options.action));
  const { runs } = manifest;
  if (!runs.using.startsWith("node") || runs.main === undefined) {
    throw new Error(
      `${manifest.file}: runs.using is '${runs.using}'${runs.main === undefined ? " without runs.main" : ""}; ` +
        "the rig runs JavaScript actions (using: node24 with main:). Test composite actions through their steps.",
    );
  }
  const mainScript = scriptPath(manifest, "main", runs.main);
  const postScript = runs.post === undefined ? undefined : scriptPath(manifest, "post", runs.post);
  const node = findNode24();

  const workspace = resolve(options.workspace ?? freshDir("workspace"));
  const runnerTemp = resolve(options.runnerTemp ?? freshDir("temp"));
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });

  const github = options.github ?? {};
  const event: EventOptions = options.event ?? { name: "push" };
  const payload = buildPayload(event, github);
  const eventPath = join(runnerTemp, "_github_workflow", "event.json");
  mkdirSync(dirname(eventPath), { recursive: true });
  writeFileSync(eventPath, JSON.stringify(payload, null, 2));
  const derived = deriveFromEvent(event.name, payload, github);

  const token = github.token ?? defaultToken;
  const workflow = github.workflow ?? "CI";
  const context = githubContext({
    token,
    github,
    derived,
    payload,
    eventName: event.name,
    eventPath,
    workspace,
    job: github.job ?? "test",
    workflow,
    action: { id: options.stepId ?? "__self", path: manifest.dir },
  });
  const runnerContext = {
    arch: "X64",
    debug: options.debug === true ? "1" : "",
    environment: "github-hosted",
    name: "GitHub Actions 1",
    os: "Linux",
    temp: runnerTemp,
    tool_cache: join(runnerTemp, "_tool"),
  };
  const contexts: ExpressionContexts = {
    github: context,
    runner: runnerContext,
    env: options.env ?? {},
    inputs: options.inputs ?? {},
    job: { status: "success" },
    steps: {},
    secrets: { GITHUB_TOKEN: token },
    vars: {},
    strategy: {},
    matrix: {},
  };

  const runnerAnnotations: Annotation[] = [];
  const rigWarnings: string[] = [];
  const inputs = resolveInputs(manifest, options.inputs ?? {}, contexts, runnerAnnotations, rigWarnings);
  if (options.strictInputs === true && rigWarnings.length > 0) {
    throw new Error(`strictInputs: ${rigWarnings.join(" ")}`);
  }
  if (runs.pre !== undefined) {
    runnerAnnotations.push({
      level: "warning",
      message: `\`pre\` execution is not supported for local action from '${manifest.dir}'`,
    });
  }

  const runtimeVariables: Record<string, string> = {
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_ACTION: context.action,
    GITHUB_ACTION_PATH: manifest.dir,
    GITHUB_ACTION_REF: "",
    GITHUB_ACTION_REPOSITORY: "",
    GITHUB_ACTOR: derived.actor,
    GITHUB_ACTOR_ID: derived.actorId,
    GITHUB_API_URL: context.api_url,
    GITHUB_BASE_REF: derived.baseRef,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_GRAPHQL_URL: context.graphql_url,
    GITHUB_HEAD_REF: derived.headRef,
    GITHUB_JOB: context.job,
    GITHUB_REF: derived.ref,
    GITHUB_REF_NAME: derived.refName,
    GITHUB_REF_PROTECTED: "false",
    GITHUB_REF_TYPE: derived.refType,
    GITHUB_REPOSITORY: derived.repository,
    GITHUB_REPOSITORY_ID: derived.repositoryId,
    GITHUB_REPOSITORY_OWNER: context.repository_owner,
    GITHUB_REPOSITORY_OWNER_ID: derived.repositoryOwnerId,
    GITHUB_RETENTION_DAYS: "90",
    GITHUB_RUN_ATTEMPT: context.run_attempt,
    GITHUB_RUN_ID: context.run_id,
    GITHUB_RUN_NUMBER: context.run_number,
    GITHUB_SERVER_URL: context.server_url,
    GITHUB_SHA: derived.sha,
    GITHUB_TRIGGERING_ACTOR: derived.actor,
    GITHUB_WORKFLOW: workflow,
    GITHUB_WORKFLOW_REF: context.workflow_ref,
    GITHUB_WORKFLOW_SHA: derived.sha,
    GITHUB_WORKSPACE: workspace,
    RUNNER_ARCH: runnerContext.arch,
    RUNNER_ENVIRONMENT: runnerContext.environment,
    RUNNER_NAME: runnerContext.name,
    RUNNER_OS: runnerContext.os,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: runnerContext.tool_cache,
    RUNNER_WORKSPACE: dirname(workspace),
    RUNNER_TRACKING_ID: trackingId(),
    ...(options.debug === true ? { RUNNER_DEBUG: "1" } : {}),
  };

  const masker = new SecretMasker();
  masker.add(token);
  const step = {
    node,
    workspace,
    runnerTemp,
    eventPath,
    masker,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    sigintMs: options.killGraceMs?.sigint ?? RUNNER_GRACE.sigintMs,
    sigtermMs: options.killGraceMs?.sigterm ?? RUNNER_GRACE.sigtermMs,
    echo: options.echo ?? process.env.RIG_ECHO === "1",
    groups: [] as number[],
    onSpawn: options.onSpawn,
  };
  const machineEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !privateVariable.test(entry[0]),
    ),
  );
  const inputVariables = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      `INPUT_${name.replaceAll(" ", "_").toUpperCase()}`,
      value,
    ]),
  );
  const stepEnv = (jobEnv: Record<string, string>, state: Record<string, string>, prependPath: string[]) => {
    const env: Record<string, string> = { ...machineEnv, ...(options.env ?? {}), ...jobEnv };
    for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value;
    Object.assign(env, inputVariables);
    if (prependPath.length > 0) env.PATH = [...[...prependPath].reverse(), env.PATH ?? ""].join(delimiter);
    Object.assign(env, runtimeVariables);
    return env;
  };

  try {
    const main = await runStep(step, "main", mainScript, stepEnv({}, {}, []), options.signal);
    main.annotations.unshift(...runnerAnnotations);
    const declared = new Set(Object.keys(manifest.outputs));
    for (const name of Object.keys(main.outputs)) {
      if (!declared.has(name)) rigWarnings.push(`Output '${name}' is not declared in ${manifest.file}.`);
    }
    const result: ActionResult = { ...main, rigWarnings };
    if (postScript !== undefined) {
      const expression = runs["post-if"] ?? "always()";
      const ran = options.runPost !== false && evaluateCondition(expression, contexts, main.conclusion);
      result.postCondition = { expression, ran };
      if (ran) {
        const post = await runStep(
          step,
          "post",
          postScript,
          stepEnv(main.env, main.state, main.path),
          undefined,
        );
        result.post = { ...post, rigWarnings: [] };
      }
    }
    return result;
  } finally {
    // Like the runner at the end of a job: processes the action left behind are killed.
    for (const group of step.groups) killGroup(group, "SIGKILL");
  }
}

function scriptPath(manifest: ActionManifest, stage: "main" | "post", script: string): string {
  const path = resolve(manifest.dir, script);
  if (!existsSync(path)) {
    throw new Error(
      `${manifest.file}: runs.${stage} is '${script}', but ${path} does not exist. ` +
        "Build the bundles first (npm run build) or fix the path.",
    );
  }
  return path;
}

/** The runner's input handling: `with:` values as given, defaults (with expressions) for the rest. */
function resolveInputs(
  manifest: ActionManifest,
  given: Record<string, string>,
  contexts: ExpressionContexts,
  annotations: Annotation[],
  rigWarnings: string[],
): Record<string, string> {
  const inputs: Record<string, string> = { ...given };
  const declaredNames = Object.keys(manifest.inputs);
  const isGiven = (name: string) =>
    Object.keys(given).some((key) => key.toLowerCase() === name.toLowerCase());
  for (const name of Object.keys(given)) {
    const declared = declaredNames.find((key) => key.toLowerCase() === name.toLowerCase());
    const message = declared === undefined ? undefined : manifest.inputs[declared]?.deprecationMessage;
    if (message !== undefined) {
      annotations.push({
        level: "warning",
        message: `Input '${name}' has been deprecated with message: ${message}`,
      });
    }
  }
  for (const [name, spec] of Object.entries(manifest.inputs)) {
    if (isGiven(name)) continue;
    inputs[name] = spec.default === undefined ? "" : evaluateTemplate(spec.default, contexts);
    if (spec.required && spec.default === undefined) {
      rigWarnings.push(
        `Required input '${name}' was not given and has no default (the runner passes "" without a warning).`,
      );
    }
  }
  const unexpected = Object.keys(given).filter(
    (name) => !declaredNames.some((key) => key.toLowerCase() === name.toLowerCase()),
  );
  if (unexpected.length > 0) {
    annotations.push({
      level: "warning",
      message: `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${declaredNames.join("', '")}']`,
    });
    rigWarnings.push(`Input(s) '${unexpected.join("', '")}' are not declared in ${manifest.file}.`);
  }
  return inputs;
}

interface StepSettings {
  node: string;
  workspace: string;
  runnerTemp: string;
  masker: SecretMasker;
  timeoutMs: number;
  sigintMs: number;
  sigtermMs: number;
  echo: boolean;
  groups: number[];
  eventPath: string;
  onSpawn: ((pid: number) => void) | undefined;
}

type StepResult = Omit<ActionResult, "rigWarnings" | "post" | "postCondition">;

const fileCommands = {
  GITHUB_OUTPUT: "set_output_",
  GITHUB_ENV: "set_env_",
  GITHUB_STATE: "save_state_",
  GITHUB_PATH: "add_path_",
  GITHUB_STEP_SUMMARY: "step_summary_",
} as const;

async function runStep(
  settings: StepSettings,
  stage: "main" | "post",
  script: string,
  baseEnv: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<StepResult> {
  const commandDir = join(settings.runnerTemp, "_runner_file_commands");
  mkdirSync(commandDir, { recursive: true });
  const suffix = randomUUID();
  const files = Object.fromEntries(
    Object.entries(fileCommands).map(([variable, prefix]) => [variable, join(commandDir, prefix + suffix)]),
  ) as Record<keyof typeof fileCommands, string>;
  for (const file of Object.values(files)) writeFileSync(file, "");
  const env = { ...baseEnv, ...files };

  const processor = new CommandProcessor(settings.masker, settings.workspace);
  const started = performance.now();
  const child = spawn(settings.node, [script], {
    cwd: settings.workspace,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that what it leaves behind can be killed with it.
    detached: true,
  });
  const pid = child.pid;
  if (pid !== undefined) {
    settings.groups.push(pid);
    settings.onSpawn?.(pid);
  }

  const logs = { stdout: [] as string[], stderr: [] as string[] };
  const collect = (stream: NodeJS.ReadableStream, name: "stdout" | "stderr") => {
    let pending = "";
    const handle = (line: string) => {
      const shown = processor.processLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      logs[name].push(shown);
      if (settings.echo) process.stderr.write(`[${basename(dirname(script))}:${stage}:${name}] ${shown}\n`);
    };
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) handle(line);
    });
    return () => {
      if (pending !== "") handle(pending);
      pending = "";
    };
  };
  const flushStdout = collect(child.stdout, "stdout");
  const flushStderr = collect(child.stderr, "stderr");

  let cancelReason: "timeout" | "cancel" | undefined;
  const timers: NodeJS.Timeout[] = [];
  const stop = (reason: "timeout" | "cancel") => {
    if (cancelReason !== undefined || pid === undefined) return;
    cancelReason = reason;
    // The runner signals the step's process only, then kills the whole tree.
    signalLadder(pid, settings, timers);
  };
  timers.push(setTimeout(() => stop("timeout"), settings.timeoutMs));
  const onAbort = () => stop("cancel");
  if (signal?.aborted === true) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });

  const { code, signal: endSignal } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolveExit, rejectExit) => {
    child.once("error", rejectExit);
    child.once("exit", (exitCode, exitSignal) => resolveExit({ code: exitCode, signal: exitSignal }));
  });
  for (const timer of timers) clearTimeout(timer);
  signal?.removeEventListener("abort", onAbort);
  // Output still buffered in the pipes arrives before 'close'; a grandchild holding them open must not hang us.
  await new Promise<void>((resolveClose) => {
    if (child.stdout.readableEnded && child.stderr.readableEnded) {
      resolveClose();
      return;
    }
    const timer = setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
      resolveClose();
    }, 2000);
    child.once("close", () => {
      clearTimeout(timer);
      resolveClose();
    });
  });
  flushStdout();
  flushStderr();
  const durationMs = Math.round(performance.now() - started);

  const { effects } = processor;
  const annotations = effects.annotations;
  let failed = effects.failed;
  const readCommandFile = <T>(
    variable: keyof typeof fileCommands,
    kind: string,
    parse: (text: string) => T,
  ) => {
    try {
      return parse(readFileSync(files[variable], "utf8"));
    } catch (error) {
      annotations.push({ level: "error", message: `Unable to process file command '${kind}' successfully.` });
      annotations.push({ level: "error", message: settings.masker.mask((error as Error).message) });
      failed = true;
      return undefined;
    }
  };
  const fileOutputs = readCommandFile("GITHUB_OUTPUT", "output", (text) => parseKeyValueFile(text, "output"));
  const fileEnv = readCommandFile("GITHUB_ENV", "env", (text) =>
    parseKeyValueFile(text, "environment variable"),
  );
  const fileState = readCommandFile("GITHUB_STATE", "state", (text) => parseKeyValueFile(text, "state"));
  const path = readCommandFile("GITHUB_PATH", "path", parsePathFile) ?? [];
  let summary = readFileSync(files.GITHUB_STEP_SUMMARY, "utf8");
  const summaryBytes = Buffer.byteLength(summary);
  if (summaryBytes > summaryLimitBytes) {
    annotations.push({
      level: "error",
      message: `$GITHUB_STEP_SUMMARY supports content up a size of ${summaryLimitBytes / 1024}k got ${Math.floor(summaryBytes / 1024)}k`,
    });
    summary = "";
  }

  if (cancelReason === "timeout") {
    annotations.push({ level: "error", message: "The action has timed out." });
  } else if (cancelReason === "cancel") {
    annotations.push({ level: "error", message: "The operation was canceled." });
  }
  const exitCode = code ?? 128 + (endSignal === null ? 0 : constants.signals[endSignal]);
  const conclusion: StepConclusion =
    cancelReason === "cancel"
      ? "cancelled"
      : exitCode !== 0 || failed || cancelReason === "timeout"
        ? "failure"
        : "success";
  const asLog = (lines: string[]) => (lines.length === 0 ? "" : `${lines.join("\n")}\n`);
  return {
    exitCode,
    ...(endSignal === null ? {} : { signal: endSignal }),
    conclusion,
    timedOut: cancelReason === "timeout",
    cancelled: cancelReason === "cancel",
    outputs: { ...effects.outputs, ...fileOutputs },
    env: fileEnv ?? {},
    path,
    state: { ...effects.state, ...fileState },
    summary: settings.masker.mask(summary),
    annotations,
    groups: effects.groups,
    masks: [...settings.masker.values],
    stdout: asLog(logs.stdout),
    stderr: asLog(logs.stderr),
    processEnv: env,
    durationMs,
    files: { runnerTemp: settings.runnerTemp, workspace: settings.workspace, eventPath: settings.eventPath },
  };
}
