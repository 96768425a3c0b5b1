// The OCI client (src/registry/oci) against Debian's docker-registry with token auth, behind the
// ghcr-like front (testing/services/registry), and skopeo as the reference reader. A library, so it runs
// from the sources in this process; publish-model's tests run the bundle.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createHash, randomFillSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/formats/errors.ts";
import { CredentialError } from "../../src/registry/oci/auth.ts";
import { createOciClient, sha256Digest, type OciClient } from "../../src/registry/oci/client.ts";
import { resolveCredentials, type Credentials } from "../../src/registry/oci/credentials.ts";
import { RegistryAccessError } from "../../src/registry/oci/errors.ts";
import { parseRegistryUrl, repositoryFor } from "../../src/registry/oci/location.ts";
import {
  connectTestRegistry,
  startTestRegistry,
  uniqueRepository,
  type TestRegistry,
} from "../../testing/services/registry/index.ts";

const OWNER = "acme";
const ACTOR = "octocat";
const TOKEN = "ghs_test_token_rw";
const READER = "reader";
const READER_TOKEN = "ghs_test_token_ro";
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const MiB = 1 << 20;

let registry: TestRegistry;
let temp: string;

beforeAll(async () => {
  registry = await startTestRegistry();
  registry.addUser({ username: ACTOR, password: TOKEN, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  registry.addUser({ username: READER, password: READER_TOKEN, grants: { [`${OWNER}/*`]: ["pull"] } });
  temp = await mkdtemp(join(tmpdir(), "mlops-oci-test-"));
});

afterAll(async () => {
  await registry?.close();
  if (temp) await rm(temp, { recursive: true, force: true });
});

const writer: Credentials = { username: ACTOR, password: TOKEN, source: "the test's writer" };

function clientFor(
  repository: string,
  options: { credentials?: Credentials; chunkSizeMiB?: number } = {},
): OciClient {
  const location = parseRegistryUrl(`http://${registry.host}/${OWNER}`);
  return createOciClient({
    location,
    repository: repositoryFor(location, repository),
    credentials: "credentials" in options ? options.credentials : writer,
    chunkSizeMiB: options.chunkSizeMiB,
  });
}

/** A file of `size` bytes that differs in every MiB (so a misplaced chunk changes the digest), written in constant memory. */
async function patternFile(
  name: string,
  size: number,
): Promise<{ path: string; digest: string; size: number }> {
  const path = join(temp, name);
  const block = randomFillSync(Buffer.alloc(8 * MiB));
  const hash = createHash("sha256");
  const file = await open(path, "w");
  try {
    for (let offset = 0; offset < size; offset += block.length) {
      for (let mib = 0; mib < block.length; mib += MiB) block.writeUInt32BE((offset + mib) / MiB, mib);
      const part = block.subarray(0, Math.min(block.length, size - offset));
      hash.update(part);
      await file.write(part);
    }
  } finally {
    await file.close();
  }
  return { path, digest: `sha256:${hash.digest("hex")}`, size };
}

/** A minimal single-layer artifact (config + one file layer) tagged `tag`; returns the manifest digest. */
async function pushArtifact(
  client: OciClient,
  file: { path: string; digest: string; size: number },
  tag: string,
): Promise<string> {
  const config = Buffer.from(
    '{"descriptor":{"name":"test"},"modelfs":{"type":"layers","diffIds":[]},"config":{}}',
  );
  await client.pushBlob({ digest: sha256Digest(config), size: config.length, data: config });
  await client.pushBlob(file);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST,
    artifactType: "application/vnd.cncf.model.manifest.v1+json",
    config: {
      mediaType: "application/vnd.cncf.model.config.v1+json",
      digest: sha256Digest(config),
      size: config.length,
    },
    layers: [
      {
        mediaType: "application/vnd.cncf.model.weight.v1.raw",
        digest: file.digest,
        size: file.size,
        annotations: { "org.cncf.model.filepath": "model.bin" },
      },
    ],
  });
  return client.putManifest(tag, manifest, MANIFEST);
}

