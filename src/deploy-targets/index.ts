// Deploy targets, chosen by name from one table. A new target is one module and one row here.
import { InputError } from "../formats/errors.ts";
import { CommandTarget, type CommandTargetOptions } from "./command.ts";
import type { DeployTarget } from "./target.ts";
import { WebhookTarget, type WebhookOptions } from "./webhook.ts";

export interface TargetSettings {
  webhook?: WebhookOptions;
  command?: CommandTargetOptions;
}

const TARGETS = {
  webhook: (settings: TargetSettings) => settings.webhook && new WebhookTarget(settings.webhook),
  command: (settings: TargetSettings) => settings.command && new CommandTarget(settings.command),
} satisfies Record<string, (settings: TargetSettings) => DeployTarget | undefined>;

export type TargetName = keyof typeof TARGETS;
export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

/** Checks a `target` input value; unknown values are an error naming every target. */
export function targetName(value: string, input = "target"): TargetName {
  const name = TARGET_NAMES.find((n) => n === value.trim().toLowerCase());
  if (name === undefined) {
    throw new InputError(input, value, "is not a deploy target", `Use one of: ${TARGET_NAMES.join(", ")}.`);
  }
  return name;
}

export function createTarget(name: TargetName, settings: TargetSettings): DeployTarget {
  const target = TARGETS[name](settings);
  if (!target) throw new Error(`No settings for the ${name} target were given (a bug in the caller).`);
  return target;
}

export type { DeployRequest, DeployTarget, TargetOutcome } from "./target.ts";
export { TargetCancelled, TargetFailed } from "./target.ts";
