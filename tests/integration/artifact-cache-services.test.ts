// The unmodified @actions/artifact and @actions/cache against Azurite plus our results (Twirp) service:
// in this process with the env a step would get, and once in a child Node process given only envFor(...).
import { DefaultArtifactClient } from "@actions/artifact";
import * as cache from "@actions/cache";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../../testing/services/azurite.ts";
import {
  startResultsService,
  type ResultsService,
  type RunIdentity,
} from "../../testing/services/results/results-service.ts";

const RUN_ID = 4242;
const repoRoot = join(import.meta.dirname, "..", "..");

let azurite: Azurite;
let service: ResultsService;
let workspace: string;
const savedEnv = new Map<string, string | undefined>();

/** Points the libraries in this process at `identity`'s run; afterAll restores whatever was there. */
function useRun(identity: RunIdentity): void {
  const env = {
    ...service.envFor(identity),
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: join(workspace, "_runner_temp"),
  };
  for (const [name, value] of Object.entries(env)) {
    if (!savedEnv.has(name)) savedEnv.set(name, process.env[name]);
    process.env[name] = value;
  }
}

/** "Method status" for each service call since `from`, e.g. "CreateCacheEntry 409". */
function callsSince(from: number): string[] {
  return service.calls.slice(from).map((call) => `${call.route.split("/")[1] ?? call.route} ${call.status}`);
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  const paths: string[] = [];
  for (const [relative, content] of Object.entries(files)) {
    const path = join(dir, relative);
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, content);
    paths.push(path);
  }
  return paths;
}

beforeAll(async () => {
  azurite = await startAzurite();
  service = await startResultsService({ azurite });
  workspace = await mkdtemp(join(tmpdir(), "results-service-test-"));
  await mkdir(join(workspace, "_runner_temp"));
  console.log(`Azurite started in ${azurite.startMs} ms; results service in ${service.startMs} ms`);
  useRun({ workflowRunId: RUN_ID });
});

