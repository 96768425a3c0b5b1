// Job scheduler: runs a workflow file for one event the way GitHub does — trigger check, jobs in `needs:`
// order (independent jobs at the same time, each on a fresh "machine"), job `if:` with status functions
// over the needed jobs, job outputs, and reusable workflows called with `uses:`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import {
  buildPayload,
  deriveFromEvent,
  type EventDerived,
  type EventOptions,
  type GitHubOptions,
} from "../events.ts";
import { freshDir } from "../housekeeping.ts";
import { SecretMasker, type Annotation } from "../workflow-commands.ts";
import { evaluateIf, expand, expandMapping, text, type Contexts } from "./expressions.ts";
import { JobState } from "./job-state.ts";
import { parseWorkflowFile, parseWorkflowText } from "./parser.ts";
import { defaultStandIns, type StandIn } from "./stand-ins.ts";
import { runSteps, type StepRecord } from "./steps.ts";
import { projectRoot, resolveUses } from "./uses.ts";

export interface RunWorkflowOptions {
  /** The workflow file: relative to the repository root (workflows-templates/ml-pr.yml) or absolute. */
  workflow: string;
  event: EventOptions;
  /** repository ("owner/name"), apiUrl (the GitHub double), runId, sha, ref… */
  github?: GitHubOptions;
  /** The fixture repository that the actions/checkout stand-in copies into each job's workspace. */
  repository?: string;
  /** Variables every step gets from the "runner" (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL…). */
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /**
   * The GITHUB_TOKEN of a job, given its `permissions:` (the workflow's when the job has none): lets a
   * test register a token with exactly those scopes in the GitHub double. Default: github.token.
   */
  tokenFor?: (job: { id: string; permissions: unknown }) => string;
  /** Extra or replaced third-party stand-ins, by "owner/repo". */
  standIns?: Record<string, StandIn>;
  /** The interpreter the Python stand-ins link (default /usr/bin/python3). */
  python?: string;
  /** Copy every step's output to stderr; default when RIG_ECHO=1. */
  echo?: boolean;
}

export type JobConclusion = "success" | "failure" | "skipped" | "cancelled";

export interface JobResult {
  result: JobConclusion;
  outputs: Record<string, string>;
  steps: StepRecord[];
  /** The job summary (all steps' GITHUB_STEP_SUMMARY). */
  summary: string;
  /** Errors of the job's steps and the runner's own (a job-level problem). */
  errors: string[];
  permissions: unknown;
  workspace?: string;
  runnerTemp?: string;
  /** For a job that calls a reusable workflow: its jobs. */
  jobs?: Record<string, JobResult>;
}

export interface WorkflowResult {
  /** False when the workflow's `on:` does not match the event (then no job ran). */
  triggered: boolean;
  conclusion: "success" | "failure";
  jobs: Record<string, JobResult>;
  runId: number;
}

interface RunSettings {
  options: RunWorkflowOptions;
  eventName: string;
  payload: Record<string, unknown>;
  derived: EventDerived;
  github: GitHubOptions & { runId: number };
  workflowName: string;
  workflowPath: string;
  machineEnv: Record<string, string>;
  standIns: Record<string, StandIn>;
}

const privateVariable =
  /^(?:GITHUB_|INPUT_|STATE_|ACTIONS_|RUNNER_|VITEST|npm_)|^(?:CI|NODE_OPTIONS|NODE_ICU_DATA)$/;
const defaultToken = "ghs_rigWorkflowToken00000000000000000000";

