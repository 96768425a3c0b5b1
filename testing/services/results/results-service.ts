// The Actions "results" service on 127.0.0.1: artifacts (Twirp ArtifactService) and cache v2 (Twirp
// CacheService), storing bytes in Azurite. The unmodified @actions/artifact and @actions/cache talk to it
// when given envFor(...). It is also the ArtifactSource the GitHub REST double lists and serves from.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ArtifactSource, StoredArtifact } from "../artifact-source.ts";
import type { Azurite } from "../azurite.ts";
import { ARTIFACT_CONTAINER, ArtifactStore } from "./artifact-service.ts";
import { BlobStorage } from "./blob-storage.ts";
import { CACHE_CONTAINER, CacheStore, type CacheEntry } from "./cache-service.ts";
import { mintRuntimeToken, type RunIdentity } from "./runtime-token.ts";
import { twirpHandler, type TwirpCall } from "./twirp.ts";

export { mintRuntimeToken, type RunIdentity } from "./runtime-token.ts";
export type { CacheEntry } from "./cache-service.ts";
export type { TwirpCall } from "./twirp.ts";

export interface ResultsServiceOptions {
  azurite: Pick<Azurite, "blobUrl" | "accountName" | "accountKey">;
  /** Retention for artifacts uploaded without retentionDays. Defaults to 90 (GitHub's default). */
  retentionDays?: number;
}

export interface ResultsService extends ArtifactSource {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Milliseconds from the call until the server listened with its containers created. */
  startMs: number;
  /**
   * What a step process needs for @actions/artifact and @actions/cache to use this service. Callers add
   * GITHUB_WORKSPACE and RUNNER_TEMP (the cache library otherwise writes under /home/actions/temp).
   */
  envFor(identity: RunIdentity): Record<string, string>;
  cacheEntries(): CacheEntry[];
  /** Requests answered so far, in order, with their status: lets tests tell a miss from a failure. */
  calls: readonly TwirpCall[];
  close(): Promise<void>;
}

export async function startResultsService(options: ResultsServiceOptions): Promise<ResultsService> {
  const started = performance.now();
  const blobs = new BlobStorage(options.azurite);
  await Promise.all([blobs.createContainer(ARTIFACT_CONTAINER), blobs.createContainer(CACHE_CONTAINER)]);
  const artifacts = new ArtifactStore(blobs, { retentionDays: options.retentionDays ?? 90 });
  const cache = new CacheStore(blobs);
  const calls: TwirpCall[] = [];
  const server = createServer(
    twirpHandler({ ...artifacts.routes(), ...cache.routes() }, (call) => calls.push(call)),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    startMs: Math.round(performance.now() - started),
    calls,
    list: (filter?: { workflowRunId?: number; name?: string }): StoredArtifact[] => artifacts.list(filter),
    get: (id: number) => artifacts.get(id),
    delete: (id: number) => artifacts.delete(id),
    expire: (id: number) => artifacts.expire(id),
    downloadUrl: (id: number) => artifacts.downloadUrl(id),
    cacheEntries: () => cache.entries(),
    envFor: (identity: RunIdentity) => ({
      ACTIONS_RUNTIME_TOKEN: mintRuntimeToken(identity),
      ACTIONS_RESULTS_URL: `${url}/`,
      // Selects cache service v2 (Twirp); without it @actions/cache speaks the retired v1 REST protocol.
      ACTIONS_CACHE_SERVICE_V2: "true",
      // Anything but github.com (or *.ghe.com) makes both libraries assume GHES: artifact refuses,
      // cache falls back to v1.
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: String(identity.workflowRunId),
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_REF: identity.ref ?? "refs/heads/main",
    }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await artifacts.settle();
    },
  };
}
