// Debian's docker-registry (distribution 2.8) in a child process: 127.0.0.1 on an ephemeral port (it logs
// the address it bound), its own config and storage in a temp folder, removed on close.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

export const DOCKER_REGISTRY = "docker-registry";

export interface TokenAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
}

export interface DockerRegistryProcess {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  storage: string;
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 20_000;

function configText(storage: string, auth: TokenAuthConfig | undefined): string {
  const lines = [
    "version: 0.1",
    "log:",
    "  level: info",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(storage)}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    "  addr: 127.0.0.1:0",
    `  secret: ${JSON.stringify(`test-${process.pid}-${Date.now()}`)}`,
  ];
  if (auth !== undefined) {
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${JSON.stringify(auth.realm)}`,
      `    service: ${JSON.stringify(auth.service)}`,
      `    issuer: ${JSON.stringify(auth.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(auth.rootCertBundle)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Start docker-registry with its config in `dir` and its storage in `dir/storage`. */
export async function startDockerRegistry(
  dir: string,
  auth?: TokenAuthConfig,
): Promise<DockerRegistryProcess> {
  const storage = join(dir, "storage");
  const configPath = join(dir, "config.yml");
  await writeFile(configPath, configText(storage, auth));
  const child = spawn(DOCKER_REGISTRY, ["serve", configPath], { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  let output = "";
  const close = async (): Promise<void> => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    const origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`docker-registry did not start within ${STARTUP_TIMEOUT_MS} ms:\n${output}`)),
        STARTUP_TIMEOUT_MS,
      );
      child.once("error", (error) => {
        clearTimeout(timer);
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(
          missing
            ? new Error(
                `${DOCKER_REGISTRY} is not installed: apt-get install docker-registry (or run npm test, which installs it).`,
              )
            : error,
        );
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`docker-registry exited with ${code} before listening:\n${output}`));
      });
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (text: string) => {
        if (output.length < 64 * 1024) output += text;
        // "listening on 127.0.0.1:41471" is logged once the socket is bound.
        const match = /listening on (127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(`http://${match[1]}`);
        }
      });
    });
    const probe = await fetch(`${origin}/v2/`);
    await probe.arrayBuffer();
    if (probe.status !== 200 && probe.status !== 401)
      throw new Error(`docker-registry /v2/ answered ${probe.status}`);
    return { origin, storage, close };
  } catch (error) {
    await close();
    throw error;
  }
}
