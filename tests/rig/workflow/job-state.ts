// The state of one job while its steps run: its own workspace and RUNNER_TEMP (each job is a fresh
// machine on GitHub), the env and PATH that GITHUB_ENV / GITHUB_PATH build up, the job summary, the
// GITHUB_* variables and `github` context, and its token.
import { dirname, join } from "node:path";
import type { EventDerived, GitHubOptions } from "../events.ts";
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
  setupEnvStandIn: boolean;
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
  readonly setupEnvStandIn: boolean;
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
    this.setupEnvStandIn = settings.setupEnvStandIn;
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
    return { ...this.settings.github, token: this.token, job: this.id, workflow: this.settings.workflowName };
  }

  githubContext(): Record<string, unknown> {
    const { derived, github } = this.settings;
    const apiUrl = (github.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
    return {
      token: this.token,
      action: "",
      action_path: "",
      actor: derived.actor,
      actor_id: derived.actorId,
      api_url: apiUrl,
      base_ref: derived.baseRef,
      event: this.payload,
      event_name: this.eventName,
      event_path: join(this.runnerTemp, "_github_workflow", "event.json"),
      graphql_url: `${apiUrl}/graphql`,
      head_ref: derived.headRef,
      job: this.id,
      ref: derived.ref,
      ref_name: derived.refName,
      ref_protected: "false",
      ref_type: derived.refType,
      repository: derived.repository,
      repository_id: derived.repositoryId,
      repository_owner: derived.repository.split("/")[0] ?? "",
      repository_owner_id: derived.repositoryOwnerId,
      retention_days: "90",
      run_attempt: String(github.runAttempt ?? 1),
      run_id: String(github.runId),
      run_number: String(github.runNumber ?? 42),
      server_url: github.serverUrl ?? "https://github.com",
      sha: derived.sha,
      triggering_actor: derived.actor,
      workflow: this.settings.workflowName,
      workflow_ref: `${derived.repository}/${this.settings.workflowPath}@${derived.ref}`,
      workflow_sha: derived.sha,
      workspace: this.workspace,
    };
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
      if (key === "token" || key === "event" || key === "workspace") continue;
      variables[`GITHUB_${key.toUpperCase()}`] = String(value);
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
