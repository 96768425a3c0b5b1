// Finds the baseline: the run record of an earlier training run, from a file or from the run artifact
// `mlops-run-<model>` that train-model uploaded in another workflow run. "No baseline" always comes with
// its reason, which the report shows: a missing or expired artifact never passes silently. Artifacts
// count only from this repository's trusted runs (trusted-runs.ts); the runs passed over are reported.
import * as core from "@actions/core";
import { mkdtemp } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { BaselineInput } from "../../verdict/evaluate.ts";
import type { PassedOverRun } from "../../verdict/report.ts";
import { assertArtifactsSupported } from "../../lib/artifacts.ts";
import { firstLine, isPermissionDenied, needsPermission } from "../../formats/github-errors.ts";
import { currentDeployment, type CurrentDeployment } from "../../deployments/current.ts";
import { restDeploymentReads } from "../../deployments/rest-reads.ts";
import type { GitHubClient } from "../../lib/octokit.ts";
import { runUrl } from "../../lib/run-context.ts";
import { readRunRecord } from "../../record/record-io.ts";
import { RUN_RECORD_FILE } from "../../record/run-record.ts";
import { loadMetricsSource } from "./candidates.ts";
import type { BaselineSpec } from "./inputs.ts";
import { registryBaseline, type RegistryBaselineContext } from "./registry-baseline.ts";
import { releaseBaseline } from "./release-baseline.ts";
import { RunTrust, runFacts, type Trust } from "./trusted-runs.ts";

/** Where the baseline came from, as mlops-gate.json records it. */
export interface BaselineSource {
  spec: string;
  available: boolean;
  reason?: string;
  file?: string;
  runId?: number;
  artifactId?: number;
  artifactName?: string;
  sha?: string;
  branch?: string;
  /** Newer runs whose artifacts were not trusted, and why. */
  passedOver?: PassedOverRun[];
}

export interface ResolvedBaseline {
  input: BaselineInput;
  source: BaselineSource;
}

export interface BaselineContext {
  workspace: string;
  runnerTemp: string;
  repository: { owner: string; repo: string };
  /** The repository's id (event payload `repository.id`); read from the API when absent. */
  repositoryId: number | undefined;
  /** This run: its own artifacts are never its baseline. */
  runId: number;
  serverUrl: string;
  /** Artifact that holds the model's run record: mlops-run-<model>. */
  artifactName: string;
  /** For pull_request events: the PR's base commit and branch. */
  pullRequestBase: { sha: string; ref: string } | undefined;
  defaultBranch: string | undefined;
  /** Lazily created: only API baselines need a client. */
  github: () => Promise<GitHubClient>;
  token: string;
  /** The model whose baseline this is (auto asks the registry for <model>@production). */
  modelName: string;
  /** registry-url (or MLOPS_REGISTRY_URL) and credentials; auto asks the registry only when a URL is set. */
  registry: Omit<RegistryBaselineContext, "runnerTemp" | "token">;
}

/** The environment whose deployment auto prefers, and the alias deploy moves there. */
const PRODUCTION = "production";

interface ArtifactInfo {
  id: number;
  name: string;
  expired: boolean;
  expires_at?: string | null;
  created_at?: string | null;
  workflow_run?: {
    id?: number;
    head_repository_id?: number;
    head_branch?: string | null;
    head_sha?: string;
  } | null;
}

function none(spec: string, reason: string, passedOver: PassedOverRun[] = []): ResolvedBaseline {
  const runs = passedOver.length > 0 ? { passedOver } : {};
  return {
    input: { available: false, reason, ...runs },
    source: { spec, available: false, reason, ...runs },
  };
}

/** Decides, artifact by artifact, which may be the baseline. */
type Judge = (artifact: ArtifactInfo) => Promise<Trust>;

function trustedRuns(context: BaselineContext): { trust: RunTrust; judge: Judge } {
  const trust = new RunTrust({
    repository: context.repository,
    repositoryId: context.repositoryId,
    github: context.github,
  });
  const judge: Judge = (artifact) => {
    const runId = artifact.workflow_run?.id;
    if (runId === undefined)
      return Promise.resolve({ trusted: false, reason: "no workflow run" } satisfies Trust);
    return trust.judge(runId, artifact.workflow_run?.head_repository_id);
  };
  return { trust, judge };
}

