// Step executor: one step of a job or of a composite action — its `if:`, `env:`, then `run:` in a shell,
// `uses:` of this repository's actions (JavaScript through runAction, composites through their steps) or a
// third-party stand-in — and the composite executor.
import { delimiter, isAbsolute, resolve } from "node:path";
import { loadActionManifest, type ActionManifest } from "../manifest.ts";
import { runAction } from "../run-action.ts";
import type { Annotation } from "../workflow-commands.ts";
import { evaluateIf, expand, expandMapping, type Contexts } from "./expressions.ts";
import type { JobState } from "./job-state.ts";
import { parseActionFile } from "./parser.ts";
import { runShell } from "./process.ts";
import { resolveUses } from "./uses.ts";

export type StepOutcome = "success" | "failure" | "cancelled" | "skipped";

export interface StepRecord {
  /** `id:`, or the runner's generated `__<n>`. */
  id: string;
  name: string;
  /** The step's outcome before continue-on-error, and its conclusion after. */
  outcome: StepOutcome;
  conclusion: StepOutcome;
  outputs: Record<string, string>;
  annotations: Annotation[];
  stdout: string;
  stderr: string;
  summary: string;
  /** For composite actions: their own steps. */
  steps?: StepRecord[];
  /** What ran: the `uses:` value, or "run". */
  kind: string;
}

/** Where steps run: the job's state plus the scope of a job or of a composite action. */
export interface StepScope {
  job: JobState;
  /** Contexts for expressions (inputs differ in a composite). `steps` is filled as steps finish. */
  contexts: Contexts;
  /** `env` as seen by this scope's steps, before each step's own `env:`. */
  env: () => Record<string, string>;
  /** defaults.run of the job (not used in composites). */
  defaultShell?: string;
  defaultWorkingDirectory?: string;
  /** GITHUB_ACTION_PATH inside a composite. */
  actionPath?: string;
  /** Has a step of this scope failed (for success()/failure()). */
  failed: boolean;
  /** Label prefix for echoed logs. */
  label: string;
}

type RawStep = Record<string, unknown>;

export async function runSteps(steps: unknown[], scope: StepScope): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  const stepsContext: Record<string, unknown> = {};
  scope.contexts.steps = stepsContext;
  for (const [index, raw] of steps.entries()) {
    const step = (raw ?? {}) as RawStep;
    const id = typeof step.id === "string" ? step.id : `__${String(index)}`;
    const record = await runStep(step, id, scope);
    records.push(record);
    stepsContext[id] = { outputs: record.outputs, outcome: record.outcome, conclusion: record.conclusion };
    if (record.conclusion === "failure") scope.failed = true;
  }
  return records;
}

function stepName(step: RawStep): string {
  if (typeof step.name === "string") return step.name;
  if (typeof step.uses === "string") return `Run ${step.uses}`;
  const run = typeof step.run === "string" ? (step.run.split("\n")[0] ?? "") : "";
  return `Run ${run}`;
}

async function runStep(step: RawStep, id: string, scope: StepScope): Promise<StepRecord> {
  const { job } = scope;
  const base: StepRecord = {
    id,
    name: stepName(step),
    outcome: "skipped",
    conclusion: "skipped",
    outputs: {},
    annotations: [],
    stdout: "",
    stderr: "",
    summary: "",
    kind: typeof step.uses === "string" ? step.uses : "run",
  };
  const env = scope.env();
  const contexts: Contexts = { ...scope.contexts, env };
  const status = { success: !scope.failed, failure: scope.failed, cancelled: false };
  if (!evaluateIf(step.if, contexts, status)) return base;

  const stepEnv = { ...env, ...expandMapping(step.env, { ...contexts, env }) };
  const stepContexts: Contexts = { ...contexts, env: stepEnv };
  const stepTimeoutMinutes = Number(step["timeout-minutes"] ?? Number.NaN);
  const timeoutMs = Math.min(
    job.remainingMs(),
    Number.isFinite(stepTimeoutMinutes) ? stepTimeoutMinutes * 60_000 : Number.POSITIVE_INFINITY,
  );
  let result: Omit<StepRecord, "id" | "name" | "kind" | "conclusion">;
  try {
    result =
      typeof step.run === "string"
        ? await runScript(step, scope, stepContexts, stepEnv, timeoutMs)
        : await runUses(step, scope, stepContexts, stepEnv, timeoutMs);
  } catch (error) {
    result = {
      outcome: "failure",
      outputs: {},
      annotations: [{ level: "error", message: (error as Error).message }],
      stdout: "",
      stderr: "",
      summary: "",
    };
  }
  const continueOnError = expand(step["continue-on-error"] ?? false, stepContexts) === "true";
  return {
    ...base,
    ...result,
    conclusion: result.outcome === "failure" && continueOnError ? "success" : result.outcome,
  };
}

