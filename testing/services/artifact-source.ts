// The contract between the results (Twirp) service, which stores what @actions/artifact uploads, and the
// GitHub REST double, which lists those artifacts and serves their zips the way api.github.com does.

export interface StoredArtifact {
  /** Numeric id as the REST API shows it. */
  id: number;
  name: string;
  /** The numeric workflow run id (GITHUB_RUN_ID) of the run that uploaded it. */
  workflowRunId: number;
  size: number;
  /** "sha256:<hex>" as FinalizeArtifact received it, when given. */
  digest?: string;
  createdAt: string;
  expiresAt: string;
  /** False between CreateArtifact and FinalizeArtifact: not listed by either API. */
  finalized: boolean;
}

export interface ArtifactSource {
  /** Finalized artifacts, optionally of one run, newest first. */
  list(filter?: { workflowRunId?: number; name?: string }): StoredArtifact[];
  get(id: number): StoredArtifact | undefined;
  delete(id: number): boolean;
  /** Marks an artifact expired (REST shows `expired: true`, downloads answer 410). */
  expire(id: number): void;
  /** A URL that serves the artifact's zip bytes with a plain GET (an Azurite SAS URL). */
  downloadUrl(id: number): Promise<string>;
}
