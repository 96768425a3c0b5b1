import { describe, expect, it } from "vitest";
import { InputError, NotImplementedError } from "../../../src/lib/errors.ts";
import { Inputs } from "../../../src/lib/inputs.ts";
import { dockerConfigCredential, resolveCredential } from "../../../src/lib/registry-credentials.ts";
import {
  defaultRegistryUrl,
  parseRegistryInputs,
  parseRegistryUrl,
  repositoryPath,
} from "../../../src/lib/registry-inputs.ts";

const inputs = (values: Record<string, string>) => new Inputs((name) => values[name] ?? "");

describe("parseRegistryUrl", () => {
  it("reads host and namespace, https by default", () => {
    expect(parseRegistryUrl("ghcr.io/acme/models")).toEqual({
      scheme: "https",
      host: "ghcr.io",
      namespace: "acme/models",
    });
    expect(parseRegistryUrl("oci://GHCR.io/acme/")).toEqual({
      scheme: "https",
      host: "ghcr.io",
      namespace: "acme",
    });
    expect(parseRegistryUrl("https://registry.example.com:5443")).toEqual({
      scheme: "https",
      host: "registry.example.com:5443",
      namespace: "",
    });
  });

  it("allows http:// only for loopback hosts", () => {
    expect(parseRegistryUrl("http://127.0.0.1:5000/ml").scheme).toBe("http");
    expect(parseRegistryUrl("http://localhost:5000").host).toBe("localhost:5000");
    expect(parseRegistryUrl("http://[::1]:5000/x").host).toBe("[::1]:5000");
    expect(() => parseRegistryUrl("http://10.0.0.1:5000/ml")).toThrow(
      /Input 'registry-url' uses http:\/\/ for 10\.0\.0\.1, which is not a loopback host/,
    );
    expect(() => parseRegistryUrl("http://127.0.0.1.example.com/ml")).toThrow(InputError);
  });

  it("refuses what cannot be a repository path", () => {
    expect(() => parseRegistryUrl("ghcr.io/Acme")).toThrow(/path component "Acme"/);
    expect(() => parseRegistryUrl("ghcr.io/a//b")).toThrow(/path component ""/);
    expect(() => parseRegistryUrl("")).toThrow(/is not a registry location/);
    expect(() => parseRegistryUrl("ftp://host/x")).toThrow(/is not a registry location/);
  });
});

describe("parseRegistryInputs", () => {
  it("defaults to oci at ghcr.io/<owner>/<repo>, lowercased", () => {
    const url = defaultRegistryUrl({ GITHUB_REPOSITORY: "Acme/Churn-Models" });
    expect(url).toBe("ghcr.io/acme/churn-models");
    const parsed = parseRegistryInputs(inputs({}), { defaultUrl: url });
    expect(parsed).toMatchObject({ kind: "oci", url: { host: "ghcr.io", namespace: "acme/churn-models" } });
    if (!parsed.url) throw new Error("expected a URL");
    expect(repositoryPath(parsed.url, "churn")).toBe("acme/churn-models/churn");
  });

  it("has no URL without a default (evaluate-gate must not start calling GHCR)", () => {
    expect(parseRegistryInputs(inputs({}), { defaultUrl: undefined }).url).toBeUndefined();
  });

  it("names the three registries for an unknown one, and refuses those of later versions clearly", () => {
    expect(() => parseRegistryInputs(inputs({ registry: "s3" }), { defaultUrl: undefined })).toThrow(
      /Use one of: oci, github-release, mlflow\./,
    );
    expect(() =>
      parseRegistryInputs(inputs({ registry: "github-release" }), { defaultUrl: undefined }),
    ).toThrow(NotImplementedError);
  });

  it("wants username and password together", () => {
    expect(() =>
      parseRegistryInputs(inputs({ "registry-password": "x" }), { defaultUrl: undefined }),
    ).toThrow(/Input 'registry-username' is empty while its partner is set/);
  });
});

describe("registry credentials", () => {
  const config = JSON.stringify({
    auths: {
      "123.dkr.ecr.eu-west-1.amazonaws.com": {
        auth: Buffer.from("AWS:secret:with:colons").toString("base64"),
      },
      "https://index.docker.io/v1/": { auth: Buffer.from("hubuser:hubtoken").toString("base64") },
      "registry.example.com": { username: "u", password: "p" },
    },
  });
  const none = {
    username: undefined,
    password: undefined,
    dockerConfig: undefined,
    actor: "octocat",
    token: "ghs_x",
  };

  it("reads docker/login-action's config.json entries, auth or username/password", () => {
    expect(dockerConfigCredential(config, "123.dkr.ecr.eu-west-1.amazonaws.com")).toEqual({
      username: "AWS",
      password: "secret:with:colons",
      source: "~/.docker/config.json",
    });
    expect(dockerConfigCredential(config, "docker.io")?.username).toBe("hubuser");
    expect(dockerConfigCredential(config, "registry.example.com")?.password).toBe("p");
    expect(dockerConfigCredential(config, "ghcr.io")).toBeUndefined();
    expect(dockerConfigCredential("{not json", "ghcr.io")).toBeUndefined();
  });

  it("prefers explicit inputs, then the docker config, then github.actor + github-token for ghcr.io only", () => {
    expect(
      resolveCredential({ ...none, host: "ghcr.io", username: "bot", password: "pw", dockerConfig: config })
        ?.source,
    ).toBe("registry-username");
    expect(resolveCredential({ ...none, host: "registry.example.com", dockerConfig: config })?.source).toBe(
      "~/.docker/config.json",
    );
    expect(resolveCredential({ ...none, host: "ghcr.io" })).toEqual({
      username: "octocat",
      password: "ghs_x",
      source: "github-token",
    });
    expect(resolveCredential({ ...none, host: "registry.example.com" })).toBeUndefined();
  });
});