export async function resolveBaseline(
  spec: BaselineSpec,
  context: BaselineContext,
): Promise<ResolvedBaseline> {
  switch (spec.kind) {
    case "none":
      return none("none", "the step says `baseline: none`");
    case "file":
      return fileBaseline(spec.path, context);
    case "run":
      return runBaseline(spec.runId, context);
    case "branch":
      return branchBaseline(spec.branch, context);
    case "registry":
      return namedRegistryBaseline(spec.model, spec.reference, context);
    case "auto":
      return autoWithRegistry(context);
  }
}

async function fileBaseline(path: string, context: BaselineContext): Promise<ResolvedBaseline> {
  // Checked against the allowed roots when the inputs were read; absolute paths ($RUNNER_TEMP) stay absolute.
  const loaded = await loadMetricsSource(
    resolve(context.workspace, path),
    context.workspace,
    context.runnerTemp,
  );
  const description = loaded.record
    ? `${loaded.label} (${describeRecord(loaded.record.code.sha, loaded.record.run.id)})`
    : loaded.label;
  return {
    input: {
      available: true,
      description,
      metrics: loaded.metrics,
      ...(loaded.record ? { record: loaded.record } : {}),
    },
    source: { spec: `file:${path}`, available: true, file: path },
  };
}

async function runBaseline(runId: number, context: BaselineContext): Promise<ResolvedBaseline> {
  assertArtifactsSupported(
    `baseline: run:${runId}`,
    "Use 'baseline: file:<path>' on GitHub Enterprise Server.",
  );
  // A run named explicitly may have run on any event, but never on a fork's code.
  const { trust } = trustedRuns(context);
  const named = await trust.judgeNamed(runId);
  if (!named.trusted) {
    const fork = named.fork === undefined ? "another repository" : `the fork ${named.fork}`;
    return none(
      `run:${runId}`,
      `run ${runId} ran the code of ${fork}: a fork's artifact is never a baseline`,
      trust.passedOver(),
    );
  }
  const artifacts = await listRunArtifacts(context, runId);
  return fromArtifacts(
    context,
    { trust, judge: () => Promise.resolve({ trusted: true }) },
    `run:${runId}`,
    artifacts,
    `run ${runId} has no artifact ${context.artifactName}`,
  );
}

async function branchBaseline(branch: string, context: BaselineContext): Promise<ResolvedBaseline> {
  assertArtifactsSupported(
    `baseline: branch:${branch}`,
    "Use 'baseline: file:<path>' on GitHub Enterprise Server.",
  );
  const artifacts = (await listArtifactsByName(context)).filter(
    (a) => a.workflow_run?.head_branch === branch,
  );
  return fromArtifacts(
    context,
    trustedRuns(context),
    `branch:${branch}`,
    artifacts,
    `no ${context.artifactName} artifact from a run on branch ${branch}`,
  );
}

/** Reads one version or alias of the model from the configured registry. */
type VersionReader = (reference: string) => Promise<ResolvedBaseline | undefined>;

/** The configured registry (OCI or the repository's releases) as a reader of `model`'s versions, if any. */
function versionReader(
  context: BaselineContext,
  model: string,
): { read: VersionReader; where: string; missing: (reference: string) => string } | undefined {
  if (context.registry.registry.kind === "github-release") {
    const { owner, repo } = context.repository;
    return {
      read: (reference) => releaseBaseline(model, reference, context),
      where: "the repository's releases",
      missing: (reference) => `${owner}/${repo} has no published release for ${model}@${reference}`,
    };
  }
  const location = context.registry.registry.url;
  if (location === undefined) return undefined;
  const path = `${location.host}/${location.namespace ? `${location.namespace}/` : ""}${model}`;
  return {
    read: (reference) => registryBaseline(model, reference, { ...registryContext(context), location }),
    where: `the registry at ${location.host}`,
    missing: (reference) => `${path} has no tag ${reference}`,
  };
}

async function namedRegistryBaseline(
  model: string,
  reference: string,
  context: BaselineContext,
): Promise<ResolvedBaseline> {
  const reader = versionReader(context, model);
  if (!reader) throw new Error("registry baseline without registry-url (checked in inputs)");
  return (await reader.read(reference)) ?? none(`registry:${model}@${reference}`, reader.missing(reference));
}

/** `auto`: with a registry configured, what production runs (else its alias); else the artifact search. */
async function autoWithRegistry(context: BaselineContext): Promise<ResolvedBaseline> {
  const reader = versionReader(context, context.modelName);
  if (reader) {
    const found = await productionBaseline(context, reader.read, reader.where);
    if (found) return found;
    core.info(
      `No production deployment of ${context.modelName} and no ${context.modelName}@${PRODUCTION} in the registry: looking for the baseline in run artifacts.`,
    );
  }
  assertArtifactsSupported(
    "baseline: auto",
    "Use 'baseline: file:<path>' (or none) on GitHub Enterprise Server.",
  );
  return autoBaseline(context);
}

