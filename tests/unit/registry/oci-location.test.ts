// The pure parts of the OCI client: registry-url parsing, WWW-Authenticate challenges, docker config keys.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/formats/errors.ts";
import { parseChallenge } from "../../../src/registry/oci/auth.ts";
import { dockerConfigCredentials, resolveCredentials } from "../../../src/registry/oci/credentials.ts";
import { parseRegistryUrl, repositoryFor } from "../../../src/registry/oci/location.ts";

describe("parseRegistryUrl", () => {
  it.each([
    ["ghcr.io/Acme/Models", { origin: "https://ghcr.io", host: "ghcr.io", namespace: "acme/models" }],
    [
      "https://registry.example.com:5000/team/",
      { origin: "https://registry.example.com:5000", host: "registry.example.com:5000", namespace: "team" },
    ],
    ["oci://ghcr.io/acme", { origin: "https://ghcr.io", host: "ghcr.io", namespace: "acme" }],
    ["http://localhost:5000", { origin: "http://localhost:5000", host: "localhost:5000", namespace: "" }],
    ["http://[::1]:5000/x", { origin: "http://[::1]:5000", host: "[::1]:5000", namespace: "x" }],
    ["http://127.0.0.1:5000/x", { origin: "http://127.0.0.1:5000", host: "127.0.0.1:5000", namespace: "x" }],
  ])("%s", (value, expected) => {
    expect(parseRegistryUrl(value)).toEqual(expected);
  });

  it.each([
    ["http://ghcr.io/acme", /plain http:\/\/.*localhost, 127\.0\.0\.1/],
    ["http://10.0.0.5:5000/acme", /plain http:\/\//],
    ["ftp://ghcr.io/acme", /scheme ftp/],
    ["https://user:pw@ghcr.io/acme", /credentials/],
    ["ghcr.io/acme/Bad Name", /path component/],
    ["", /is empty/],
  ])("refuses %j naming registry-url", (value, message) => {
    expect(() => parseRegistryUrl(value)).toThrow(InputError);
    expect(() => parseRegistryUrl(value)).toThrow(message);
    expect(() => parseRegistryUrl(value)).toThrow(/^Input 'registry-url'/);
  });

  it("joins and validates the model's repository", () => {
    const location = parseRegistryUrl("ghcr.io/acme/repo");
    expect(repositoryFor(location, "Churn-Model")).toBe("acme/repo/churn-model");
    expect(() => repositoryFor(location, "churn model")).toThrow(/Input 'model-name'/);
  });
});

describe("parseChallenge", () => {
  it("reads ghcr.io's and docker-registry's Bearer challenges", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/repo:pull"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: { realm: "https://ghcr.io/token", service: "ghcr.io", scope: "repository:acme/repo:pull" },
    });
    expect(parseChallenge('Bearer realm="r",error="insufficient_scope"')?.params.error).toBe(
      "insufficient_scope",
    );
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: "basic",
      params: { realm: "Registry Realm" },
    });
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});

describe("docker config.json", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mlops-docker-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("matches Docker Hub's aliases and keys with a scheme or path", async () => {
    const path = join(dir, "config.json");
    await writeFile(
      path,
      JSON.stringify({
        auths: {
          "https://index.docker.io/v1/": {
            auth: Buffer.from("hubuser:hubpass:with:colons").toString("base64"),
          },
          "https://123.dkr.ecr.us-east-1.amazonaws.com": { username: "AWS", password: "ecr-token" },
        },
      }),
    );
    expect(await dockerConfigCredentials(path, "docker.io")).toMatchObject({
      username: "hubuser",
      password: "hubpass:with:colons",
    });
    expect(await dockerConfigCredentials(path, "registry-1.docker.io")).toMatchObject({
      username: "hubuser",
    });
    expect(await dockerConfigCredentials(path, "123.dkr.ecr.us-east-1.amazonaws.com")).toMatchObject({
      username: "AWS",
      password: "ecr-token",
    });
    expect(await dockerConfigCredentials(path, "ghcr.io")).toBeUndefined();
    expect(await dockerConfigCredentials(join(dir, "missing.json"), "ghcr.io")).toBeUndefined();
  });

  it("prefers explicit inputs and refuses half of them", async () => {
    const path = join(dir, "none.json");
    expect(
      await resolveCredentials({
        host: "ghcr.io",
        username: "u",
        password: "p",
        dockerConfigPath: path,
        githubToken: "t",
      }),
    ).toMatchObject({
      username: "u",
      source: "the inputs registry-username and registry-password",
    });
    await expect(
      resolveCredentials({ host: "ghcr.io", username: "u", dockerConfigPath: path }),
    ).rejects.toThrow(/Input 'registry-password' is empty/);
  });

  it("names the file when it is not JSON", async () => {
    const path = join(dir, "broken.json");
    await writeFile(path, "{");
    await expect(dockerConfigCredentials(path, "ghcr.io")).rejects.toThrow(/broken\.json is not valid JSON/);
  });
});
