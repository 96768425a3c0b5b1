// Azurite's blob service in a child process: the Azure Blob Storage that @actions/artifact and
// @actions/cache upload to and download from through SAS URLs. One temp dir per instance, removed on close.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The emulator's well-known development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1` — containers and blobs are paths below it. */
  blobUrl: string;
  accountName: string;
  /** Base64 shared key, used to sign SAS tokens. */
  accountKey: string;
  /** Milliseconds from spawn until the service answered HTTP. */
  startMs: number;
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 20_000;

async function azuriteBlobScript(): Promise<string> {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("azurite/package.json");
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { bin: Record<string, string> };
  const script = manifest.bin["azurite-blob"];
  if (script === undefined) throw new Error(`${manifestPath} declares no azurite-blob binary`);
  return join(dirname(manifestPath), script);
}

export async function startAzurite(): Promise<Azurite> {
  const started = performance.now();
  const location = await mkdtemp(join(tmpdir(), "azurite-"));
  const script = await azuriteBlobScript();
  // Port 0: the OS picks a free port and Azurite prints it, so parallel test files never collide.
  const child = spawn(
    process.execPath,
    [
      script,
      "--disableTelemetry",
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      "0",
      "--location",
      location,
      "--silent",
      "--skipApiVersionCheck",
      "--loose",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // If the test process dies without close(), do not leave an orphaned emulator behind.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  const cleanUp = async (): Promise<void> => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(location, { recursive: true, force: true });
  };

  try {
    const origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Azurite did not start within ${STARTUP_TIMEOUT_MS} ms. Output:\n${output}`));
      }, STARTUP_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /successfully listens on (http:\/\/[\d.]+:\d+)/.exec(output);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited with code ${code} before listening. Output:\n${output}`));
      });
    });
    const blobUrl = `${origin}/${AZURITE_ACCOUNT_NAME}`;
    // Any HTTP answer (an unauthenticated list is refused with 403) proves the service is serving.
    const probe = await fetch(`${blobUrl}?comp=list`);
    await probe.body?.cancel();
    return {
      blobUrl,
      accountName: AZURITE_ACCOUNT_NAME,
      accountKey: AZURITE_ACCOUNT_KEY,
      startMs: Math.round(performance.now() - started),
      close: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
