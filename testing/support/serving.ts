// What the serving tests start: a model folder trained through train-model, a ModelPack artifact pushed
// by skopeo from an OCI layout written here (to the registry of testing/services/registry), and
// examples/serving's server or whole stack. Each on an ephemeral port under its own temp folder.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { filesDigest, sha256Hex } from "../../src/fingerprint/manifest.ts";
import { RUN_RECORD_FILE, ARTIFACT_MODEL_DIR, type RunRecord } from "../../src/record/run-record.ts";
import { parseRunRecord } from "../../src/record/record-io.ts";
import { runAction } from "../rig/index.ts";
import { checkoutExample, PYTHON, REPO_ROOT } from "./workspace.ts";

const run = promisify(execFile);
export const SERVING_DIR = join(REPO_ROOT, "examples/serving");

export interface TrainedModel {
  /** train-model's artifact layout: model/<files> and mlops-run.json. */
  folder: string;
  record: RunRecord;
}

/** A copy of `model`'s folder whose model.joblib is `bytes`, with the record rewritten to match them. */
export function folderWithModelBytes(model: TrainedModel, bytes: Buffer): string {
  return folderWithFiles(model, { "model.joblib": bytes });
}

/**
 * A copy of `model`'s folder with `files` (model file path → bytes) written or added, and the record
 * rewritten to list them: e.g. examples/serving's serving.json, which makes a version slow on purpose.
 */
export function folderWithFiles(model: TrainedModel, files: Record<string, Buffer>): string {
  const folder = mkdtempSync(join(tmpdir(), "mlops-model-edited-"));
  cpSync(model.folder, folder, { recursive: true });
  const entries = new Map(model.record.model.files.map((f) => [f.path, f]));
  for (const [path, bytes] of Object.entries(files)) {
    writeFileSync(join(folder, ARTIFACT_MODEL_DIR, path), bytes);
    entries.set(path, { ...entries.get(path), path, sha256: sha256Hex(bytes), size: bytes.length });
  }
  const listed = [...entries.values()];
  const record: RunRecord = {
    ...model.record,
    model: {
      ...model.record.model,
      files: listed,
      digest: `sha256:${filesDigest(listed)}`,
      size: listed.reduce((sum, f) => sum + f.size, 0),
    },
  };
  writeFileSync(join(folder, RUN_RECORD_FILE), JSON.stringify(record, null, 2));
  return folder;
}

let nextRunId = 14_000;

/** The examples serve.py has a loader for, and the params each needs on top of the caller's. */
const SERVABLE_EXAMPLES = {
  "sklearn-classifier": { params: { noise_seeds: 0 } },
  quickstart: { params: {} },
} as const;

/** Trains an example (the sklearn one by default) through the bundled train-model (no upload, no cache). */
export async function trainModelFolder(
  name: string,
  params: Record<string, unknown>,
  example: keyof typeof SERVABLE_EXAMPLES = "sklearn-classifier",
): Promise<TrainedModel> {
  const workspace = checkoutExample(example, { subdir: "ml" });
  const result = await runAction({
    action: "train-model",
    inputs: {
      "working-directory": "ml",
      command: `${PYTHON} train.py`,
      "model-path": "model",
      "model-name": name,
      "data-paths": "data",
      params: JSON.stringify({ ...SERVABLE_EXAMPLES[example].params, ...params }),
      upload: "false",
      cache: "false",
    },
    workspace,
    event: { name: "push" },
    github: { repository: "acme/digits", runId: nextRunId++ },
  });
  if (result.exitCode !== 0) throw new Error(`train-model failed:\n${result.stdout}\n${result.stderr}`);
  const recordPath = result.outputs["run-record"] ?? "";
  const record = parseRunRecord(readFileSync(recordPath, "utf8"), recordPath);
  const folder = mkdtempSync(join(tmpdir(), `mlops-model-${name}-`));
  for (const file of record.model.files)
    cpSync(join(workspace, "ml", "model", file.path), join(folder, ARTIFACT_MODEL_DIR, file.path));
  cpSync(recordPath, join(folder, RUN_RECORD_FILE));
  return { folder, record };
}

/** Resolves once `check` answers true; polls a condition (a server's readiness), never a fixed wait. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function status(url: string): Promise<number> {
  try {
    const answer = await fetch(url);
    await answer.arrayBuffer();
    return answer.status;
  } catch {
    return 0;
  }
}

export interface Child {
  process: ChildProcess;
  output(): string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export function startChild(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // A command that cannot start (not installed) ends like an exit, with the reason in the output.
  child.on(
    "error",
    (error) => (output += `${command}: ${error.message} (scripts/ensure-system.sh installs it)\n`),
  );
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => resolve(code));
    child.on("error", () => resolve(-1));
  });
  return {
    process: child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Stops `child` when `start` fails, so a server that never came up is not left running. */
async function orStop<T>(child: Child, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    await child.stop();
    throw error;
  }
}