/** The job environment a process sees: machine, services, env: layers, GITHUB_ENV, then GITHUB_* on top. */
function processEnv(scope: StepScope, stepEnv: Record<string, string>): Record<string, string> {
  const { job } = scope;
  const env: Record<string, string> = { ...job.machineEnv, ...job.serviceEnv, ...stepEnv };
  env.PATH = [...[...job.path].reverse(), env.PATH ?? ""].join(delimiter);
  Object.assign(env, job.runtimeVariables());
  if (scope.actionPath !== undefined) env.GITHUB_ACTION_PATH = scope.actionPath;
  return env;
}

function workingDirectory(scope: StepScope, value: string | undefined): string {
  const dir = value ?? scope.defaultWorkingDirectory;
  if (dir === undefined || dir === "") return scope.job.workspace;
  return isAbsolute(dir) ? dir : resolve(scope.job.workspace, dir);
}

async function runScript(
  step: RawStep,
  scope: StepScope,
  contexts: Contexts,
  stepEnv: Record<string, string>,
  timeoutMs: number,
) {
  const { job } = scope;
  const shell = step.shell === undefined ? scope.defaultShell : expand(step.shell, contexts);
  if (scope.actionPath !== undefined && shell === undefined) {
    throw new Error("A run step of a composite action needs `shell:` (the runner refuses it otherwise).");
  }
  const cwd = workingDirectory(
    scope,
    step["working-directory"] === undefined ? undefined : expand(step["working-directory"], contexts),
  );
  const result = await runShell({
    script: expand(step.run, contexts),
    shell,
    cwd,
    env: processEnv(scope, stepEnv),
    runnerTemp: job.runnerTemp,
    workspace: job.workspace,
    masker: job.masker,
    timeoutMs,
    label: scope.label,
    echo: job.echo,
  });
  job.applyFileCommands(result.env, result.path, result.summary);
  return {
    outcome: result.conclusion,
    outputs: result.outputs,
    annotations: result.annotations,
    stdout: result.stdout,
    stderr: result.stderr,
    summary: result.summary,
  };
}

