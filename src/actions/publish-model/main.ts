// publish-model: read the record → check the model files are the ones it describes → the backend's own
// checks → the gate requirement → claim the version → the backend publishes it (complete or not at
// all) and moves the aliases last → outputs. The backend comes from the table in backends.ts by the
// `registry` input. Everything before the claim is local (bad input and changed files fail before any
// network).
import * as core from "@actions/core";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runAction } from "../../lib/action.ts";
import type { RunRecord } from "../../record/run-record.ts";
import { createOctokit, type GitHubClient } from "../../lib/octokit.ts";
import { renderModelCard, type CardGate } from "../../model-card/model-card.ts";
import { VersionClaims, type ClaimResult } from "../../versioning/version-claims.ts";
import { checkModelName } from "../../versioning/version-names.ts";
import { BACKENDS } from "./backends.ts";
import { requireGate } from "./gate-evidence.ts";
import { getInputs, type PublishInputs } from "./inputs.ts";
import { checkModelFiles } from "./model-files.ts";
import { loadRecord } from "./record-source.ts";

export async function run(): Promise<void> {
  await runAction(async () => {
    await publish(getInputs(), process.env);
  });
}

export async function publish(inputs: PublishInputs, env: NodeJS.ProcessEnv): Promise<void> {
  const backend = await BACKENDS[inputs.registry.kind as keyof typeof BACKENDS].configure(inputs, env);
  const runnerTemp = resolve(env.RUNNER_TEMP ?? join(inputs.workspace, ".mlops-tmp"));
  const loaded = await core.group("Read the run record", () =>
    loadRecord(inputs.record, {
      workspace: inputs.workspace,
      runnerTemp,
      roots: inputs.pathRoots,
      ownRecord: env.MLOPS_RUN_RECORD,
    }),
  );
  const { record } = loaded;
  const model = inputs.modelName ?? checkModelName(record.model.name, "model-name");
  core.info(
    await checkModelFiles(record, {
      modelRoot: loaded.modelRoot,
      recordWrittenAtMs: loaded.writtenAtMs,
      recordLabel: loaded.label,
    }),
  );
  const template = inputs.modelCard === undefined ? undefined : await readFile(inputs.modelCard, "utf8");
  const recordSha256 = createHash("sha256").update(loaded.bytes).digest("hex");
  const [owner = "", repo = ""] = (env.GITHUB_REPOSITORY ?? "").split("/");
  const serverUrl = env.GITHUB_SERVER_URL ?? "https://github.com";
  let client: GitHubClient | undefined;
  const github = (): Promise<GitHubClient> => Promise.resolve((client ??= createOctokit(inputs.token)));
  const target = await backend.prepare({
    inputs,
    env,
    record,
    recordBytes: loaded.bytes,
    recordSha256,
    modelRoot: loaded.modelRoot,
    model,
    owner,
    repo,
    serverUrl,
    github,
    log: (message) => core.info(message),
  });

  const gate = inputs.requireGate
    ? await checkGate({
        recordSha256,
        recordLabel: loaded.label,
        runnerTemp,
        owner,
        repo,
        record,
        env,
        github,
      })
    : skipGate();

  const claim = await claimVersion(await github(), { owner, repo, model, record, env, inputs });
  const uri = target.uri(claim.version);
  const card = renderModelCard({
    record,
    version: claim.version,
    uri,
    ...(gate ? { gate } : {}),
    ...(template ? { template } : {}),
    serverUrl,
  });
  const published = await target.publish(claim, card, inputs.aliases);

  core.setOutput("version", claim.version);
  core.setOutput("uri", uri);
  core.setOutput("digest", published.digest);
  core.setOutput("model-digest", record.model.digest);
  core.setOutput("aliases", inputs.aliases.join("\n"));
  core.info(
    `Published ${published.summary}${inputs.aliases.length ? `; aliases ${inputs.aliases.join(", ")}` : ""}.`,
  );
}

interface GateCheck {
  recordSha256: string;
  recordLabel: string;
  runnerTemp: string;
  owner: string;
  repo: string;
  record: RunRecord;
  env: NodeJS.ProcessEnv;
  github: () => Promise<GitHubClient>;
}

/** require-gate: the gate's verdict on exactly this record, for the model card (or an error). */
async function checkGate(check: GateCheck): Promise<CardGate> {
  const decision = await core.group("Check the gate", () =>
    requireGate({
      recordSha256: check.recordSha256,
      recordLabel: check.recordLabel,
      runnerTemp: check.runnerTemp,
      owner: check.owner,
      repo: check.repo,
      headSha: check.record.code.headSha ?? check.record.code.sha,
      runId: check.env.GITHUB_RUN_ID ?? "0",
      github: check.github,
    }),
  );
  core.info(`Gate: ${decision.verdict} (${decision.where}).`);
  return { verdict: decision.verdict, source: decision.where };
}

function skipGate(): undefined {
  core.notice("require-gate is false: publishing without checking a gate verdict.");
  return undefined;
}

/** The version through the one claim sequence of every backend (a re-run completes its own claim). */
async function claimVersion(
  github: GitHubClient,
  job: {
    owner: string;
    repo: string;
    model: string;
    record: RunRecord;
    env: NodeJS.ProcessEnv;
    inputs: PublishInputs;
  },
): Promise<ClaimResult> {
  const { env, inputs, record } = job;
  const claim = await core.group("Claim the version", () =>
    new VersionClaims(github).claim({
      owner: job.owner,
      repo: job.repo,
      model: job.model,
      modelDigest: record.model.digest,
      runId: env.GITHUB_RUN_ID ?? "0",
      runAttempt: Number(env.GITHUB_RUN_ATTEMPT ?? "1") || 1,
      commitSha: record.code.sha,
      ...(inputs.version.auto ? {} : { version: inputs.version.version }),
    }),
  );
  core.info(
    `Version ${claim.version} (${claim.state === "new" ? "claimed" : `claimed before by run ${claim.claim.runId}`}, ${claim.ref}).`,
  );
  return claim;
}
