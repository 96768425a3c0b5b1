// The state of one job while its steps run: its own workspace and RUNNER_TEMP (each job is a fresh
// machine on GitHub), the env and PATH that GITHUB_ENV / GITHUB_PATH build up, the job summary, the
// GITHUB_* variables and `github` context, and its token.
import { dirname, join } from "node:path";
import type { EventDerived, GitHubOptions } from "../events.ts";
import { githubContext, type GitHubContext } from "../github-context.ts";
import { trackingId } from "../housekeeping.ts";
import type { SecretMasker } from "../workflow-commands.ts";
import type { StandIn } from "./stand-ins.ts";

export interface JobSettings {
  id: string;
  workspace: string;
  runnerTemp: string;
  token: string;
  eventName: string;
  payload: Record<string, unknown>;
  derived: EventDerived;
  github: GitHubOptions & { runId: number };
  workflowName: string;
  workflowPath: string;
  masker: SecretMasker;
  machineEnv: Record<string, string>;
  serviceEnv: Record<string, string>;
  repository: string | undefined;
  python: string;
  standIns: Record<string, StandIn>;
  echo: boolean;
  timeoutMinutes: number;
}

export class JobState {
  readonly id: string;
  readonly workspace: string;
  readonly runnerTemp: string;
  readonly masker: SecretMasker;
  readonly eventName: string;
  readonly payload: Record<string, unknown>;
  readonly machineEnv: Record<string, string>;
  readonly serviceEnv: Record<string, string>;
  readonly repository: string | undefined;
  readonly python: string;
  readonly standIns: Record<string, StandIn>;
  readonly echo: boolean;
  readonly token: string;
  /** Directories from GITHUB_PATH, in the order they were added. */
  readonly path: string[] = [];
  /** Variables from GITHUB_ENV. */
  readonly fileEnv: Record<string, string> = {};
  summary = "";
  private readonly deadline: number;
  private readonly settings: JobSettings;
  private readonly tracking = trackingId();

  constructor(settings: JobSettings) {
    this.settings = settings;
    this.id = settings.id;
    this.workspace = settings.workspace;
    this.runnerTemp = settings.runnerTemp;
    this.masker = settings.masker;
    this.eventName = settings.eventName;
    this.payload = settings.payload;
    this.machineEnv = settings.machineEnv;
    this.serviceEnv = settings.serviceEnv;
    this.repository = settings.repository;
    this.python = settings.python;
    this.standIns = settings.standIns;
    this.echo = settings.echo;
    this.token = settings.token;
    this.deadline = Date.now() + settings.timeoutMinutes * 60_000;
    this.masker.add(settings.token);
  }

  remainingMs(): number {
    return Math.max(1000, this.deadline - Date.now());
  }

  applyFileCommands(env: Record<string, string>, path: string[], summary: string): void {
    Object.assign(this.fileEnv, env);
    this.path.push(...path);
    this.summary += summary;
  }

  /** The options runAction derives the same GITHUB_* values from. */
  githubOptions(): GitHubOptions {
    return {
      ...this.settings.github,
      token: this.token,
      job: this.id,
      workflow: this.settings.workflowName,
      workflowPath: this.settings.workflowPath,
    };
  }

  githubContext(): GitHubContext {
    return githubContext({
      token: this.token,
      github: this.githubOptions(),
      derived: this.settings.derived,
      payload: this.payload,
      eventName: this.eventName,
      eventPath: join(this.runnerTemp, "_github_workflow", "event.json"),
      workspace: this.workspace,
      job: this.id,
      workflow: this.settings.workflowName,
    });
  }

  runnerContext(): Record<string, string> {
    return {
      arch: "X64",
      debug: "",
      environment: "github-hosted",
      name: "GitHub Actions 1",
      os: "Linux",
      temp: this.runnerTemp,
      tool_cache: join(this.runnerTemp, "_tool"),
    };
  }

  /** GITHUB_* / RUNNER_* for `run:` steps, as the runner sets them (GITHUB_TOKEN is not among them). */
  runtimeVariables(): Record<string, string> {
    const github = this.githubContext();
    const variables: Record<string, string> = { CI: "true", GITHUB_ACTIONS: "true" };
    for (const [key, value] of Object.entries(github)) {
      if (typeof value !== "string" || key === "token" || key === "workspace") continue;
      variables[`GITHUB_${key.toUpperCase()}`] = value;
    }
    variables.GITHUB_WORKSPACE = this.workspace;
    for (const [key, value] of Object.entries(this.runnerContext())) {
      if (key !== "debug") variables[`RUNNER_${key.toUpperCase()}`] = value;
    }
    variables.RUNNER_WORKSPACE = dirname(this.workspace);
    variables.RUNNER_TRACKING_ID = this.tracking;
    return variables;
  }
}
