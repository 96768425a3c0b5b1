#!/usr/bin/env node
// Publishing a 1 GiB single-file model to a local registry: the publish-model bundle (dist/; run
// `npm run build` first) against `skopeo copy oci:<layout> docker://…` of the same
// single-layer OCI layout (Debian's skopeo), in the same run. Each run gets a fresh docker-registry
// (own temp storage, no auth) and skopeo's blob-info cache is deleted first (it would turn the copy into a
// mount); the sides alternate. Prints each side's MB/s (10^6 bytes/s, median), the throughput ratio
// (goal ≥ 1.2× skopeo: we skip the hashing pass) and each side's peak RSS (GNU time).
//   node_modules/.bin/node bench/publish.mjs [--size 1G] [--runs 3]
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startGitHubDouble } from "../testing/services/github/index.ts";
import { startTestRegistry } from "../testing/services/registry/index.ts";
import { publishableRecord } from "../testing/fixtures/publishable-record.ts";

const { values } = parseArgs({
  options: { size: { type: "string", default: "1G" }, runs: { type: "string", default: "3" } },
});
const UNITS = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
const sizeMatch = /^(\d+)([KMG]?)$/i.exec(values.size);
if (!sizeMatch) throw new Error(`--size: cannot read ${values.size}; use e.g. 1G, 256M`);
const size = Number(sizeMatch[1]) * UNITS[sizeMatch[2].toUpperCase()];
const runs = Number(values.runs);
const root = new URL("..", import.meta.url).pathname;
const node = process.execPath;
const SKOPEO_CACHE = "/var/lib/containers/cache/blob-info-cache-v1.boltdb";
const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
// The registry's storage in memory when there is room: its disk writes are the same for both sides and,
// on a shared machine, the noisiest part of a run.
const REGISTRY_PARENT =
  existsSync("/dev/shm") && statfsSync("/dev/shm").bavail * statfsSync("/dev/shm").bsize > 3 * size
    ? "/dev/shm"
    : tmpdir();

