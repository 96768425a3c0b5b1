// What publish-model needs from an OCI registry client: the seam where src/registry/oci's client plugs
// in (openArtifactStore in main.ts). Everything that decides what to push and in which order lives on
// this side of it (publish-oci.ts); the client owns HTTP, auth, chunking and resuming.
import type { Credentials, RegistryLocation } from "../../registry/oci/index.ts";

export interface StoredManifest {
  /** sha256:<hex> of `bytes`, checked by the client. */
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
}

/** One repository (<registry-url>/<model-name>) of an OCI registry. */
export interface ArtifactStore {
  /** HEAD /v2/<repo>/blobs/<digest>. */
  hasBlob(digest: string): Promise<boolean>;
  /**
   * Uploads a blob streamed from `path` (constant memory) or from `bytes`; the registry verifies the digest.
   * Content-Type application/octet-stream; chunked when the store was opened with a chunk size.
   */
  pushBlob(blob: { digest: string; size: number; path?: string; bytes?: Uint8Array }): Promise<void>;
  /** The manifest at a tag or digest, or undefined on 404. */
  getManifest(reference: string): Promise<StoredManifest | undefined>;
  /** PUT /v2/<repo>/manifests/<reference>; returns the digest the registry answers. */
  putManifest(reference: string, bytes: Uint8Array, mediaType: string): Promise<string>;
  listTags(): Promise<string[]>;
}

export interface StoreTarget {
  url: RegistryLocation;
  /** <namespace>/<model-name> */
  repository: string;
  credential: Credentials | undefined;
  chunkSize: number | undefined;
}

export type OpenArtifactStore = (target: StoreTarget) => Promise<ArtifactStore>;
