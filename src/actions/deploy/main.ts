import * as core from "@actions/core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTarget, type TargetSettings } from "../../deploy-targets/index.ts";
import { octokitDeployments } from "./deployments-api.ts";
import { formatModelRef } from "../../deployments/model-ref.ts";
import { runAction } from "../../lib/action.ts";
import { ConfigurationError } from "../../formats/errors.ts";
import { createOctokit } from "../../lib/octokit.ts";
import { appendSummary } from "../../lib/summary.ts";
import { deploy, type DeployOutcome } from "./flow.ts";
import { getInputs, type DeployInputs } from "./inputs.ts";
import type { ModelResolver } from "../../deployments/model-ref.ts";
import { createReleaseResolver } from "./release-resolver.ts";
import { createModelResolver } from "./resolver.ts";
import { Timeline } from "./timeline.ts";

/** A deploy whose checks failed: one annotation with the reason, exit 1, no stack. */
class DeployFailed extends ConfigurationError {
  override readonly name = "DeployFailed";
}

export async function run(): Promise<void> {
  await runAction(async () => {
    const inputs = getInputs();
    if (inputs.webhook) core.setSecret(inputs.webhook.secret);
    if (inputs.registry.password) core.setSecret(inputs.registry.password);
    const env = process.env;
    const [owner = "", repo = ""] = (env.GITHUB_REPOSITORY ?? "").split("/");
    const api = octokitDeployments(createOctokit(inputs.githubToken), { owner, repo });
    // One resolver per registry backend (the `registry` input).
    const resolvers: Record<"oci" | "github-release", () => ModelResolver> = {
      oci: () => createModelResolver(inputs.registry, inputs.githubToken),
      "github-release": () =>
        createReleaseResolver(createOctokit(inputs.githubToken), { owner, repo }, env.GITHUB_SERVER_URL),
    };
    const resolver = resolvers[inputs.registry.kind as keyof typeof resolvers]();
    const timeline = new Timeline();
    const runId = env.GITHUB_RUN_ID ?? "0";
    const logUrl =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${runId}`
        : undefined;
    let outcome: DeployOutcome | undefined;
    try {
      outcome = await deploy(
        {
          model: inputs.model,
          modelName: inputs.modelName,
          environment: inputs.environment,
          rollback: inputs.rollback,
          promoteAlias: inputs.promoteAlias,
          health: inputs.health,
          smoke: inputs.smoke,
          load: inputs.load,
        },
        {
          api,
          resolver,
          target: createTarget(inputs.target, targetSettings(inputs, env)),
          run: { id: runId, attempt: Number(env.GITHUB_RUN_ATTEMPT ?? "1") },
          ref: env.GITHUB_SHA ?? env.GITHUB_REF ?? "HEAD",
          logUrl,
          workDir: mkdtempSync(join(env.RUNNER_TEMP ?? tmpdir(), "mlops-deploy-")),
          timeline,
          log: (line) => core.info(line),
        },
      );
    } finally {
      await appendSummary(timeline.render(`deploy ${formatModelRef(inputs.model)} → ${inputs.environment}`));
    }
    setOutputs(outcome);
    if (!outcome.ok)
      throw new DeployFailed(
        `Deploy of ${inputs.modelName} ${outcome.version} to ${inputs.environment} failed: ${outcome.failureReason}`,
      );
  });
}

function targetSettings(inputs: DeployInputs, env: NodeJS.ProcessEnv): TargetSettings {
  const log = (line: string): void => core.info(line);
  return {
    ...(inputs.webhook
      ? {
          webhook: {
            url: inputs.webhook.url,
            key: inputs.webhook.key,
            timeoutMs: inputs.webhook.timeoutMs,
            log,
          },
        }
      : {}),
    ...(inputs.command !== undefined
      ? {
          command: {
            command: inputs.command,
            ...(inputs.commandTimeoutMs !== undefined ? { timeoutMs: inputs.commandTimeoutMs } : {}),
            cwd: env.GITHUB_WORKSPACE ?? process.cwd(),
            env,
            onOutput: (chunk: Buffer) => process.stdout.write(chunk),
          },
        }
      : {}),
  };
}

function setOutputs(outcome: DeployOutcome): void {
  core.setOutput("deployment-id", String(outcome.deploymentId));
  core.setOutput("environment-url", outcome.environmentUrl);
  core.setOutput("version", outcome.version);
  core.setOutput("digest", outcome.digest);
  core.setOutput("rolled-back", String(outcome.rolledBack));
  core.setOutput("previous-version", outcome.previousVersion);
  core.setOutput("failure-reason", outcome.failureReason);
}