export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowResult> {
  const file = isAbsolute(options.workflow) ? options.workflow : resolve(projectRoot, options.workflow);
  const github = { ...options.github, runId: options.github?.runId ?? 4_300_000_000 };
  const payload = buildPayload(options.event, github);
  // A starter template says `$default-branch`; GitHub writes the repository's default branch in its place
  // when the template is adopted.
  const defaultBranch =
    text((payload.repository as Record<string, unknown> | undefined)?.default_branch) || "main";
  const parsed = await parseWorkflowText(
    file,
    readFileSync(file, "utf8").replaceAll("$default-branch", defaultBranch),
  );
  if (parsed.errors.length > 0 || parsed.document === undefined) {
    throw new Error(`${file} is not a valid workflow:\n${parsed.errors.join("\n")}`);
  }
  const document = parsed.document;
  const derived = deriveFromEvent(options.event.name, payload, github);
  const settings: RunSettings = {
    options,
    eventName: options.event.name,
    payload,
    derived,
    github,
    workflowName: typeof document.name === "string" ? document.name : relative(projectRoot, file),
    // Where the file lives once adopted: templates and fixtures are copied into .github/workflows/.
    workflowPath: `.github/workflows/${basename(file)}`,
    machineEnv: Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && !privateVariable.test(entry[0]),
      ),
    ),
    standIns: { ...defaultStandIns, ...options.standIns },
  };
  if (!triggers(document.on, settings)) {
    return { triggered: false, conclusion: "success", jobs: {}, runId: github.runId };
  }
  const inputs = dispatchInputs(document.on, settings);
  const jobs = await runJobs(document, settings, { inputs, secrets: options.secrets ?? {} });
  const failed = Object.values(jobs).some((job) => job.result === "failure" || job.result === "cancelled");
  return { triggered: true, conclusion: failed ? "failure" : "success", jobs, runId: github.runId };
}

/** Does `on:` fire for this event (event name, types, branches, workflows filters)? */
function triggers(on: unknown, settings: RunSettings): boolean {
  const { eventName, payload, derived } = settings;
  const events =
    typeof on === "string"
      ? { [on]: null }
      : Array.isArray(on)
        ? Object.fromEntries(on.map((name) => [String(name), null]))
        : ((on ?? {}) as Record<string, unknown>);
  if (!(eventName in events)) return false;
  const filters = (events[eventName] ?? {}) as Record<string, unknown>;
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : undefined);
  const types = list(filters.types);
  if (types !== undefined && !types.includes(String(payload.action))) return false;
  const branch =
    eventName === "pull_request" || eventName === "pull_request_target" ? derived.baseRef : derived.refName;
  const branches = list(filters.branches);
  if (branches !== undefined && !branches.some((pattern) => globMatch(pattern, branch))) return false;
  const workflows = list(filters.workflows);
  if (workflows !== undefined) {
    const name = text((payload.workflow_run as Record<string, unknown> | undefined)?.name);
    if (!workflows.includes(name)) return false;
  }
  return true;
}