/**
 * auto with a registry: the version production runs (the latest successful `production` deployment of
 * this model, as deploy records it), else the `production` alias; undefined when the registry has
 * neither. The description says which one it is.
 */
async function productionBaseline(
  context: BaselineContext,
  read: VersionReader,
  where: string,
): Promise<ResolvedBaseline | undefined> {
  const deployed = await productionDeployment(context);
  if (deployed) {
    const { version } = deployed.payload;
    const found = await read(version);
    if (found)
      return chosenBy(
        found,
        `the version of the latest successful ${PRODUCTION} deployment (deployment ${deployed.id}, ${deployed.createdAt.slice(0, 10)})`,
      );
    core.warning(
      `The latest successful ${PRODUCTION} deployment of ${context.modelName} (#${deployed.id}) runs ${version}, which ${where} does not have: using the ${PRODUCTION} alias instead.`,
    );
  }
  const alias = await read(PRODUCTION);
  return (
    alias &&
    chosenBy(
      alias,
      `the ${PRODUCTION} alias (no successful ${PRODUCTION} deployment of ${context.modelName})`,
    )
  );
}

/** The current production deployment through the one resolver (src/deployments/current.ts). */
async function productionDeployment(context: BaselineContext): Promise<CurrentDeployment | undefined> {
  const github = await context.github();
  try {
    return await currentDeployment(
      restDeploymentReads(github.rest.repos, context.repository),
      PRODUCTION,
      context.modelName,
    );
  } catch (error) {
    if (!isPermissionDenied(error)) throw error;
    core.warning(
      `Could not read the ${PRODUCTION} deployments of ${context.modelName} (${firstLine(error)}): give the job 'permissions: deployments: read' so the baseline is what production runs. Using the ${PRODUCTION} alias.`,
    );
    return undefined;
  }
}

function chosenBy(found: ResolvedBaseline, how: string): ResolvedBaseline {
  const { input } = found;
  return input.available
    ? { ...found, input: { ...input, description: `${input.description}: ${how}` } }
    : found;
}

function registryContext(context: BaselineContext): RegistryBaselineContext {
  return { ...context.registry, runnerTemp: context.runnerTemp, token: context.token };
}

/**
 * auto: the artifact of the run for the PR's base commit; else the newest one on the base branch (runs
 * on pushes to that branch are its history). Outside pull requests: the newest on the default branch.
 */
async function autoBaseline(context: BaselineContext): Promise<ResolvedBaseline> {
  const base = context.pullRequestBase;
  const trusted = trustedRuns(context);
  if (base) {
    const github = await context.github();
    const runs = await needsPermission("actions: read", "list workflow runs for the base commit", () =>
      github.rest.actions.listWorkflowRunsForRepo({
        ...context.repository,
        head_sha: base.sha,
        per_page: 50,
      }),
    );
    const artifacts: ArtifactInfo[] = [];
    for (const run of runs.data.workflow_runs) {
      if (run.id === context.runId) continue;
      trusted.trust.remember(runFacts(run));
      artifacts.push(...(await listRunArtifacts(context, run.id)));
    }
    const usable: ArtifactInfo[] = [];
    for (const artifact of artifacts)
      if (!artifact.expired && (await trusted.judge(artifact)).trusted) usable.push(artifact);
    if (usable.length > 0) return fromArtifacts(context, trusted, "auto", usable, "");
    core.info(
      `No ${context.artifactName} artifact for base commit ${base.sha.slice(0, 7)}; trying the newest on ${base.ref}.`,
    );
    const onBranch = (await listArtifactsByName(context)).filter(
      (a) => a.workflow_run?.head_branch === base.ref,
    );
    return fromArtifacts(
      context,
      trusted,
      "auto",
      [...onBranch, ...artifacts],
      `no ${context.artifactName} artifact for the base commit ${base.sha.slice(0, 7)} or any run on ${base.ref} (train on pushes to ${base.ref} so pull requests have a baseline)`,
    );
  }
  const branch = context.defaultBranch;
  if (!branch)
    return none("auto", "not a pull request, and the event names no default branch to compare with");
  const onBranch = (await listArtifactsByName(context)).filter((a) => a.workflow_run?.head_branch === branch);
  return fromArtifacts(
    context,
    trusted,
    "auto",
    onBranch,
    `no ${context.artifactName} artifact from a run on ${branch} yet`,
  );
}