async function runUses(
  step: RawStep,
  scope: StepScope,
  contexts: Contexts,
  stepEnv: Record<string, string>,
  timeoutMs: number,
) {
  const { job } = scope;
  const uses = String(step.uses);
  const target = resolveUses(uses);
  const inputs = expandMapping(step.with, contexts);
  const empty = { annotations: [] as Annotation[], stdout: "", stderr: "", summary: "" };
  if (target.kind === "workflow") {
    throw new Error(`uses: ${uses}: a reusable workflow is called from a job, not from a step.`);
  }
  const standIn = target.kind === "third-party" ? job.standIns[target.name] : undefined;
  if (target.kind === "third-party" && standIn === undefined) {
    throw new Error(
      `uses: ${uses}: the rig has no stand-in for ${target.name} (third-party actions cannot be downloaded here). ` +
        `Known: ${Object.keys(job.standIns).join(", ")}; add one with RunWorkflowOptions.standIns.`,
    );
  }
  if (standIn !== undefined) {
    const result = standIn({
      inputs,
      workspace: job.workspace,
      runnerTemp: job.runnerTemp,
      repository: job.repository,
      python: job.python,
    });
    job.applyFileCommands(result.env ?? {}, result.path ?? [], "");
    return { outcome: "success" as const, outputs: result.outputs, ...empty };
  }
  if (target.kind !== "action") throw new Error(`uses: ${uses}: unexpected target.`);
  const manifest = loadActionManifest(target.dir);
  if (manifest.runs.using === "composite") {
    return runComposite(manifest, inputs, scope, stepEnv);
  }
  const env = processEnv(scope, stepEnv);
  const result = await runAction({
    action: target.dir,
    inputs,
    event: { name: job.eventName, payload: job.payload },
    // runAction keeps its own GITHUB_* / RUNNER_* values; they come from `github` and are the job's.
    env: Object.fromEntries(Object.entries(env).filter(([name]) => !/^(?:GITHUB_|RUNNER_)/.test(name))),
    workspace: job.workspace,
    runnerTemp: job.runnerTemp,
    github: job.githubOptions(),
    stepId: typeof step.id === "string" ? step.id : "__self",
    timeoutMs,
    echo: job.echo,
  });
  job.applyFileCommands(result.env, result.path, result.summary);
  if (result.post !== undefined)
    job.applyFileCommands(result.post.env, result.post.path, result.post.summary);
  return {
    outcome: result.conclusion,
    outputs: result.outputs,
    annotations: [...result.annotations, ...(result.post?.annotations ?? [])],
    stdout: result.stdout + (result.post?.stdout ?? ""),
    stderr: result.stderr + (result.post?.stderr ?? ""),
    summary: result.summary,
  };
}

/** Composite executor: the action's inputs (defaults evaluated), its steps in their own scope, its outputs. */
async function runComposite(
  manifest: ActionManifest,
  given: Record<string, string>,
  parent: StepScope,
  stepEnv: Record<string, string>,
) {
  const parsed = await parseActionFile(manifest.file);
  if (parsed.errors.length > 0)
    throw new Error(`${manifest.file} is not valid:\n${parsed.errors.join("\n")}`);
  const document = parsed.document ?? {};
  const runs = (document.runs ?? {}) as { steps?: unknown[] };
  const { job } = parent;
  const inputs: Record<string, string> = {};
  const defaultsContexts: Contexts = { ...parent.contexts, env: stepEnv };
  for (const [name, spec] of Object.entries(manifest.inputs)) {
    const key = Object.keys(given).find((k) => k.toLowerCase() === name.toLowerCase());
    inputs[name] = key !== undefined ? (given[key] ?? "") : expand(spec.default ?? "", defaultsContexts);
  }
  const scope: StepScope = {
    job,
    contexts: {
      ...parent.contexts,
      inputs,
      github: { ...(parent.contexts.github as Record<string, unknown>), action_path: manifest.dir },
    },
    // A composite's steps see the caller's env (with the calling step's env:) plus what GITHUB_ENV added.
    env: () => ({ ...stepEnv, ...job.fileEnv }),
    actionPath: manifest.dir,
    failed: false,
    label: `${parent.label}>${manifest.name}`,
  };
  const records = await runSteps(runs.steps ?? [], scope);
  const outputs: Record<string, string> = {};
  const declared = (document.outputs ?? {}) as Record<string, { value?: unknown }>;
  for (const [name, spec] of Object.entries(declared)) outputs[name] = expand(spec.value, scope.contexts);
  const failedStep = records.find((record) => record.conclusion === "failure");
  return {
    outcome: failedStep === undefined ? ("success" as const) : ("failure" as const),
    outputs,
    annotations: records.flatMap((record) => record.annotations),
    stdout: records.map((record) => record.stdout).join(""),
    stderr: records.map((record) => record.stderr).join(""),
    summary: records.map((record) => record.summary).join(""),
    steps: records,
  };
}
