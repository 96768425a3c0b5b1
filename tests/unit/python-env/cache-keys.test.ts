import { describe, expect, it } from "vitest";
import {
  dataCacheKey,
  downloadCacheKeys,
  environmentCacheKey,
  environmentDigest,
  lockDigest,
  type EnvironmentIdentity,
} from "../../../src/python-env/cache-keys.ts";
import { python } from "./support.ts";

const BASE: EnvironmentIdentity = {
  os: "Linux",
  arch: "X64",
  imageOs: "ubuntu24",
  imageVersion: "20261103.1.0",
  pythonVersion: "3.12.7",
  interpreterPath: "/opt/hostedtoolcache/Python/3.12.7/x64/bin/python3.12",
  environmentPath: "/home/runner/work/_temp/mlops-setup-env/root/venv",
  manager: "pip",
  lockfiles: [{ path: "requirements.txt", sha256: "a".repeat(64) }],
  extraArgs: [],
  systemSitePackages: false,
};

describe("the environment's key", () => {
  const key = environmentCacheKey(BASE).key;

  it("reads as OS, image, Python and manager, and ends in the digest", () => {
    expect(key).toBe(
      `mlops-setup-env-v1-Linux-X64-ubuntu24-20261103.1.0-py3.12.7-pip-${environmentDigest(BASE)}`,
    );
    expect(environmentCacheKey(BASE).restoreKeys).toEqual([]);
  });

  it.each<[string, Partial<EnvironmentIdentity>]>([
    ["the OS", { os: "macOS" }],
    ["the architecture", { arch: "ARM64" }],
    ["ImageOS", { imageOs: "ubuntu22" }],
    ["ImageVersion", { imageVersion: "20261110.2.0" }],
    ["the Python patch version", { pythonVersion: "3.12.8" }],
    ["the interpreter's path", { interpreterPath: "/usr/bin/python3.12" }],
    ["the environment's path", { environmentPath: "/tmp/venv" }],
    ["the manager", { manager: "pipenv" }],
    ["a lockfile", { lockfiles: [{ path: "requirements.txt", sha256: "b".repeat(64) }] }],
    ["extra-args", { extraArgs: ["--no-deps"] }],
    ["system-site-packages", { systemSitePackages: true }],
  ])("changes with %s", (_what, change) => {
    const other = environmentCacheKey({ ...BASE, ...change }).key;
    expect(other).not.toBe(key);
    // Same length digest at the end: neither key is a prefix of the other.
    expect(other.startsWith(key) || key.startsWith(other)).toBe(false);
  });

  it("keeps keys legal: no commas, at most 512 characters", () => {
    const odd = environmentCacheKey({ ...BASE, imageVersion: "a,b c/d", pythonVersion: "3.13.0" }).key;
    expect(odd).not.toMatch(/[, /]/);
    expect(odd.length).toBeLessThanOrEqual(512);
  });
});

describe("the download cache's keys", () => {
  it("widens step by step: same Python, then any entry of the manager", () => {
    const { key, restoreKeys } = downloadCacheKeys(BASE);
    expect(key).toBe(`mlops-setup-env-downloads-v1-Linux-X64-pip-py3.12.7-${lockDigest(BASE.lockfiles)}`);
    expect(restoreKeys).toEqual([
      "mlops-setup-env-downloads-v1-Linux-X64-pip-py3.12.7-",
      "mlops-setup-env-downloads-v1-Linux-X64-pip-",
    ]);
    for (const prefix of restoreKeys) expect(key.startsWith(prefix)).toBe(true);
  });
});

describe("lockDigest", () => {
  it("is sha256sum's output for the files, sorted by path, whatever the order given", () => {
    const files = [
      { path: "requirements.txt", sha256: "1".repeat(64) },
      { path: "requirements-dev.txt", sha256: "2".repeat(64) },
    ];
    const expected = python(
      `import hashlib; print(hashlib.sha256(("2"*64 + "  requirements-dev.txt\\n" + "1"*64 + "  requirements.txt\\n").encode()).hexdigest())`,
    );
    expect(lockDigest(files)).toBe(expected);
    expect(lockDigest([...files].reverse())).toBe(expected);
  });
});

describe("the data key", () => {
  it("changes with the manifest and with the paths, never by prefix", () => {
    const a = dataCacheKey({ manifestPath: "dvc.lock", manifestSha256: "1".repeat(64), paths: ["data"] }).key;
    const b = dataCacheKey({ manifestPath: "dvc.lock", manifestSha256: "2".repeat(64), paths: ["data"] }).key;
    const c = dataCacheKey({
      manifestPath: "dvc.lock",
      manifestSha256: "1".repeat(64),
      paths: ["data", "extra"],
    }).key;
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toMatch(/^mlops-setup-env-data-v1-[0-9a-f]{64}$/);
  });
});