async function listRunArtifacts(context: BaselineContext, runId: number): Promise<ArtifactInfo[]> {
  const github = await context.github();
  const response = await needsPermission("actions: read", `list the artifacts of run ${runId}`, () =>
    github.rest.actions.listWorkflowRunArtifacts({
      ...context.repository,
      run_id: runId,
      name: context.artifactName,
      per_page: 100,
    }),
  );
  return response.data.artifacts.filter(
    (a) => a.name === context.artifactName && a.workflow_run?.id !== context.runId,
  );
}

async function listArtifactsByName(context: BaselineContext): Promise<ArtifactInfo[]> {
  const github = await context.github();
  const response = await needsPermission("actions: read", `list the ${context.artifactName} artifacts`, () =>
    github.rest.actions.listArtifactsForRepo({
      ...context.repository,
      name: context.artifactName,
      per_page: 100,
    }),
  );
  return response.data.artifacts.filter((a) => a.workflow_run?.id !== context.runId);
}

/** The newest artifact `judge` trusts, expired or not: runs are read newest first, and no further. */
async function newestTrusted(
  artifacts: ArtifactInfo[],
  judge: Judge,
  expired: boolean,
): Promise<ArtifactInfo | undefined> {
  for (const artifact of artifacts) {
    if (artifact.expired === expired && (await judge(artifact)).trusted) return artifact;
  }
  return undefined;
}

/**
 * Picks the newest usable artifact of a trusted run and downloads its record; an expired newest one is
 * named as the reason.
 */
async function fromArtifacts(
  context: BaselineContext,
  { trust, judge }: { trust: RunTrust; judge: Judge },
  spec: string,
  artifacts: ArtifactInfo[],
  missingReason: string,
): Promise<ResolvedBaseline> {
  const newest = [...artifacts].sort(
    (a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? "") || b.id - a.id,
  );
  const usable = await newestTrusted(newest, judge, false);
  if (!usable) {
    const expired = await newestTrusted(newest, judge, true);
    if (expired) {
      return none(
        spec,
        `the ${context.artifactName} artifact of run ${expired.workflow_run?.id ?? "?"} (${(expired.workflow_run?.head_sha ?? "").slice(0, 7)}) expired${expired.expires_at ? ` on ${expired.expires_at.slice(0, 10)}` : ""}; raise retention-days or retrain the base branch`,
        trust.passedOver(),
      );
    }
    return none(spec, missingReason, trust.passedOver());
  }
  const passedOver = trust.passedOver();
  const runId = usable.workflow_run?.id;
  const directory = await mkdtemp(join(context.runnerTemp, "mlops-baseline-"));
  await needsPermission("actions: read", `download artifact ${usable.name}`, async () => {
    const { DefaultArtifactClient } = await import("@actions/artifact");
    await new DefaultArtifactClient().downloadArtifact(usable.id, {
      path: directory,
      findBy: {
        token: context.token,
        workflowRunId: runId ?? 0,
        repositoryOwner: context.repository.owner,
        repositoryName: context.repository.repo,
      },
    });
  });
  const record = await readRunRecord(
    join(directory, RUN_RECORD_FILE),
    `artifact ${usable.name} (id ${usable.id})`,
  );
  const sha = usable.workflow_run?.head_sha ?? record.code.headSha ?? record.code.sha;
  const branch = usable.workflow_run?.head_branch ?? undefined;
  const runPage =
    runId === undefined
      ? undefined
      : runUrl(context.serverUrl, `${context.repository.owner}/${context.repository.repo}`, runId);
  return {
    input: {
      available: true,
      description: `${branch ? `${branch} @ ` : ""}${sha.slice(0, 7)} (run ${runId ?? "?"}, artifact ${usable.name})`,
      metrics: record.metrics,
      record,
      links: { ...(runPage ? { run: runPage, artifact: `${runPage}/artifacts/${usable.id}` } : {}) },
      ...(passedOver.length > 0 ? { passedOver } : {}),
    },
    source: {
      spec,
      available: true,
      ...(runId === undefined ? {} : { runId }),
      artifactId: usable.id,
      artifactName: usable.name,
      sha,
      ...(branch ? { branch } : {}),
      ...(passedOver.length > 0 ? { passedOver } : {}),
    },
  };
}

function describeRecord(sha: string, runId: string): string {
  return `${sha.slice(0, 7)}, run ${runId}`;
}
