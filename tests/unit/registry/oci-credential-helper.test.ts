// Docker credential helpers (credHelpers, credsStore) run for real: a helper program the test writes
// and puts on PATH, spoken to through the docker-credential-helpers protocol.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerConfigCredentials, resolveCredentials } from "../../../src/registry/oci/credentials.ts";
import {
  credentialHelper,
  type CredentialHelperFixture,
} from "../../../testing/fixtures/credential-helper.ts";

let dir: string;
let vault: CredentialHelperFixture;
let store: CredentialHelperFixture;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mlops-docker-helpers-"));
  vault = credentialHelper(
    "mlopsvault",
    {
      "registry.example.com": { username: "robot", secret: "s3cret" },
      "acr.example.io": { username: "<token>", secret: "refresh-token" },
    },
    ["locked.example.com"],
  );
  store = credentialHelper("mlopsstore", {
    "https://index.docker.io/v1/": { username: "hubuser", secret: "hub-pat" },
    "store.example.com": { username: "stored", secret: "from-store" },
  });
});

afterAll(async () => {
  for (const folder of [dir, vault.dir, store.dir]) await rm(folder, { recursive: true, force: true });
});

async function config(name: string, content: object): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(content));
  return path;
}

/** PATH with both helpers. */
const env = (): NodeJS.ProcessEnv => ({ PATH: [vault.dir, store.path].join(":") });

describe("docker credential helpers", () => {
  it("credHelpers: the host's helper gets the server on stdin and its answer is the credential", async () => {
    const path = await config("helpers.json", {
      credHelpers: { "registry.example.com": "mlopsvault", "acr.example.io": "mlopsvault" },
      // credHelpers win over credsStore and over a stale auths entry for the same host.
      credsStore: "mlopsstore",
      auths: { "registry.example.com": { auth: Buffer.from("old:stale").toString("base64") } },
    });
    const before = vault.asked().length;
    expect(await dockerConfigCredentials(path, "registry.example.com", env())).toEqual({
      username: "robot",
      password: "s3cret",
      source: `docker-credential-mlopsvault (the credHelpers entry for registry.example.com in ${path})`,
    });
    expect(vault.asked().slice(before)).toEqual(["registry.example.com"]);
    // `<token>` as the username: the secret is an identity (refresh) token, as docker reads it.
    expect(await dockerConfigCredentials(path, "acr.example.io", env())).toMatchObject({
      username: "<token>",
      identityToken: "refresh-token",
    });
  });

  it("credsStore: every host without a credHelpers entry; Docker Hub by its v1 index address", async () => {
    const path = await config("store.json", {
      credsStore: "mlopsstore",
      auths: { "https://index.docker.io/v1/": {} },
    });
    expect(await dockerConfigCredentials(path, "docker.io", env())).toMatchObject({
      username: "hubuser",
      password: "hub-pat",
    });
    expect(store.asked().at(-1)).toBe("https://index.docker.io/v1/");
    expect(await dockerConfigCredentials(path, "store.example.com", env())).toMatchObject({
      username: "stored",
      password: "from-store",
    });
    expect(store.asked().at(-1)).toBe("store.example.com");
  });

  it("a helper with nothing for the host falls back to the auths entry, else to no credential", async () => {
    const path = await config("fallback.json", {
      credsStore: "mlopsstore",
      auths: { "ghcr.io": { auth: Buffer.from("octo:ghp_x").toString("base64") } },
    });
    expect(await dockerConfigCredentials(path, "ghcr.io", env())).toMatchObject({
      username: "octo",
      password: "ghp_x",
      source: `the ghcr.io entry of ${path}`,
    });
    expect(store.asked().at(-1)).toBe("ghcr.io");
    expect(await dockerConfigCredentials(path, "quay.io", env())).toBeUndefined();
    // Through the whole order: no helper answer and no auths entry leaves github-token for ghcr.io.
    expect(
      await resolveCredentials({
        host: "ghcr.io",
        dockerConfigPath: await config("empty-store.json", { credsStore: "mlopsstore" }),
        githubActor: "octocat",
        githubToken: "ghs_token",
        env: env(),
      }),
    ).toMatchObject({ username: "octocat", password: "ghs_token" });
  });

  it("a missing helper program is an error naming it and where it was named", async () => {
    const path = await config("missing.json", { credHelpers: { "registry.example.com": "nosuchhelper" } });
    await expect(dockerConfigCredentials(path, "registry.example.com", env())).rejects.toThrow(
      `the credHelpers entry for registry.example.com in ${path} says to get the credentials for registry.example.com from docker-credential-nosuchhelper, which is not on PATH`,
    );
    const storePath = await config("missing-store.json", { credsStore: "desktop" });
    await expect(dockerConfigCredentials(storePath, "ghcr.io", env())).rejects.toThrow(
      /credsStore in .*missing-store\.json says to get the credentials for ghcr\.io from docker-credential-desktop, which is not on PATH/,
    );
  });

  it("a failing helper is an error with its exit code and message; a bad name is refused unrun", async () => {
    const path = await config("locked.json", { credHelpers: { "locked.example.com": "mlopsvault" } });
    await expect(dockerConfigCredentials(path, "locked.example.com", env())).rejects.toThrow(
      /docker-credential-mlopsvault get \(named in the credHelpers entry .*\) failed for locked\.example\.com with exit code 3: keychain locked/,
    );
    const bad = await config("bad-name.json", { credsStore: "../../bin/sh" });
    await expect(dockerConfigCredentials(bad, "ghcr.io", env())).rejects.toThrow(
      /names the credential helper "\.\.\/\.\.\/bin\/sh", which is not a helper name/,
    );
  });
});
