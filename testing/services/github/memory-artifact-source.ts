// The ArtifactSource the double uses when a test gives none: artifacts and their zips in memory, the zips
// served by the double itself under /_blobs/ (where GitHub would redirect to blob storage).
import type { ArtifactSource, StoredArtifact } from "../artifact-source.ts";
import { timestamp } from "./state.ts";
import { zip } from "./zip.ts";

export interface AddArtifact {
  name: string;
  workflowRunId: number;
  /** File name → content, zipped on add. */
  files: Record<string, string | Buffer>;
  /** Days until it expires (default 90, GitHub's default retention). */
  retentionDays?: number;
  finalized?: boolean;
}

export class MemoryArtifactSource implements ArtifactSource {
  private readonly artifacts = new Map<number, { meta: StoredArtifact; zip: Buffer }>();
  private nextId = 5_000_001;
  /** Set by the double: where /_blobs/ is served. */
  blobRoot = "";

  add(artifact: AddArtifact): StoredArtifact {
    const bytes = zip(artifact.files);
    const now = new Date();
    const meta: StoredArtifact = {
      id: this.nextId++,
      name: artifact.name,
      workflowRunId: artifact.workflowRunId,
      size: bytes.length,
      createdAt: timestamp(now),
      expiresAt: timestamp(new Date(now.getTime() + (artifact.retentionDays ?? 90) * 86_400_000)),
      finalized: artifact.finalized ?? true,
    };
    this.artifacts.set(meta.id, { meta, zip: bytes });
    return meta;
  }

  list(filter: { workflowRunId?: number; name?: string } = {}): StoredArtifact[] {
    return [...this.artifacts.values()]
      .map((a) => a.meta)
      .filter((a) => a.finalized)
      .filter((a) => filter.workflowRunId === undefined || a.workflowRunId === filter.workflowRunId)
      .filter((a) => filter.name === undefined || a.name === filter.name)
      .sort((a, b) => b.id - a.id);
  }

  get(id: number): StoredArtifact | undefined {
    return this.artifacts.get(id)?.meta;
  }

  delete(id: number): boolean {
    return this.artifacts.delete(id);
  }

  expire(id: number): void {
    const entry = this.artifacts.get(id);
    if (entry) entry.meta.expiresAt = timestamp(new Date(Date.now() - 1000));
  }

  downloadUrl(id: number): Promise<string> {
    if (!this.blobRoot)
      return Promise.reject(new Error("MemoryArtifactSource is not attached to a GitHub double"));
    return Promise.resolve(`${this.blobRoot}/${id}.zip?sig=double`);
  }

  zipBytes(id: number): Buffer | undefined {
    return this.artifacts.get(id)?.zip;
  }
}
