// deploy's inputs, read and checked once, before anything is created. Names match actions/deploy/action.yml.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isOipHealthUrl } from "../../deploy-checks/health.ts";
import { parseLoadSpec, type LoadSpec } from "../../deploy-checks/load.ts";
import { parseSmokeTests, type SmokeRequest } from "../../deploy-checks/smoke.ts";
import { targetName, type TargetName } from "../../deploy-targets/index.ts";
import { webhookKey } from "../../deploy-targets/standard-webhooks.ts";
import { parseModelRef, type ModelRef } from "../../deployments/model-ref.ts";
import { actionInputs } from "../../lib/action.ts";
import { InputError } from "../../formats/errors.ts";
import type { Inputs } from "../../lib/inputs.ts";
import { defaultModelName } from "../../lib/run-context.ts";
import {
  defaultRegistryUrl,
  parseRegistryInputs,
  type RegistryInputs,
} from "../../registry/registry-inputs.ts";

export interface DeployInputs {
  model: ModelRef;
  modelName: string;
  registry: RegistryInputs;
  environment: string;
  target: TargetName;
  webhook: { url: string; secret: string; key: Buffer; timeoutMs: number } | undefined;
  command: string | undefined;
  /** target command: the command's process group is stopped after this long. */
  commandTimeoutMs: number | undefined;
  health: { url: string; timeoutMs: number; oip: boolean } | undefined;
  smoke: SmokeRequest[] | undefined;
  load: LoadSpec | undefined;
  rollback: boolean;
  promoteAlias: string;
  githubToken: string;
}

export function getInputs(
  env: NodeJS.ProcessEnv = process.env,
  inputs: Inputs = actionInputs(),
): DeployInputs {
  const environment = inputs.string("environment", "production");
  if (environment.length > 255 || /[\r\n]/.test(environment)) {
    throw new InputError(
      "environment",
      environment,
      "is not a GitHub environment name",
      "Use the name of an environment in Settings → Environments (at most 255 characters).",
    );
  }
  const { model, modelName } = modelInputs(inputs, env);
  const target = targetName(inputs.required("target", "Set 'target: webhook' or 'target: command'."));
  const health = healthInputs(inputs);
  const smokeFile = inputs.optional("smoke-test");
  const smoke = smokeFile === undefined ? undefined : readSmokeTests(smokeFile, env);
  if (smoke && !health) {
    throw new InputError(
      "smoke-test",
      smokeFile ?? "",
      "needs health-url",
      "Smoke tests go to health-url's origin: set 'health-url' too.",
    );
  }
  const loadText = inputs.optional("load-test");
  const load = loadText === undefined ? undefined : parseLoadSpec(loadText);
  if (load && !smoke) {
    throw new InputError(
      "load-test",
      loadText ?? "",
      "needs smoke-test",
      "The load test sends the smoke test's first request: set 'smoke-test' (and 'health-url') too.",
    );
  }
  return {
    model,
    modelName,
    registry: parseRegistryInputs(inputs, {
      defaultUrl: defaultRegistryUrl(env),
      available: ["oci", "github-release"],
    }),
    environment,
    target,
    webhook: target === "webhook" ? webhookInputs(inputs) : undefined,
    command:
      target === "command"
        ? inputs.required(
            "command",
            "Set 'command' to the bash that deploys $MLOPS_MODEL_DIR (target: command).",
          )
        : undefined,
    commandTimeoutMs:
      target === "command"
        ? (inputs.number("command-timeout", { min: 1, max: 6 * 3600 }) ?? 600) * 1000
        : undefined,
    health,
    smoke,
    load,
    rollback: inputs.boolean("rollback", true),
    promoteAlias: inputs.string("promote-alias", environment),
    githubToken: inputs.string("github-token", ""),
  };
}

function modelInputs(inputs: Inputs, env: NodeJS.ProcessEnv): { model: ModelRef; modelName: string } {
  const nameInput = inputs.optional("model-name");
  const raw = inputs.optional("model");
  const fallbackName = nameInput ?? defaultModelName(env, ".");
  const text =
    raw === undefined ? `${fallbackName}@staging` : raw.startsWith("@") ? `${fallbackName}${raw}` : raw;
  const model = parseModelRef(text);
  if (nameInput !== undefined && model.name !== nameInput) {
    throw new InputError(
      "model",
      raw ?? "",
      `names model '${model.name}' but model-name is '${nameInput}'`,
      "Make them agree, or leave 'model-name' out.",
    );
  }
  return { model, modelName: model.name };
}

function webhookInputs(inputs: Inputs): NonNullable<DeployInputs["webhook"]> {
  const url = inputs.required(
    "webhook-url",
    "Set 'webhook-url' to your deploy receiver's URL (target: webhook).",
  );
  checkHttpUrl("webhook-url", url);
  const secret = inputs.required(
    "webhook-secret",
    "Set 'webhook-secret: ${{ secrets.DEPLOY_WEBHOOK_SECRET }}' (a whsec_… Standard Webhooks secret).",
  );
  const key = webhookKey(secret);
  const seconds = inputs.number("webhook-timeout", { min: 1, max: 6 * 3600 }) ?? 600;
  return { url, secret, key, timeoutMs: seconds * 1000 };
}

function healthInputs(inputs: Inputs): DeployInputs["health"] {
  const url = inputs.optional("health-url");
  if (url === undefined) return undefined;
  checkHttpUrl("health-url", url);
  const seconds = inputs.number("health-timeout", { min: 1, max: 6 * 3600 }) ?? 300;
  return { url, timeoutMs: seconds * 1000, oip: isOipHealthUrl(url) };
}

function checkHttpUrl(input: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new InputError(
      input,
      value,
      "is not an http(s) URL",
      "Give a full URL, e.g. https://models.example.com/v2/health/ready.",
    );
  }
}

function readSmokeTests(file: string, env: NodeJS.ProcessEnv): SmokeRequest[] {
  const path = resolve(env.GITHUB_WORKSPACE ?? process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(
      "smoke-test",
      file,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      "Give the path of a smoke-test file relative to the workspace; see the deploy README for its format.",
    );
  }
  return parseSmokeTests(text, file);
}