function globMatch(pattern: string, value: string): boolean {
  const regex = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${regex}$`).test(value);
}

/** `inputs` of a workflow_dispatch: the payload's strings typed by the declarations, defaults filled in. */
function dispatchInputs(on: unknown, settings: RunSettings): Record<string, unknown> {
  if (settings.eventName !== "workflow_dispatch") return {};
  const declared = (((on ?? {}) as Record<string, unknown>).workflow_dispatch ?? {}) as {
    inputs?: Record<string, { type?: string; default?: unknown }>;
  };
  const given = (settings.payload.inputs ?? {}) as Record<string, unknown>;
  return typedInputs(declared.inputs ?? {}, given);
}

function typedInputs(
  declared: Record<string, { type?: string; default?: unknown }>,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = name in given ? given[name] : spec.default;
    if (value === undefined || value === null) {
      inputs[name] = spec.type === "boolean" ? false : spec.type === "number" ? 0 : "";
    } else if (spec.type === "boolean") inputs[name] = value === true || value === "true";
    else if (spec.type === "number") inputs[name] = Number(value);
    else inputs[name] = text(value);
  }
  return inputs;
}

interface CallScope {
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Permissions of the calling job, for jobs of a reusable workflow that declare none. */
  permissions?: unknown;
}

async function runJobs(
  document: Record<string, unknown>,
  settings: RunSettings,
  call: CallScope,
): Promise<Record<string, JobResult>> {
  const jobs = (document.jobs ?? {}) as Record<string, Record<string, unknown>>;
  const needsOf = (job: Record<string, unknown>): string[] =>
    job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs.map(text) : [text(job.needs)];
  const results: Record<string, JobResult> = {};
  const running = new Map<string, Promise<void>>();
  const pending = new Set(Object.keys(jobs));
  while (pending.size > 0 || running.size > 0) {
    for (const id of [...pending]) {
      const job = jobs[id] ?? {};
      const needs = needsOf(job);
      if (!needs.every((need) => need in results)) continue;
      pending.delete(id);
      const promise = runJob(id, job, needs, results, document, settings, call).then((result) => {
        results[id] = result;
        running.delete(id);
      });
      running.set(id, promise);
    }
    if (running.size === 0) {
      throw new Error(`Jobs ${[...pending].join(", ")} wait for each other or for jobs that do not exist.`);
    }
    await Promise.race(running.values());
  }
  return results;
}

async function runJob(
  id: string,
  job: Record<string, unknown>,
  needs: string[],
  results: Record<string, JobResult>,
  document: Record<string, unknown>,
  settings: RunSettings,
  call: CallScope,
): Promise<JobResult> {
  const permissions = job.permissions ?? document.permissions ?? call.permissions;
  const needsContext = Object.fromEntries(
    needs.map((need) => [need, { result: results[need]?.result, outputs: results[need]?.outputs ?? {} }]),
  );
  const needResults = needs.map((need) => results[need]?.result);
  const status = {
    success: needResults.every((result) => result === "success"),
    failure: needResults.some((result) => result === "failure"),
    cancelled: false,
  };
  const baseContexts: Contexts = {
    github: { ...settings.derived, event: settings.payload, event_name: settings.eventName },
    inputs: call.inputs,
    vars: settings.options.vars ?? {},
    secrets: call.secrets,
    needs: needsContext,
  };
  const skipped: JobResult = {
    result: "skipped",
    outputs: {},
    steps: [],
    summary: "",
    errors: [],
    permissions,
  };
  for (const unsupported of ["strategy", "container", "services"]) {
    if (job[unsupported] !== undefined) {
      return {
        ...skipped,
        result: "failure",
        errors: [`jobs.${id}.${unsupported} is not supported by the rig.`],
      };
    }
  }

  const token =
    settings.options.tokenFor?.({ id, permissions }) ?? settings.options.github?.token ?? defaultToken;
  const workspace = freshDir(`job-${id}`);
  const runnerTemp = freshDir(`temp-${id}`);
  const state = new JobState({
    id,
    workspace,
    runnerTemp,
    token,
    eventName: settings.eventName,
    payload: settings.payload,
    derived: settings.derived,
    github: settings.github,
    workflowName: settings.workflowName,
    workflowPath: settings.workflowPath,
    masker: new SecretMasker(),
    machineEnv: settings.machineEnv,
    serviceEnv: settings.options.env ?? {},
    repository: settings.options.repository,
    python: settings.options.python ?? "/usr/bin/python3",
    standIns: settings.standIns,
    echo: settings.options.echo ?? process.env.RIG_ECHO === "1",
    timeoutMinutes: Number(job["timeout-minutes"] ?? 360),
  });
  const contexts: Contexts = {
    ...baseContexts,
    github: state.githubContext(),
    runner: state.runnerContext(),
    secrets: { ...call.secrets, GITHUB_TOKEN: token },
    job: { status: "success" },
    strategy: {},
    matrix: {},
    steps: {},
  };
  const workflowEnv = expandMapping(document.env, { ...contexts, env: {} });
  if (!evaluateIf(job.if, { ...contexts, env: workflowEnv }, status)) return skipped;

  if (typeof job.uses === "string") return runCalledWorkflow(job, contexts, settings, call, permissions);

  const eventPath = join(runnerTemp, "_github_workflow", "event.json");
  mkdirSync(join(runnerTemp, "_github_workflow"), { recursive: true });
  writeFileSync(eventPath, JSON.stringify(settings.payload, null, 2));
  const jobEnv = expandMapping(job.env, { ...contexts, env: workflowEnv });
  const defaults = {
    ...(((document.defaults ?? {}) as { run?: Record<string, unknown> }).run ?? {}),
    ...(((job.defaults ?? {}) as { run?: Record<string, unknown> }).run ?? {}),
  };
  const scope = {
    job: state,
    contexts,
    env: () => ({ ...workflowEnv, ...jobEnv, ...state.fileEnv }),
    ...(defaults.shell === undefined ? {} : { defaultShell: text(defaults.shell) }),
    ...(defaults["working-directory"] === undefined
      ? {}
      : { defaultWorkingDirectory: text(defaults["working-directory"]) }),
    failed: false,
    label: id,
  };
  const steps = await runSteps(Array.isArray(job.steps) ? job.steps : [], scope);
  const failed = steps.some((step) => step.conclusion === "failure");
  const outputs = expandMapping(job.outputs, { ...scope.contexts, env: scope.env() });
  return {
    result: failed ? "failure" : "success",
    outputs,
    steps,
    summary: state.summary,
    errors: errorsOf(steps.flatMap((step) => step.annotations)),
    permissions,
    workspace,
    runnerTemp,
  };
}

function errorsOf(annotations: Annotation[]): string[] {
  return annotations
    .filter((annotation) => annotation.level === "error")
    .map((annotation) => annotation.message);
}

/** A job with `uses:`: run the reusable workflow's jobs with the caller's `with:` and secrets. */
async function runCalledWorkflow(
  job: Record<string, unknown>,
  contexts: Contexts,
  settings: RunSettings,
  call: CallScope,
  permissions: unknown,
): Promise<JobResult> {
  const target = resolveUses(String(job.uses));
  if (target.kind !== "workflow")
    throw new Error(`jobs.*.uses: ${String(job.uses)} is not a reusable workflow.`);
  const parsed = await parseWorkflowFile(target.file);
  if (parsed.errors.length > 0 || parsed.document === undefined) {
    throw new Error(`${target.file} is not a valid workflow:\n${parsed.errors.join("\n")}`);
  }
  const document = parsed.document;
  const on = (document.on ?? {}) as Record<string, unknown>;
  const callSpec = (on.workflow_call ?? {}) as {
    inputs?: Record<string, { type?: string; default?: unknown }>;
    outputs?: Record<string, { value?: unknown }>;
  };
  if (!("workflow_call" in on))
    throw new Error(`${target.file} has no on.workflow_call: it cannot be called.`);
  const given: Record<string, unknown> = {};
  for (const [name, value] of Object.entries((job.with ?? {}) as Record<string, unknown>)) {
    given[name] = typeof value === "string" ? expand(value, { ...contexts, env: {} }) : value;
  }
  const secrets =
    job.secrets === "inherit" ? call.secrets : expandMapping(job.secrets, { ...contexts, env: {} });
  const jobs = await runJobs(document, settings, {
    inputs: typedInputs(callSpec.inputs ?? {}, given),
    secrets,
    permissions,
  });
  const jobsContext = Object.fromEntries(
    Object.entries(jobs).map(([id, result]) => [id, { result: result.result, outputs: result.outputs }]),
  );
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(callSpec.outputs ?? {})) {
    outputs[name] = expand(spec.value, { ...contexts, jobs: jobsContext, env: {} });
  }
  const failed = Object.values(jobs).some((result) => result.result === "failure");
  return {
    result: failed ? "failure" : "success",
    outputs,
    steps: [],
    summary: Object.values(jobs)
      .map((result) => result.summary)
      .join(""),
    errors: Object.values(jobs).flatMap((result) => result.errors),
    permissions,
    jobs,
  };
}
