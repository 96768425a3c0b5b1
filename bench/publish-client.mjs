// The "ours" side of bench/publish.mjs: push one single-layer artifact (config, model file, manifest) with
// the OCI client, the way publish-model does, from the descriptors the run record already holds (no hashing
// pass). Bundled with dist/'s esbuild settings by bench/publish.mjs; run as
//   node <bundle> <registry-url> <repository> <artifact.json>
// where artifact.json is { model: {path, digest, size}, config: <base64>, manifest: <text> }.
import { readFileSync } from "node:fs";
import { createOciClient, parseRegistryUrl, sha256Digest } from "../src/registry/oci/index.ts";

const [registryUrl, repository, artifactPath] = process.argv.slice(2);
const artifact = JSON.parse(readFileSync(artifactPath, "utf8"));
const client = createOciClient({ location: parseRegistryUrl(registryUrl), repository });
const config = Buffer.from(artifact.config, "base64");
await client.pushBlob({ digest: sha256Digest(config), size: config.length, data: config });
await client.pushBlob(artifact.model);
const digest = await client.putManifest(
  "v1",
  artifact.manifest,
  "application/vnd.oci.image.manifest.v1+json",
);
process.stdout.write(`${digest}\n`);
