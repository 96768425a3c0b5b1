// The OCI distribution client: where (location), who (credentials), and the client itself.
export { Authenticator, CredentialError, parseChallenge } from "./auth.ts";
export {
  createOciClient,
  MANIFEST_MEDIA_TYPES,
  sha256Digest,
  type BlobSource,
  type ManifestHead,
  type ManifestResult,
  type OciClient,
  type OciClientOptions,
  type Progress,
  type PushBlobResult,
} from "./client.ts";
export {
  defaultDockerConfigPath,
  dockerConfigCredentials,
  GHCR_HOST,
  resolveCredentials,
  type CredentialOptions,
  type Credentials,
} from "./credentials.ts";
export { RegistryAccessError, RegistryError } from "./errors.ts";
export { isLoopbackHost, parseRegistryUrl, repositoryFor, type RegistryLocation } from "./location.ts";
