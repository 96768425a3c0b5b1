// deploy's ModelResolver against the real registry (Debian's docker-registry with token auth behind the
// ghcr-like front): a version published by publish-model's own code resolves by version, alias and digest
// to the manifest digest; pull writes the model files and the record, every byte verified; an alias moves
// without re-uploading; a reference the registry lacks is a clear error.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createModelResolver } from "../../src/actions/deploy/resolver.ts";
import { publishModelPack } from "../../src/actions/publish-model/publish-oci.ts";
import { buildModelPack } from "../../src/modelpack/artifact.ts";
import { createOciClient } from "../../src/registry/oci/client.ts";
import { parseRegistryUrl, repositoryFor } from "../../src/registry/oci/location.ts";
import { connectTestRegistry, uniqueRepository } from "../../testing/services/registry/index.ts";
import { publishableRecord } from "../../testing/fixtures/publishable-record.ts";

const OWNER = "acme";
const USER = { username: "deployer", password: "ghs_deployer" };
const registry = connectTestRegistry(inject("testRegistry"));
let temp: string;

beforeAll(async () => {
  await registry.addUser({ ...USER, grants: { [`${OWNER}/*`]: ["pull", "push"] } });
  temp = mkdtempSync(join(tmpdir(), "mlops-deploy-resolver-"));
}, 120_000);

afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

/** Publishes the fixture record's two files as `version` of a new model, as publish-model does. */
async function published(version: string) {
  const name = uniqueRepository("resolve").split("/").pop() ?? "resolve";
  const modelRoot = join(temp, name, "model");
  mkdirSync(join(modelRoot, "sub"), { recursive: true });
  writeFileSync(join(modelRoot, "model.joblib"), "weights");
  writeFileSync(join(modelRoot, "sub", "vocab.txt"), "vocab");
  const record = publishableRecord({ model: { ...publishableRecord().model, name } });
  const recordBytes = new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`);
  const pack = buildModelPack({
    record,
    recordBytes,
    modelRoot,
    card: `# ${name}\n`,
    version,
    serverUrl: "https://github.com",
  });
  const location = parseRegistryUrl(`http://${registry.host}/${OWNER}`);
  const client = createOciClient({
    location,
    repository: repositoryFor(location, name),
    credentials: { ...USER, source: "the test" },
  });
  const { digest } = await publishModelPack(client, pack, {
    version,
    label: name,
    log: { info: () => undefined },
  });
  const resolver = createModelResolver(
    { kind: "oci", url: location, ...USER },
    "",
    { HOME: temp }, // no docker config.json: the inputs' credentials
  );
  return { name, digest, resolver, recordBytes };
}

describe("deploy's model resolver over the OCI registry", () => {
  it("resolves a version, an alias it moved and a digest to the same manifest digest", async () => {
    const { name, digest, resolver } = await published("v3");
    const expected = {
      digest,
      version: "v3",
      uri: `oci://${registry.host}/${OWNER}/${name}@${digest}`,
    };
    expect(await resolver.resolve({ name, kind: "version", version: "v3" })).toEqual(expected);
    const blobPutsBefore = (await registry.requests(`${OWNER}/${name}`, "PUT", /\/blobs\/uploads\//)).length;
    expect(blobPutsBefore).toBeGreaterThan(0); // the publish's own uploads: the log sees them
    await resolver.moveAlias(name, "production", digest);
    expect(await registry.requests(`${OWNER}/${name}`, "PUT", /\/blobs\/uploads\//)).toHaveLength(
      blobPutsBefore,
    );
    expect(await resolver.resolve({ name, kind: "alias", alias: "production" })).toEqual(expected);
    expect(await resolver.resolve({ name, kind: "digest", digest })).toEqual(expected);
  });

  it("pulls the model files and the run record by digest into the folder", async () => {
    const { name, digest, resolver, recordBytes } = await published("v1");
    const dir = join(temp, `${name}-pulled`);
    await resolver.pull(name, digest, dir);
    expect(readFileSync(join(dir, "model", "model.joblib"), "utf8")).toBe("weights");
    expect(readFileSync(join(dir, "model", "sub", "vocab.txt"), "utf8")).toBe("vocab");
    expect(readFileSync(join(dir, "mlops-run.json"))).toEqual(Buffer.from(recordBytes));
  });

  it("names the reference and the fix when the registry lacks it", async () => {
    const { name, resolver } = await published("v1");
    await expect(resolver.resolve({ name, kind: "alias", alias: "staging" })).rejects.toThrow(
      new RegExp(
        `The registry has no ${registry.host.replace(/\./g, "\\.")}/${OWNER}/${name}:staging\\. Check 'model'`,
      ),
    );
    await expect(
      resolver.resolve({ name, kind: "digest", digest: `sha256:${"0".repeat(64)}` }),
    ).rejects.toThrow(/The registry has no .*@sha256:0{64}/);
  });
});
