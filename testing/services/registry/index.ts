// A registry for tests that behaves like ghcr.io where it matters: Debian's docker-registry with token
// auth turned on (it enforces pull/push scopes itself), our token service checking Basic actor:token, and a
// front adding ghcr.io's 4 MiB PATCH limit and dropped connections on request. Integration tests share one
// (tests/integration/global-setup.ts starts it; files connect with connectTestRegistry(inject(...)), see
// shared.ts) and use unique repository names per test; a file that arms faults starts its own.
// `startTestRegistry({ auth: false })` is a bare registry (for benchmarks and the serving stack).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDockerRegistry, type DockerRegistryProcess } from "./docker-registry.ts";
import { Front, type DropFault, type LoggedRequest } from "./front.ts";
import { controlPrefix, controlRoutes, type SharedRegistryInfo } from "./shared.ts";
import {
  makeSigningMaterial,
  TOKEN_ISSUER,
  TOKEN_SERVICE,
  TokenService,
  type RegistryUser,
} from "./token-service.ts";

export { GHCR_MAX_PATCH_BYTES, type DropFault, type LoggedRequest } from "./front.ts";
export type { Action, RegistryUser, TokenRequestLog } from "./token-service.ts";
export { connectTestRegistry, type SharedRegistry, type SharedRegistryInfo } from "./shared.ts";

export interface TestRegistry {
  /** `http://127.0.0.1:<port>`: the front (what clients use). */
  origin: string;
  /** `127.0.0.1:<port>`: the host part of a registry-url. */
  host: string;
  /** docker-registry itself, behind the front. */
  registryOrigin: string;
  /** docker-registry's storage folder (blobs under docker/registry/v2/blobs/sha256/<2>/<hex>/data). */
  storage: string;
  /** Present when auth is on. */
  tokens: TokenService | undefined;
  /** Every request the front saw. */
  log: LoggedRequest[];
  addUser(user: RegistryUser): void;
  drop(fault: DropFault): void;
  /** Logged requests of a repository matching method and a path suffix pattern. */
  requests(repository: string, method: string, pathPattern?: RegExp): LoggedRequest[];
  /** Where other processes reach it (connectTestRegistry). */
  shared: SharedRegistryInfo;
  close(): Promise<void>;
}

let unique = 0;
/** Tells this process from an earlier one that had the same pid (the registry outlives test files). */
const PROCESS_TAG = `${process.pid}${randomBytes(2).toString("hex")}`;
/** A repository name no other test of the suite uses: `<prefix>-<pid><random>-<n>`. */
export function uniqueRepository(prefix: string): string {
  return `${prefix}-${PROCESS_TAG}-${++unique}`;
}

export interface TestRegistryOptions {
  /** Token auth through our token service (default true); false: a bare registry. */
  auth?: boolean;
  /** Where the temp folder (config, storage) goes; default the OS temp dir. */
  parentDir?: string;
}

export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), "mlops-registry-"));
  let registry: DockerRegistryProcess | undefined;
  let front: Front | undefined;
  try {
    const tokens = options.auth === false ? undefined : new TokenService(makeSigningMaterial(dir));
    front = new Front(tokens);
    const origin = await front.listen();
    registry = await startDockerRegistry(
      dir,
      tokens && {
        realm: `${origin}/token`,
        service: TOKEN_SERVICE,
        issuer: TOKEN_ISSUER,
        rootCertBundle: join(dir, "token-cert.pem"),
      },
    );
    front.setUpstream(registry.origin);
    const control = controlPrefix();
    front.setControl(control, controlRoutes(tokens, front.log));
    const started = { front, registry };
    return {
      origin,
      host: new URL(origin).host,
      registryOrigin: registry.origin,
      shared: { origin, host: new URL(origin).host, control: `${origin}${control}` },
      storage: registry.storage,
      tokens,
      log: front.log,
      addUser: (user) => {
        if (tokens === undefined) throw new Error("this test registry runs without auth");
        tokens.addUser(user);
      },
      drop: (fault) => started.front.drop(fault),
      requests: (repository, method, pathPattern) =>
        started.front.log.filter(
          (r) =>
            r.method === method &&
            r.path.startsWith(`/v2/${repository}/`) &&
            (pathPattern === undefined || pathPattern.test(r.path)),
        ),
      async close() {
        await started.front.close();
        await started.registry.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await front?.close();
    await registry?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
