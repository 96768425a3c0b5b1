// What a registry backend is to publish-model: one module behind this interface, chosen from the table
// in backends.ts by the `registry` input. main.ts owns what every backend shares (the record, the model
// files check, the gate, the version claim, the card); a backend owns where the bytes go.
import type { GitHubClient } from "../../lib/octokit.ts";
import type { RunRecord } from "../../record/run-record.ts";
import type { ClaimResult } from "../../versioning/version-claims.ts";
import type { PublishInputs } from "./inputs.ts";

export interface PublishJob {
  inputs: PublishInputs;
  env: NodeJS.ProcessEnv;
  record: RunRecord;
  recordBytes: Uint8Array;
  /** sha256 hex of recordBytes. */
  recordSha256: string;
  modelRoot: string;
  model: string;
  owner: string;
  repo: string;
  serverUrl: string;
  github: () => Promise<GitHubClient>;
  log: (message: string) => void;
}

export interface PublishedVersion {
  /** The `digest` output: the immutable reference of this version in this backend. */
  digest: string;
  /** One line for the log: what was uploaded or found. */
  summary: string;
}

export interface PreparedBackend {
  /** Where versions live, for messages ("ghcr.io/acme/models/churn", "acme/models releases"). */
  label: string;
  /** The `uri` output of a version. */
  uri(version: string): string;
  /**
   * Publishes the claimed version completely or not at all (a re-publish of the same model digest
   * finds it and uploads nothing), then moves the aliases.
   */
  publish(claim: ClaimResult, card: string, aliases: readonly string[]): Promise<PublishedVersion>;
}

export interface ConfiguredBackend {
  /** Checks against the record that need no version: run before the claim, so a refusal leaves nothing. */
  prepare(job: PublishJob): Promise<PreparedBackend>;
}

export interface RegistryBackend {
  /** Checks of the inputs alone (credentials): run first, before any network. */
  configure(inputs: PublishInputs, env: NodeJS.ProcessEnv): Promise<ConfiguredBackend>;
}
