// Where deploy gets its ModelResolver. The OCI registry client (src/registry/oci/) is plugged in here
// when it lands; until then deploy says so instead of pretending.
import type { ModelResolver } from "../../deployments/model-ref.ts";
import { NotImplementedError } from "../../formats/errors.ts";
import type { RegistrySettings } from "./inputs.ts";

export function createModelResolver(_settings: RegistrySettings, _token: string): ModelResolver {
  throw new NotImplementedError(
    "deploy cannot resolve models yet in this version of mlops-actions: the registry client is not wired in. Pin a release whose deploy resolves models.",
  );
}