const blobPuts = (repository: string): number =>
  registry.requests(`${OWNER}/${repository}`, "PUT", /\/blobs\/uploads\//).length;

describe("push and pull", () => {
  it("pushes blobs and a manifest, reads them back by tag and digest, and lists tags", async () => {
    const repo = uniqueRepository("push-pull");
    const client = clientFor(repo);
    const file = await patternFile(`${repo}.bin`, 3 * MiB + 17);
    const digest = await pushArtifact(client, file, "v1");
    expect(await client.hasBlob(file.digest)).toBe(true);
    expect(await client.listTags()).toEqual(["v1"]);
    const byTag = await client.getManifest("v1");
    expect(byTag?.digest).toBe(digest);
    expect(byTag?.mediaType).toBe(MANIFEST);
    expect((await client.getManifest(digest))?.body.equals(byTag?.body ?? Buffer.alloc(0))).toBe(true);
    expect(await client.headManifest("v1")).toMatchObject({ digest, mediaType: MANIFEST });
    expect(await client.getManifest("v2")).toBeUndefined();

    const pulled = join(temp, `${repo}.pulled`);
    await client.pullBlob({ digest: file.digest, size: file.size }, pulled);
    expect((await readFile(pulled)).equals(await readFile(file.path))).toBe(true);
  });

  it("skips blobs the registry has: a second push uploads nothing (zero blob PUTs)", async () => {
    const repo = uniqueRepository("skip-existing");
    const file = await patternFile(`${repo}.bin`, 2 * MiB);
    await pushArtifact(clientFor(repo), file, "v1");
    const before = blobPuts(repo);
    expect(before).toBe(2);
    const again = clientFor(repo);
    expect(await again.pushBlob(file)).toMatchObject({ uploaded: false, mounted: false });
    await pushArtifact(again, file, "v1");
    expect(blobPuts(repo)).toBe(before);
    expect(registry.requests(`${OWNER}/${repo}`, "POST").length).toBe(2);
  });

  it("mounts a blob from another repository instead of uploading it", async () => {
    const source = uniqueRepository("mount-source");
    const target = uniqueRepository("mount-target");
    const file = await patternFile(`${source}.bin`, MiB);
    await clientFor(source).pushBlob(file);
    const result = await clientFor(target).pushBlob(file, { mountFrom: `${OWNER}/${source}` });
    expect(result).toMatchObject({ uploaded: false, mounted: true });
    expect(blobPuts(target)).toBe(0);
  });

  it("refuses a blob whose bytes do not match its digest and leaves no file", async () => {
    const repo = uniqueRepository("corrupt");
    const file = await patternFile(`${repo}.bin`, MiB);
    await clientFor(repo).pushBlob(file);
    // Corrupt the stored bytes behind the registry's back (same size).
    const hex = file.digest.slice("sha256:".length);
    const stored = join(registry.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    const bytes = await readFile(stored);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(stored, bytes);
    const pulled = join(temp, `${repo}.pulled`);
    await expect(clientFor(repo).pullBlob({ digest: file.digest, size: file.size }, pulled)).rejects.toThrow(
      /refusing it/,
    );
    expect(existsSync(pulled)).toBe(false);
    expect((await readdir(temp)).filter((name) => name.startsWith(`${repo}.pulled`))).toEqual([]);
  });

  it("names the changed file when the registry's digest check fails", async () => {
    const repo = uniqueRepository("changed");
    const file = await patternFile(`${repo}.bin`, MiB);
    const recorded = { ...file, digest: sha256Digest("something else") };
    await expect(clientFor(repo).pushBlob(recorded)).rejects.toThrow(/changed after it was recorded/);
  });
});

describe("authentication and scopes", () => {
  it("gets a pull,push token with Basic actor:token, as ghcr.io does", async () => {
    const repo = uniqueRepository("token-flow");
    const before = registry.tokens?.log.length ?? 0;
    await clientFor(repo).pushBlob({ digest: sha256Digest("a"), size: 1, data: Buffer.from("a") });
    const requests = registry.tokens?.log.slice(before) ?? [];
    expect(requests).toEqual([
      {
        username: ACTOR,
        scopes: [`repository:${OWNER}/${repo}:pull,push`],
        granted: [{ name: `${OWNER}/${repo}`, actions: ["pull", "push"] }],
        status: 200,
      },
    ]);
  });

  it("fetches a new token when the registry says the token expired", async () => {
    const repo = uniqueRepository("refresh");
    const before = registry.tokens?.log.length ?? 0;
    registry.tokens?.issueExpiredTokens(1);
    const client = clientFor(repo);
    await client.pushBlob({ digest: sha256Digest("b"), size: 1, data: Buffer.from("b") });
    expect(await client.hasBlob(sha256Digest("b"))).toBe(true);
    expect((registry.tokens?.log.length ?? 0) - before).toBe(2);
  });

  it("names the credential's source when the token service refuses it", async () => {
    const repo = uniqueRepository("wrong-credentials");
    const credentials = await resolveCredentials({
      host: registry.host,
      username: ACTOR,
      password: "ghs_wrong",
    });
    const client = clientFor(repo, { credentials });
    const failure = client.hasBlob(sha256Digest("c"));
    await expect(failure).rejects.toThrow(CredentialError);
    await expect(failure).rejects.toThrow(/registry-username and registry-password.*"octocat"/);
  });

  it("lets the registry enforce scopes: a pull-only token cannot push (names packages: write)", async () => {
    const repo = uniqueRepository("pull-only");
    await clientFor(repo).pushBlob({ digest: sha256Digest("d"), size: 1, data: Buffer.from("d") });
    const reader = clientFor(repo, {
      credentials: { username: READER, password: READER_TOKEN, source: "reader" },
    });
    expect(await reader.hasBlob(sha256Digest("d"))).toBe(true);
    const push = reader.pushBlob({ digest: sha256Digest("e"), size: 1, data: Buffer.from("e") });
    await expect(push).rejects.toThrow(RegistryAccessError);
    await expect(push).rejects.toThrow(/packages: write.*Manage Actions access/);
    expect(blobPuts(repo)).toBe(1);
  });

  it("names packages: read when a pull is refused", async () => {
    const repo = uniqueRepository("no-read");
    registry.addUser({
      username: "stranger",
      password: "ghs_other",
      grants: { "elsewhere/*": ["pull", "push"] },
    });
    const stranger = clientFor(repo, {
      credentials: { username: "stranger", password: "ghs_other", source: "stranger" },
    });
    await expect(stranger.getManifest("v1")).rejects.toThrow(/packages: read/);
  });

  it("asks for credentials when none are given and the registry wants them", async () => {
    const repo = uniqueRepository("anonymous");
    const anonymous = clientFor(repo, { credentials: undefined });
    await expect(
      anonymous.pushBlob({ digest: sha256Digest("f"), size: 1, data: Buffer.from("f") }),
    ).rejects.toThrow(
      /refused anonymous push access.*registry-username and registry-password.*packages: write/,
    );
  });

  it("uses the docker config.json entry (base64 auth, identitytoken) for the registry's host", async () => {
    const repo = uniqueRepository("docker-config");
    registry.addUser({
      username: "acr-user",
      password: "unused-password",
      identityToken: "refresh-123",
      grants: { [`${OWNER}/*`]: ["pull", "push"] },
    });
    const basicConfig = join(temp, "config-basic.json");
    await writeFile(
      basicConfig,
      JSON.stringify({
        auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${ACTOR}:${TOKEN}`).toString("base64") } },
      }),
    );
    const fromAuth = await resolveCredentials({
      host: registry.host,
      dockerConfigPath: basicConfig,
      githubToken: "ignored",
    });
    expect(fromAuth).toMatchObject({ username: ACTOR, password: TOKEN });
    await clientFor(repo, { credentials: fromAuth }).pushBlob({
      digest: sha256Digest("g"),
      size: 1,
      data: Buffer.from("g"),
    });

    const tokenConfig = join(temp, "config-token.json");
    await writeFile(
      tokenConfig,
      JSON.stringify({ auths: { [registry.host]: { identitytoken: "refresh-123" } } }),
    );
    const fromToken = await resolveCredentials({ host: registry.host, dockerConfigPath: tokenConfig });
    expect(fromToken).toMatchObject({ identityToken: "refresh-123" });
    const before = registry.tokens?.log.length ?? 0;
    await clientFor(repo, { credentials: fromToken }).pushBlob({
      digest: sha256Digest("h"),
      size: 1,
      data: Buffer.from("h"),
    });
    expect(registry.tokens?.log.slice(before)).toMatchObject([{ username: "acr-user", status: 200 }]);
    expect(blobPuts(repo)).toBe(2);
  });

  it("falls back to github.actor + github-token for ghcr.io only", async () => {
    const none = join(temp, "no-config.json");
    expect(
      await resolveCredentials({
        host: "ghcr.io",
        dockerConfigPath: none,
        githubActor: "octocat",
        githubToken: "ghs_x",
      }),
    ).toMatchObject({
      username: "octocat",
      password: "ghs_x",
    });
    expect(
      await resolveCredentials({
        host: "registry.example.com",
        dockerConfigPath: none,
        githubToken: "ghs_x",
      }),
    ).toBeUndefined();
  });
});

describe("chunked upload through the ghcr-like front", () => {
  it("names chunk-size when the front refuses a PATCH over 4 MiB", async () => {
    const repo = uniqueRepository("chunk-too-large");
    const file = await patternFile(`${repo}.bin`, 10 * MiB);
    await expect(clientFor(repo, { chunkSizeMiB: 8 }).pushBlob(file)).rejects.toThrow(
      /refused a 8 MiB chunk \(HTTP 416\).*chunk-size/,
    );
    expect(registry.requests(`${OWNER}/${repo}`, "PATCH").map((r) => r.status)).toEqual([416]);
  });

  it("uploads 300 MB in 4 MiB chunks and resumes from the registry's offset after a dropped connection", async () => {
    const repo = uniqueRepository("chunked-300mb");
    const file = await patternFile(`${repo}.bin`, 300_000_000);
    try {
      // Drop the connection 1.5 MiB into the 10th PATCH: the first nine were answered.
      let patches = 0;
      const client = createOciClient({
        location: parseRegistryUrl(`http://${registry.host}/${OWNER}`),
        repository: `${OWNER}/${repo}`,
        credentials: writer,
        chunkSizeMiB: 4,
        onProgress: () => {
          if (++patches === 9) registry.drop({ method: "PATCH", afterBytes: 1.5 * MiB });
        },
      });
      const digest = await pushArtifact(client, file, "v1");
      const patchLog = registry.requests(`${OWNER}/${repo}`, "PATCH");
      const dropped = patchLog.filter((r) => r.dropped);
      expect(dropped).toHaveLength(1);
      // Every chunk but the dropped one was sent once: resumed from 36 MiB, not from 0.
      expect(patchLog.length).toBe(Math.ceil(file.size / (4 * MiB)) + 1);
      expect(patchLog.every((r) => r.bytes <= 4 * MiB)).toBe(true);
      expect(registry.requests(`${OWNER}/${repo}`, "GET", /\/blobs\/uploads\//)).toHaveLength(1);
      expect(registry.requests(`${OWNER}/${repo}`, "POST")).toHaveLength(2);
      // The registry checked the digest itself at the final PUT; skopeo-free check of the stored manifest too.
      expect((await client.getManifest("v1"))?.digest).toBe(digest);
      expect(await client.hasBlob(file.digest)).toBe(true);
    } finally {
      await rm(file.path, { force: true });
    }
  });

  it("starts the upload again when the registry dropped a half-written chunk's session", async () => {
    // docker-registry cancels an upload whose stored bytes disagree with its state: the client starts over.
    const repo = uniqueRepository("chunk-partial");
    const file = await patternFile(`${repo}.bin`, 12 * MiB);
    registry.drop({ method: "PATCH", afterBytes: MiB, forwardPartial: true });
    const client = clientFor(repo, { chunkSizeMiB: 4 });
    expect(await client.pushBlob(file)).toMatchObject({ uploaded: true });
    expect(await client.hasBlob(file.digest)).toBe(true);
    expect(registry.requests(`${OWNER}/${repo}`, "POST").length).toBe(2);
  });
});

describe("registry-url", () => {
  it("refuses http:// to a host that is not this machine, naming registry-url", () => {
    expect(() => parseRegistryUrl("http://registry.example.com/acme")).toThrow(InputError);
    expect(() => parseRegistryUrl("http://registry.example.com/acme")).toThrow(
      /Input 'registry-url' uses plain http:\/\//,
    );
    expect(parseRegistryUrl("http://127.0.0.1:5000/x")).toEqual({
      origin: "http://127.0.0.1:5000",
      host: "127.0.0.1:5000",
      namespace: "x",
    });
    expect(parseRegistryUrl("ghcr.io/Acme/Repo")).toEqual({
      origin: "https://ghcr.io",
      host: "ghcr.io",
      namespace: "acme/repo",
    });
  });
});

describe("skopeo reads what we push", () => {
  it("copies the artifact to an oci: layout with the manifest digest unchanged", async () => {
    const repo = uniqueRepository("skopeo");
    const file = await patternFile(`${repo}.bin`, 2 * MiB + 5);
    const digest = await pushArtifact(clientFor(repo), file, "v1");
    const layout = join(temp, `${repo}-layout`);
    // Asynchronously: the front serving skopeo runs in this process.
    const { stderr } = await promisify(execFile)("skopeo", [
      "copy",
      "--src-tls-verify=false",
      "--src-creds",
      `${READER}:${READER_TOKEN}`,
      `docker://${registry.host}/${OWNER}/${repo}:v1`,
      `oci:${layout}:v1`,
    ]);
    expect(stderr).toBe("");
    const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests.map((m) => m.digest)).toEqual([digest]);
    const layer = await readFile(join(layout, "blobs/sha256", file.digest.slice("sha256:".length)));
    expect(layer.equals(await readFile(file.path))).toBe(true);
  });
});

describe("the suite's shared registry (connectTestRegistry over the front's control routes)", () => {
  it("shares users by name, refuses a different redefinition, and filters the request log by repository", async () => {
    const shared = connectTestRegistry(registry.shared);
    expect(shared.host).toBe(registry.host);
    const user = {
      username: "shared-user",
      password: "ghs_shared",
      grants: { [`${OWNER}/*`]: ["pull" as const] },
    };
    await shared.addUser(user);
    await shared.addUser(user); // another file with the same user: fine
    await expect(shared.addUser({ ...user, password: "other" })).rejects.toThrow(
      /user shared-user is already defined differently/,
    );
    const repo = uniqueRepository("shared-log");
    const before = await shared.logLength();
    await pushArtifact(clientFor(repo), await patternFile(`${repo}.bin`, 1000), "v1");
    const ours = await shared.requests(`${OWNER}/${repo}`);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.every((r) => r.path.startsWith(`/v2/${OWNER}/${repo}/`))).toBe(true);
    const tagged = await shared.requests(`${OWNER}/${repo}`, "PUT", /\/manifests\/v1$/, before);
    expect(tagged.filter((r) => r.status === 201)).toHaveLength(1);
    expect(await shared.requests(`${OWNER}/${uniqueRepository("untouched")}`)).toEqual([]);
    // The control routes are not logged, and not reachable without the secret.
    expect(registry.log.some((r) => r.path.includes("_control"))).toBe(false);
    const guessed = await fetch(`${registry.origin}/_control/users`, { method: "POST", body: "{}" });
    expect(guessed.status).not.toBe(200);
  });
});
