// publish-model: read the record → check the model files are the ones it describes → the gate
// requirement → claim the version → push blobs, config, manifest → tag → aliases last → outputs.
// Everything before the claim is local (bad input and changed files fail before any network).
import * as core from "@actions/core";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runAction } from "../../lib/action.ts";
import { createOctokit, type GitHubClient } from "../../lib/octokit.ts";
import { registryCredentials } from "../../registry/registry-inputs.ts";
import { createOciClient } from "../../registry/oci/client.ts";
import { repositoryFor } from "../../registry/oci/location.ts";
import { renderModelCard, type CardGate } from "../../model-card/model-card.ts";
import { buildModelPack } from "../../modelpack/artifact.ts";
import { VersionClaims } from "../../versioning/version-claims.ts";
import { checkModelName } from "../../versioning/version-names.ts";
import { requireGate } from "./gate-evidence.ts";
import { getInputs, type PublishInputs } from "./inputs.ts";
import { checkModelFiles } from "./model-files.ts";
import { moveAliases, publishModelPack } from "./publish-oci.ts";
import { loadRecord } from "./record-source.ts";

export async function run(): Promise<void> {
  await runAction(async () => {
    await publish(getInputs(), process.env);
  });
}

export async function publish(inputs: PublishInputs, env: NodeJS.ProcessEnv): Promise<void> {
  // Local checks first: a half-given credential is an input mistake, found before any network.
  const credentials = await registryCredentials(inputs.registry, inputs.registry.url, env, inputs.token);
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
  let client: GitHubClient | undefined;
  const github = (): Promise<GitHubClient> => Promise.resolve((client ??= createOctokit(inputs.token)));

  let gate: CardGate | undefined;
  if (inputs.requireGate) {
    const decision = await core.group("Check the gate", () =>
      requireGate({
        recordSha256,
        recordLabel: loaded.label,
        runnerTemp,
        owner,
        repo,
        headSha: record.code.headSha ?? record.code.sha,
        runId: env.GITHUB_RUN_ID ?? "0",
        github,
      }),
    );
    core.info(`Gate: ${decision.verdict} (${decision.where}).`);
    gate = { verdict: decision.verdict, source: decision.where };
  } else {
    core.notice("require-gate is false: publishing without checking a gate verdict.");
  }

  const repository = repositoryFor(inputs.registry.url, model);
  const label = `${inputs.registry.url.host}/${repository}`;
  const store = createOciClient({
    location: inputs.registry.url,
    repository,
    credentials,
    chunkSizeMiB: inputs.chunkSizeMiB,
  });
  if (credentials) core.info(`Registry credentials: ${credentials.source}.`);

  const claim = await core.group("Claim the version", async () =>
    new VersionClaims(await github()).claim({
      owner,
      repo,
      model,
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
  const uri = `oci://${label}:${claim.version}`;
  const pack = buildModelPack({
    record,
    recordBytes: loaded.bytes,
    modelRoot: loaded.modelRoot,
    card: renderModelCard({
      record,
      version: claim.version,
      uri,
      ...(gate ? { gate } : {}),
      ...(template ? { template } : {}),
      serverUrl: env.GITHUB_SERVER_URL ?? "https://github.com",
    }),
    version: claim.version,
    serverUrl: env.GITHUB_SERVER_URL ?? "https://github.com",
  });
  const published = await core.group(`Push ${uri}`, () =>
    publishModelPack(store, pack, { version: claim.version, label, log: { info: (m) => core.info(m) } }),
  );
  await moveAliases(store, claim.version, inputs.aliases, label);

  core.setOutput("version", claim.version);
  core.setOutput("uri", uri);
  core.setOutput("digest", published.digest);
  core.setOutput("model-digest", record.model.digest);
  core.setOutput("aliases", inputs.aliases.join("\n"));
  core.info(
    `Published ${uri} (${published.digest}): ${published.existed ? "already complete" : `${published.uploadedBlobs} blob(s) uploaded, ${published.skippedBlobs} already there`}${inputs.aliases.length ? `; aliases ${inputs.aliases.join(", ")}` : ""}.`,
  );
}
