// The registry backends publish-model serves, one module each behind RegistryBackend (backend.ts),
// chosen by the `registry` input. A new backend is one line here and one module.
import type { RegistryBackend } from "./backend.ts";
import type { PUBLISHABLE } from "./inputs.ts";
import { ociBackend } from "./publish-oci.ts";
import { releaseBackend } from "./publish-release.ts";

export const BACKENDS: Record<(typeof PUBLISHABLE)[number], RegistryBackend> = {
  oci: ociBackend,
  "github-release": releaseBackend,
};
