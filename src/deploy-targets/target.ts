// What every deploy target does: put one model version in place (or back, when rolling back).
import { ConfigurationError } from "../formats/errors.ts";

export interface DeployRequest {
  model: {
    name: string;
    uri: string;
    digest: string;
    version: string;
    /** The pulled, verified files (command targets). */
    dir: string;
  };
  environment: string;
  deploymentId: number;
  rollback: boolean;
}

export interface TargetOutcome {
  /** One line for the timeline: what the target answered. */
  detail: string;
}

export interface DeployTarget {
  readonly name: string;
  /** Whether the model's files must be pulled first (MLOPS_MODEL_DIR); a webhook receiver pulls itself. */
  readonly needsFiles: boolean;
  deploy(request: DeployRequest): Promise<TargetOutcome>;
}

/** The target refused or failed the deploy: the user's system said no, not a bug here (no stack). */
export class TargetFailed extends ConfigurationError {
  override readonly name: string = "TargetFailed";
}

/** The job was cancelled while the target ran: no rollback is started, the runner is about to stop us. */
export class TargetCancelled extends TargetFailed {
  override readonly name = "TargetCancelled";
}