async function readPortFile<T>(file: string, child: Child, what: string): Promise<T> {
  await waitFor(what, () => {
    if (child.process.exitCode !== null)
      throw new Error(`${what} exited ${child.process.exitCode}:\n${child.output()}`);
    return existsSync(file);
  });
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

export interface ModelServer extends Child {
  url: string;
}

/** python3 examples/serving/serve.py on an ephemeral port; resolves once it is ready. */
export async function startModelServer(folder: string, name: string, version: string): Promise<ModelServer> {
  const dir = mkdtempSync(join(tmpdir(), "mlops-serve-"));
  const portFile = join(dir, "port.json");
  const child = startChild(PYTHON, [
    join(SERVING_DIR, "serve.py"),
    ...["--model-dir", folder, "--model-name", name, "--model-version", version],
    ...["--host", "127.0.0.1", "--port", "0", "--port-file", portFile],
  ]);
  return orStop(child, async () => {
    const { port } = await readPortFile<{ port: number }>(portFile, child, "serve.py");
    const url = `http://127.0.0.1:${port}`;
    await waitFor("serve.py ready", async () => (await status(`${url}/v2/health/ready`)) === 200);
    return { ...child, url };
  });
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

export const MODELPACK = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  artifactType: "application/vnd.cncf.model.manifest.v1+json",
  config: "application/vnd.cncf.model.config.v1+json",
  weight: "application/vnd.cncf.model.weight.v1.raw",
  doc: "application/vnd.cncf.model.doc.v1.raw",
  filepath: "org.cncf.model.filepath",
};

/**
 * Writes `folder` (model/<files> + mlops-run.json) as a ModelPack OCI layout, the way publish-model stores
 * a model: one weight layer per model file, the record as a doc layer. `replace` may change a file's bytes
 * after the record was written (a mismatching artifact). Then pushes it with skopeo; returns the
 * registry reference by digest.
 */
export async function pushModelPack(
  registry: { host: string },
  repository: string,
  tag: string,
  folder: string,
  options: { replace?: Record<string, Buffer> } = {},
): Promise<string> {
  const layout = mkdtempSync(join(tmpdir(), "mlops-oci-"));
  mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
  const blob = (data: Buffer | string) => {
    const hex = sha256(data);
    writeFileSync(join(layout, "blobs", "sha256", hex), data);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
  };
  const record = parseRunRecord(readFileSync(join(folder, RUN_RECORD_FILE), "utf8"), "record");
  const layers = record.model.files.map((file) => {
    const bytes = options.replace?.[file.path] ?? readFileSync(join(folder, ARTIFACT_MODEL_DIR, file.path));
    return { mediaType: MODELPACK.weight, ...blob(bytes), annotations: { [MODELPACK.filepath]: file.path } };
  });
  layers.push({
    mediaType: MODELPACK.doc,
    ...blob(readFileSync(join(folder, RUN_RECORD_FILE))),
    annotations: { [MODELPACK.filepath]: RUN_RECORD_FILE },
  });
  const config = blob(
    JSON.stringify({
      descriptor: { name: record.model.name, version: tag },
      config: { format: "joblib" },
      modelfs: { type: "layers", diffIds: layers.map((l) => l.digest) },
    }),
  );
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MODELPACK.manifest,
    artifactType: MODELPACK.artifactType,
    config: { mediaType: MODELPACK.config, ...config },
    layers,
  });
  const stored = blob(manifest);
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: MODELPACK.manifest,
          ...stored,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  try {
    await run("skopeo", [
      "copy",
      "--quiet",
      "--preserve-digests",
      "--dest-tls-verify=false",
      `oci:${layout}:${tag}`,
      `docker://${registry.host}/${repository}:${tag}`,
    ]);
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
  return `${registry.host}/${repository}@${stored.digest}`;
}

export const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString("base64")}`;

/** Standard Webhooks headers for `body`: HMAC-SHA256 over "<id>.<timestamp>.<body>". */
export function webhookHeaders(
  body: string,
  options: { id?: string; timestamp?: number; secret?: string } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomBytes(12).toString("hex")}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const key = Buffer.from((options.secret ?? WEBHOOK_SECRET).slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${signature}`,
  };
}

export function deployBody(model: string, version: string, reference: string, extra: object = {}): string {
  return JSON.stringify({
    type: "model.deploy",
    timestamp: new Date().toISOString(),
    data: { model, version, reference, ...extra },
  });
}

export interface ServingStack extends Child {
  front: string;
  receiver: string;
  stateDir: string;
}

/**
 * python3 examples/serving/stack.py: the nginx front and the receiver, on ephemeral ports. `env` adds
 * e.g. MLOPS_REGISTRY_USERNAME/MLOPS_REGISTRY_PASSWORD for a registry that wants credentials.
 */
export async function startStack(
  model: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<ServingStack> {
  const dir = mkdtempSync(join(tmpdir(), "mlops-stack-"));
  const portsFile = join(dir, "ports.json");
  const child = startChild(
    PYTHON,
    [
      join(SERVING_DIR, "stack.py"),
      ...["--model-name", model, "--front-port", "0", "--receiver-port", "0"],
      ...["--state-dir", join(dir, "state"), "--ports-file", portsFile, ...extra],
    ],
    { env: { ...process.env, MLOPS_WEBHOOK_SECRET: WEBHOOK_SECRET, ...env } },
  );
  return orStop(child, async () => {
    type Ports = { front: number; receiver: number; stateDir: string };
    const ports = await readPortFile<Ports>(portsFile, child, "stack.py");
    const receiver = `http://127.0.0.1:${ports.receiver}`;
    await waitFor("receiver", async () => (await status(`${receiver}/healthz`)) === 200);
    const stop = async () => {
      const code = await child.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    };
    return { ...child, stop, front: `http://127.0.0.1:${ports.front}`, receiver, stateDir: ports.stateDir };
  });
}
