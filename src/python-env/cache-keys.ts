// Cache keys for the environment, the download cache and the data. The environment's key must change
// whenever a restored environment could be wrong: a venv hard-codes its interpreter's path and its own, and
// compiled wheels depend on the OS image and the exact Python. The key ends in a fixed-length digest, so
// one key is never a prefix of another (the cache service also matches keys by prefix).
import { createHash } from "node:crypto";
import type { Manager } from "./managers.ts";

/** Bump when what is cached, or where, changes shape. */
export const CACHE_LAYOUT = "v1";

export interface LockfileDigest {
  path: string;
  sha256: string;
}

export interface EnvironmentIdentity {
  os: string;
  arch: string;
  imageOs: string | undefined;
  imageVersion: string | undefined;
  /** Full version, e.g. 3.12.7; for micromamba the one environment.yml asks for is unknown: "conda". */
  pythonVersion: string;
  /** The base interpreter, resolved through symlinks ("" for micromamba, which brings its own). */
  interpreterPath: string;
  environmentPath: string;
  manager: Manager;
  lockfiles: LockfileDigest[];
  extraArgs: string[];
  /** A venv that sees the interpreter's site-packages depends on them too. */
  systemSitePackages: boolean;
}

export interface CacheKeys {
  key: string;
  restoreKeys: string[];
}

/** sha256 over the lockfiles, one "<sha256>  <path>" line each, sorted by path (sha256sum's format). */
export function lockDigest(lockfiles: readonly LockfileDigest[]): string {
  const lines = [...lockfiles]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((l) => `${l.sha256}  ${l.path}\n`);
  return sha256(lines.join(""));
}

/** The digest behind the environment's key (the `env-digest` output). */
export function environmentDigest(id: EnvironmentIdentity): string {
  return sha256(
    JSON.stringify({
      layout: CACHE_LAYOUT,
      os: id.os,
      arch: id.arch,
      imageOs: id.imageOs ?? null,
      imageVersion: id.imageVersion ?? null,
      pythonVersion: id.pythonVersion,
      interpreterPath: id.interpreterPath,
      environmentPath: id.environmentPath,
      manager: id.manager,
      lockDigest: lockDigest(id.lockfiles),
      extraArgs: id.extraArgs,
      ...(id.systemSitePackages ? { systemSitePackages: true } : {}),
    }),
  );
}

/** The environment: exact key only. A partial hit would be an environment for other lockfiles. */
export function environmentCacheKey(id: EnvironmentIdentity): CacheKeys {
  const parts = [
    id.os,
    id.arch,
    id.imageOs ?? "no-image",
    id.imageVersion ?? "no-image-version",
    `py${id.pythonVersion}`,
    id.manager,
    environmentDigest(id),
  ];
  return { key: `mlops-setup-env-${CACHE_LAYOUT}-${parts.map(segment).join("-")}`, restoreKeys: [] };
}

/** The manager's download cache: any older entry still saves downloads, so restore keys widen step by step. */
export function downloadCacheKeys(id: EnvironmentIdentity): CacheKeys {
  const base = `mlops-setup-env-downloads-${CACHE_LAYOUT}-${[id.os, id.arch, id.manager].map(segment).join("-")}`;
  const withPython = `${base}-py${segment(id.pythonVersion)}`;
  return {
    key: `${withPython}-${lockDigest(id.lockfiles)}`,
    restoreKeys: [`${withPython}-`, `${base}-`],
  };
}

export interface DataIdentity {
  /** What the data's version is read from: dvc.lock or the `data-manifest` file. */
  manifestPath: string;
  manifestSha256: string;
  paths: string[];
}

/** The data: exact key only; a different manifest means different data. */
export function dataCacheKey(id: DataIdentity): CacheKeys {
  const digest = sha256(JSON.stringify({ layout: CACHE_LAYOUT, ...id }));
  return { key: `mlops-setup-env-data-${CACHE_LAYOUT}-${digest}`, restoreKeys: [] };
}

/** Cache keys may not contain commas and should stay readable: anything else becomes "_". */
function segment(text: string): string {
  return text.replace(/[^A-Za-z0-9._]/g, "_");
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