afterAll(async () => {
  for (const [name, value] of savedEnv) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
  await service?.close();
  await azurite?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

describe("artifacts through the real @actions/artifact", () => {
  it("uploads files, lists them, downloads by id with the same content and digest", async () => {
    useRun({ workflowRunId: RUN_ID });
    const source = join(workspace, "model-out");
    const files = await writeFiles(source, {
      "metrics.json": JSON.stringify({ accuracy: 0.93 }),
      "model/weights.bin": "w".repeat(50_000),
      "model/card.md": "# Model card\n",
    });
    const client = new DefaultArtifactClient();
    const uploaded = await client.uploadArtifact("model", files, source);
    expect(uploaded.id).toBeGreaterThan(0);
    expect(uploaded.size).toBeGreaterThan(0);

    const { artifacts } = await client.listArtifacts();
    expect(artifacts.map((a) => [a.name, a.id])).toEqual([["model", uploaded.id]]);
    expect(artifacts[0]?.digest).toBe(`sha256:${uploaded.digest ?? ""}`);

    const stored = service.get(uploaded.id ?? -1);
    expect(stored).toMatchObject({
      name: "model",
      workflowRunId: RUN_ID,
      size: uploaded.size,
      digest: `sha256:${uploaded.digest ?? ""}`,
      finalized: true,
    });

    const target = join(workspace, "downloaded");
    const result = await client.downloadArtifact(uploaded.id ?? -1, {
      path: target,
      expectedHash: `sha256:${uploaded.digest ?? ""}`,
    });
    expect(result.digestMismatch).toBe(false);
    expect(await readFile(join(target, "metrics.json"), "utf8")).toBe(JSON.stringify({ accuracy: 0.93 }));
    expect(await readFile(join(target, "model/weights.bin"), "utf8")).toBe("w".repeat(50_000));
    expect(await readFile(join(target, "model/card.md"), "utf8")).toBe("# Model card\n");
  });

  it("uploads a single file unzipped (skipArchive) and downloads it under its own name", async () => {
    useRun({ workflowRunId: RUN_ID });
    const [file] = await writeFiles(join(workspace, "raw"), { "summary.json": '{"passed":true}' });
    const client = new DefaultArtifactClient();
    const { id } = await client.uploadArtifact("ignored", [file ?? ""], join(workspace, "raw"), {
      skipArchive: true,
    });
    expect(service.get(id ?? -1)?.name).toBe("summary.json");
    const target = join(workspace, "raw-downloaded");
    await client.downloadArtifact(id ?? -1, { path: target });
    expect(await readFile(join(target, "summary.json"), "utf8")).toBe('{"passed":true}');
  });

  it("serves the uploaded zip itself at downloadUrl, for the REST double's redirect", async () => {
    const [stored] = service.list({ workflowRunId: RUN_ID, name: "model" });
    if (stored === undefined) throw new Error("the first test's artifact is missing");
    const response = await fetch(await service.downloadUrl(stored.id));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/zip");
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("PK\x03\x04");
    expect(bytes.length).toBe(stored.size);
    expect(`sha256:${sha256(bytes)}`).toBe(stored.digest);
  });

  it("rejects a second artifact with the same name in the run, as GitHub does (409, not retried)", async () => {
    useRun({ workflowRunId: RUN_ID });
    const files = await writeFiles(join(workspace, "dup"), { "a.txt": "a" });
    const client = new DefaultArtifactClient();
    await client.uploadArtifact("report", files, join(workspace, "dup"));
    const started = Date.now();
    await expect(client.uploadArtifact("report", files, join(workspace, "dup"))).rejects.toThrow(
      "Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run",
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(service.list({ workflowRunId: RUN_ID, name: "report" })).toHaveLength(1);
  });

  it("keeps each run's artifacts to its own token", async () => {
    useRun({ workflowRunId: RUN_ID + 1 });
    const client = new DefaultArtifactClient();
    expect((await client.listArtifacts()).artifacts).toEqual([]);
    await expect(client.getArtifact("model")).rejects.toThrow("Artifact not found for name: model");
    useRun({ workflowRunId: RUN_ID });
  });

  it("honours retentionDays, and expire() hides the artifact and refuses its download", async () => {
    useRun({ workflowRunId: RUN_ID });
    const files = await writeFiles(join(workspace, "short"), { "log.txt": "short-lived" });
    const client = new DefaultArtifactClient();
    const { id } = await client.uploadArtifact("short-lived", files, join(workspace, "short"), {
      retentionDays: 3,
    });
    const stored = service.get(id ?? -1);
    const expectedExpiry = Date.now() + 3 * 24 * 3600 * 1000;
    expect(Math.abs(Date.parse(stored?.expiresAt ?? "") - expectedExpiry)).toBeLessThan(60_000);

    service.expire(id ?? -1);
    expect(Date.parse(service.get(id ?? -1)?.expiresAt ?? "")).toBeLessThanOrEqual(Date.now());
    // Still listed for the REST double (which shows expired: true), gone for the run itself.
    expect(service.list({ name: "short-lived" })).toHaveLength(1);
    expect((await client.listArtifacts()).artifacts.map((a) => a.name)).not.toContain("short-lived");
    await expect(service.downloadUrl(id ?? -1)).rejects.toThrow(/expired/);
  });

  it("deletes by name through the library and removes the blob", async () => {
    useRun({ workflowRunId: RUN_ID });
    const files = await writeFiles(join(workspace, "gone"), { "x.txt": "x" });
    const client = new DefaultArtifactClient();
    const { id } = await client.uploadArtifact("to-delete", files, join(workspace, "gone"));
    const url = await service.downloadUrl(id ?? -1);
    expect((await client.deleteArtifact("to-delete")).id).toBe(id);
    expect(service.get(id ?? -1)).toBeUndefined();
    // The blob goes asynchronously (delete() is synchronous for the REST double); allow it a moment.
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 404; attempt++) {
      const response = await fetch(url);
      await response.body?.cancel();
      status = response.status;
      if (status !== 404) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(404);
  });
});

describe("cache through the real @actions/cache (service v2)", () => {
  it("saves, restores by exact key, by prefix (newest match), and misses", async () => {
    useRun({ workflowRunId: RUN_ID });
    const callsBefore = service.calls.length;
    const dir = join(workspace, "deps");
    await writeFiles(dir, { "lib.txt": "version one" });
    const firstId = await cache.saveCache([dir], "deps-linux-aaa");
    expect(firstId).toBeGreaterThan(0);
    await writeFile(join(dir, "lib.txt"), "version two");
    expect(await cache.saveCache([dir], "deps-linux-bbb")).toBeGreaterThan(firstId);

    await rm(dir, { recursive: true });
    expect(await cache.restoreCache([dir], "deps-linux-aaa")).toBe("deps-linux-aaa");
    expect(await readFile(join(dir, "lib.txt"), "utf8")).toBe("version one");

    await rm(dir, { recursive: true });
    expect(await cache.restoreCache([dir], "deps-linux-ccc", ["deps-linux-"])).toBe("deps-linux-bbb");
    expect(await readFile(join(dir, "lib.txt"), "utf8")).toBe("version two");

    expect(await cache.restoreCache([dir], "deps-windows-aaa", ["deps-windows-"])).toBeUndefined();
    // A different path set is a different cache version: no match even with the same key.
    expect(await cache.restoreCache([join(workspace, "elsewhere")], "deps-linux-aaa")).toBeUndefined();

    // restoreCache turns any failure into `undefined`: the service's record tells the misses (answered
    // 200 with ok=false) from errors. Every call went to the v2 CacheService.
    expect(callsSince(callsBefore)).toEqual([
      "CreateCacheEntry 200",
      "FinalizeCacheEntryUpload 200",
      "CreateCacheEntry 200",
      "FinalizeCacheEntryUpload 200",
      "GetCacheEntryDownloadURL 200",
      "GetCacheEntryDownloadURL 200",
      "GetCacheEntryDownloadURL 200",
      "GetCacheEntryDownloadURL 200",
    ]);
    expect(service.calls.slice(callsBefore).every((c) => c.route.includes(".CacheService/"))).toBe(true);
  });

  it("refuses to overwrite an existing key (saveCache reports -1, one entry stays)", async () => {
    useRun({ workflowRunId: RUN_ID });
    const dir = join(workspace, "once");
    await writeFiles(dir, { "f.txt": "first" });
    expect(await cache.saveCache([dir], "once-key")).toBeGreaterThan(0);
    await writeFile(join(dir, "f.txt"), "second");
    const callsBefore = service.calls.length;
    expect(await cache.saveCache([dir], "once-key")).toBe(-1);
    expect(callsSince(callsBefore)).toEqual(["CreateCacheEntry 409"]);
    expect(service.cacheEntries().filter((entry) => entry.key === "once-key")).toHaveLength(1);
  });

  it("scopes entries by ref: a branch reads the default branch's cache but writes its own", async () => {
    const dir = join(workspace, "scoped");
    await writeFiles(dir, { "s.txt": "from main" });
    useRun({ workflowRunId: RUN_ID, ref: "refs/heads/main" });
    expect(await cache.saveCache([dir], "scoped-key")).toBeGreaterThan(0);

    useRun({ workflowRunId: RUN_ID + 10, ref: "refs/heads/feature" });
    await rm(dir, { recursive: true });
    expect(await cache.restoreCache([dir], "scoped-key")).toBe("scoped-key");
    expect(await readFile(join(dir, "s.txt"), "utf8")).toBe("from main");
    expect(await cache.saveCache([dir], "scoped-key")).toBeGreaterThan(0);
    expect(
      service
        .cacheEntries()
        .filter((e) => e.key === "scoped-key")
        .map((e) => e.scope),
    ).toEqual(["refs/heads/main", "refs/heads/feature"]);

    useRun({ workflowRunId: RUN_ID + 11, ref: "refs/pull/7/merge", cacheWritable: false });
    const callsBefore = service.calls.length;
    expect(await cache.saveCache([dir], "fork-key")).toBe(-1);
    expect(callsSince(callsBefore)).toEqual(["CreateCacheEntry 200"]); // ok=false: "cache write denied"
    expect(service.cacheEntries().some((e) => e.key === "fork-key")).toBe(false);
    useRun({ workflowRunId: RUN_ID });
  });
});

describe("a step in a child process given only envFor(...)", () => {
  it("uploads an artifact and saves and restores a cache, touching no address but loopback", async () => {
    const childRun = 9001;
    const stepDir = join(workspace, "child-step");
    await writeFiles(stepDir, { "out/result.txt": "from the child" });
    await mkdir(join(stepDir, "tmp"));
    // Every TCP connection in the child goes through Socket#connect; refuse any that is not loopback.
    const script = `
      import net from "node:net";
      const connect = net.Socket.prototype.connect;
      net.Socket.prototype.connect = function (...args) {
        const first = Array.isArray(args[0]) ? args[0][0] : args[0];
        const host = typeof first === "object" && first !== null ? first.host ?? "localhost" : args[1] ?? "localhost";
        const isPipe = typeof first === "object" && first !== null && first.port === undefined && first.path !== undefined;
        if (!isPipe && !["127.0.0.1", "localhost", "::1"].includes(host)) {
          console.error("NON-LOOPBACK CONNECTION to " + host);
          process.exit(3);
        }
        return connect.apply(this, args);
      };
      const { DefaultArtifactClient } = await import("@actions/artifact");
      const cache = await import("@actions/cache");
      const dir = process.env.GITHUB_WORKSPACE + "/out";
      const { id, digest } = await new DefaultArtifactClient().uploadArtifact("child-artifact", [dir + "/result.txt"], dir);
      const cacheId = await cache.saveCache([dir], "child-cache");
      const restored = await cache.restoreCache([dir], "child-cache");
      console.log("RESULT " + JSON.stringify({ id, digest, cacheId, restored }));
    `;
    const env = {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      ...service.envFor({ workflowRunId: childRun }),
      GITHUB_WORKSPACE: stepDir,
      RUNNER_TEMP: join(stepDir, "tmp"),
    };
    const node = join(repoRoot, "node_modules", ".bin", "node");
    const child = spawn(node, ["--input-type=module", "-e", script], { cwd: repoRoot, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });

    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    const result = JSON.parse(line?.slice("RESULT ".length) ?? "{}") as {
      id: number;
      digest: string;
      cacheId: number;
      restored: string;
    };
    expect(result.cacheId).toBeGreaterThan(0);
    expect(result.restored).toBe("child-cache");
    expect(service.list({ workflowRunId: childRun })).toEqual([
      expect.objectContaining({ id: result.id, name: "child-artifact", digest: `sha256:${result.digest}` }),
    ]);
  });
});