const temp = mkdtempSync(join(tmpdir(), "mlops-bench-publish-"));
try {
  // The model file, generated in constant memory; its digest is what train-model's run record holds.
  const modelPath = join(temp, "model.bin");
  const block = randomFillSync(Buffer.alloc(8 << 20));
  const hash = createHash("sha256");
  const fd = openSync(modelPath, "w");
  for (let offset = 0; offset < size; offset += block.length) {
    block.writeUInt32BE(offset / block.length, 0);
    const part = block.subarray(0, Math.min(block.length, size - offset));
    hash.update(part);
    writeSync(fd, part);
  }
  closeSync(fd);
  const model = { path: modelPath, digest: `sha256:${hash.digest("hex")}`, size };

  // One artifact, two forms: descriptors for our client, an OCI layout for skopeo (the model hard-linked).
  const config = Buffer.from(
    JSON.stringify({
      descriptor: { name: "bench" },
      modelfs: { type: "layers", diffIds: [model.digest] },
      config: {},
    }),
  );
  const configDigest = `sha256:${createHash("sha256").update(config).digest("hex")}`;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    artifactType: "application/vnd.cncf.model.manifest.v1+json",
    config: {
      mediaType: "application/vnd.cncf.model.config.v1+json",
      digest: configDigest,
      size: config.length,
    },
    layers: [
      {
        mediaType: "application/vnd.cncf.model.weight.v1.raw",
        digest: model.digest,
        size,
        annotations: { "org.cncf.model.filepath": "model.bin" },
      },
    ],
  });
  const manifestDigest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
  const layout = join(temp, "layout");
  mkdirSync(join(layout, "blobs/sha256"), { recursive: true });
  writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(layout, "blobs/sha256", configDigest.slice(7)), config);
  writeFileSync(join(layout, "blobs/sha256", manifestDigest.slice(7)), manifest);
  linkSync(modelPath, join(layout, "blobs/sha256", model.digest.slice(7)));
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: MANIFEST_TYPE,
          digest: manifestDigest,
          size: manifest.length,
          annotations: { "org.opencontainers.image.ref.name": "v1" },
        },
      ],
    }),
  );

  // Ours: the publish-model bundle (dist/, as the runner runs it) on a workspace as train-model leaves it
  // (model/model.bin and mlops-run.json whose per-file digest is the model's), version claims in the GitHub
  // double. Every run is attempt 1 of the same workflow run, so each fresh registry gets v1 again.
  const workspace = join(temp, "workspace");
  mkdirSync(join(workspace, "model"), { recursive: true });
  linkSync(modelPath, join(workspace, "model", "model.bin"));
  const record = publishableRecord();
  record.model = {
    ...record.model,
    name: "model",
    files: [{ path: "model.bin", sha256: model.digest.slice(7), size }],
    digest: model.digest,
    size,
  };
  writeFileSync(join(workspace, "mlops-run.json"), `${JSON.stringify(record, null, 2)}\n`);
  const github = await startGitHubDouble({ repos: [{ fullName: "bench/bench", defaultBranch: "main" }] });
  github.addToken("ghs_bench");
  github.state.seedCommits("bench/bench", record.code.sha);
  const outputFile = join(temp, "github-output");
  const stepEnv = (host) => ({
    ...process.env,
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: "bench/bench",
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "1",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_OUTPUT: outputFile,
    RUNNER_TEMP: join(temp, "runner-temp"),
    MLOPS_RUN_RECORD: join(workspace, "mlops-run.json"),
    "INPUT_RUN-RECORD": "mlops-run.json",
    "INPUT_REGISTRY-URL": `http://${host}/bench`,
    "INPUT_REQUIRE-GATE": "false",
    "INPUT_GITHUB-TOKEN": "ghs_bench",
    INPUT_VERSION: "auto",
    INPUT_REGISTRY: "oci",
  });
  const ourDigest = () => /^digest<<(\S+)\n(.*)\n/m.exec(readFileSync(outputFile, "utf8"))?.[2];

  // Each contender: the command that publishes the artifact to `host` (a fresh registry) as bench/model:v1,
  // and the manifest digest it pushed.
  const contenders = {
    ours: (host) => ({
      command: [node, join(root, "dist/publish-model/index.js")],
      env: (writeFileSync(outputFile, ""), stepEnv(host)),
      digest: ourDigest,
    }),
    skopeo: (host) => ({
      command: [
        "skopeo",
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        `oci:${layout}:v1`,
        `docker://${host}/bench/model:v1`,
      ],
      env: process.env,
      digest: () => manifestDigest,
    }),
  };

  const results = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? Object.keys(contenders) : Object.keys(contenders).reverse();
    for (const name of order) {
      rmSync(SKOPEO_CACHE, { force: true });
      const registry = await startTestRegistry({ auth: false, parentDir: REGISTRY_PARENT });
      try {
        const host = new URL(registry.registryOrigin).host;
        const contender = contenders[name](host);
        const measured = await timed(contender.command, contender.env);
        const pushed = execFileSync("skopeo", [
          "inspect",
          "--raw",
          "--tls-verify=false",
          `docker://${host}/bench/model:v1`,
        ]);
        if (`sha256:${createHash("sha256").update(pushed).digest("hex")}` !== contender.digest())
          throw new Error(`${name}: the registry holds another manifest than it reported`);
        results[name].push(measured);
        console.log(
          `run ${run + 1} ${name.padEnd(6)} ${(measured.ms / 1000).toFixed(2)} s  ${mbps(measured.ms)} MB/s  peak RSS ${(measured.rssKiB / 1024).toFixed(0)} MiB`,
        );
      } finally {
        await registry.close();
      }
    }
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, list]) => [
      name,
      { ms: median(list.map((r) => r.ms)), rssKiB: Math.max(...list.map((r) => r.rssKiB)) },
    ]),
  );
  console.log(
    `\n${(size / 2 ** 30).toFixed(2)} GiB, ${runs} runs each, registry storage in ${REGISTRY_PARENT}, medians:`,
  );
  for (const [name, s] of Object.entries(summary))
    console.log(`  ${name.padEnd(6)} ${mbps(s.ms)} MB/s, peak RSS ${(s.rssKiB / 1024).toFixed(0)} MiB`);
  console.log(
    `  throughput ours / skopeo: ${(summary.skopeo.ms / summary.ours.ms).toFixed(2)}× (goal ≥ 1.2×)`,
  );
  await github.close();
} finally {
  rmSync(temp, { recursive: true, force: true });
}

function mbps(ms) {
  return (size / 1e6 / (ms / 1000)).toFixed(0);
}

/** Wall time and peak RSS (GNU time's %M, KiB) of one command. */
function timed(command, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "%M", ...command], {
      stdio: ["ignore", "ignore", "pipe"],
      env,
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`${command.join(" ")} exited with ${code}:\n${stderr}`));
      resolve({ ms, rssKiB: Number(stderr.trim().split("\n").at(-1)) });
    });
  });
}
