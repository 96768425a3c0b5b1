import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NotImplementedError } from "../../../src/formats/errors.ts";
import { Inputs } from "../../../src/lib/inputs.ts";
import {
  defaultRegistryUrl,
  parseRegistryInputs,
  registryCredentials,
} from "../../../src/registry/registry-inputs.ts";
import { repositoryFor } from "../../../src/registry/oci/location.ts";

const inputs = (values: Record<string, string>) => new Inputs((name) => values[name] ?? "");

describe("parseRegistryInputs", () => {
  it("defaults to oci at ghcr.io/<owner>/<repo>, lowercased", () => {
    const url = defaultRegistryUrl({ GITHUB_REPOSITORY: "Acme/Churn-Models" });
    expect(url).toBe("ghcr.io/acme/churn-models");
    const parsed = parseRegistryInputs(inputs({}), { defaultUrl: url });
    expect(parsed).toMatchObject({
      kind: "oci",
      url: { origin: "https://ghcr.io", host: "ghcr.io", namespace: "acme/churn-models" },
    });
    if (!parsed.url) throw new Error("expected a URL");
    expect(repositoryFor(parsed.url, "churn")).toBe("acme/churn-models/churn");
  });

  it("has no URL without a default (evaluate-gate must not start calling GHCR)", () => {
    expect(parseRegistryInputs(inputs({}), { defaultUrl: undefined }).url).toBeUndefined();
  });

  it("parses registry-url with the client's parser (http:// only for loopback)", () => {
    expect(
      parseRegistryInputs(inputs({ "registry-url": "http://127.0.0.1:5000/ml" }), { defaultUrl: undefined })
        .url,
    ).toEqual({ origin: "http://127.0.0.1:5000", host: "127.0.0.1:5000", namespace: "ml" });
    expect(() =>
      parseRegistryInputs(inputs({ "registry-url": "http://10.0.0.1:5000/ml" }), { defaultUrl: undefined }),
    ).toThrow(/Input 'registry-url'.*plain http:\/\//);
  });

  it("names the three registries for an unknown one, and refuses those of later versions clearly", () => {
    expect(() => parseRegistryInputs(inputs({ registry: "s3" }), { defaultUrl: undefined })).toThrow(
      /Use one of: oci, github-release, mlflow\./,
    );
    expect(() =>
      parseRegistryInputs(inputs({ registry: "github-release" }), { defaultUrl: undefined }),
    ).toThrow(NotImplementedError);
  });
});

describe("registryCredentials", () => {
  const home = mkdtempSync(join(tmpdir(), "registry-inputs-"));
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({ auths: { "registry.example.com": { auth: Buffer.from("u:p").toString("base64") } } }),
  );
  const env = { DOCKER_CONFIG: home, GITHUB_ACTOR: "octocat" };
  const credentialsFor = (values: Record<string, string>, token: string | undefined) => {
    const registry = parseRegistryInputs(inputs(values), { defaultUrl: undefined });
    if (!registry.url) throw new Error("expected a URL");
    return registryCredentials(registry, registry.url, env, token);
  };

  it("prefers the inputs, then $DOCKER_CONFIG/config.json, then github.actor + token for ghcr.io only", async () => {
    const explicit = { "registry-url": "ghcr.io/a", "registry-username": "bot", "registry-password": "pw" };
    expect((await credentialsFor(explicit, "ghs_x"))?.username).toBe("bot");
    expect(await credentialsFor({ "registry-url": "registry.example.com/ml" }, "ghs_x")).toMatchObject({
      username: "u",
      password: "p",
    });
    expect(await credentialsFor({ "registry-url": "ghcr.io/acme" }, "ghs_x")).toMatchObject({
      username: "octocat",
      password: "ghs_x",
    });
    expect(await credentialsFor({ "registry-url": "other.example.com/ml" }, "ghs_x")).toBeUndefined();
  });

  it("wants username and password together", async () => {
    await expect(
      credentialsFor({ "registry-url": "ghcr.io/a", "registry-password": "x" }, undefined),
    ).rejects.toThrow(/Input 'registry-username' is empty while registry-password is set/);
  });
});
