// deploy's ModelResolver over the OCI registry client: a reference (version, alias or digest) becomes the
// manifest digest the deployment records; files are pulled by that digest with every byte verified; an
// alias moves by putting the same manifest under the alias tag (nothing is uploaded again).
import { mkdir } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { ConfigurationError } from "../../formats/errors.ts";
import type { ModelRef, ModelResolver, ResolvedModel } from "../../deployments/model-ref.ts";
import { ANNOTATIONS } from "../../modelpack/annotations.ts";
import { readModelPackManifest } from "../../modelpack/reader.ts";
import { createOciClient, type OciClient } from "../../registry/oci/client.ts";
import { repositoryFor } from "../../registry/oci/location.ts";
import { registryCredentials, type RegistryInputs } from "../../registry/registry-inputs.ts";

export function createModelResolver(
  registry: RegistryInputs,
  token: string,
  env: NodeJS.ProcessEnv = process.env,
): ModelResolver {
  const location = registry.url;
  if (location === undefined) {
    throw new ConfigurationError(
      "deploy has no registry to resolve the model in: set 'registry-url' (default: ghcr.io/<owner>/<repo>, which needs GITHUB_REPOSITORY).",
    );
  }
  const clients = new Map<string, Promise<OciClient>>();
  const clientFor = (name: string): Promise<OciClient> => {
    let client = clients.get(name);
    if (!client) {
      client = registryCredentials(registry, location, env, token).then((credentials) =>
        createOciClient({
          location,
          repository: repositoryFor(location, name, "model"),
          ...(credentials ? { credentials } : {}),
        }),
      );
      clients.set(name, client);
    }
    return client;
  };
  const label = (name: string, tag: string): string =>
    `${location.host}/${repositoryFor(location, name, "model")}${tag.startsWith("sha256:") ? "@" : ":"}${tag}`;

  const manifestOf = async (name: string, tag: string) => {
    const manifest = await (await clientFor(name)).getManifest(tag);
    if (manifest === undefined) {
      throw new ConfigurationError(
        `The registry has no ${label(name, tag)}. Check 'model' (publish it first with publish-model, or name a version that exists) and 'registry-url'.`,
      );
    }
    return { ...manifest, pack: readModelPackManifest(manifest.body, label(name, tag)) };
  };

  return {
    async resolve(ref: ModelRef): Promise<ResolvedModel> {
      const tag = ref.kind === "version" ? ref.version : ref.kind === "alias" ? ref.alias : ref.digest;
      const manifest = await manifestOf(ref.name, tag);
      const version =
        manifest.pack.annotations[ANNOTATIONS.version] ?? (ref.kind === "version" ? ref.version : "");
      if (version === "") {
        throw new ConfigurationError(
          `${label(ref.name, tag)} carries no version annotation (${ANNOTATIONS.version}): it was not published by publish-model, so deploy cannot record which version runs.`,
        );
      }
      return {
        digest: manifest.digest,
        version,
        uri: `oci://${location.host}/${repositoryFor(location, ref.name, "model")}@${manifest.digest}`,
      };
    },

    async pull(name: string, digest: string, dir: string): Promise<void> {
      const manifest = await manifestOf(name, digest);
      const client = await clientFor(name);
      for (const layer of [...manifest.pack.modelFiles, ...manifest.pack.docs]) {
        const path = layer.filepath;
        // The path comes from the registry: never let it lead outside the folder deploy gave.
        if (path === undefined || isAbsolute(path) || normalize(path).split(/[\\/]/).includes("..")) {
          throw new ConfigurationError(
            `${label(name, digest)} has a layer whose file path ${JSON.stringify(path ?? null)} is not a relative path inside the model folder: refusing to pull it.`,
          );
        }
        const target = join(dir, path);
        await mkdir(dirname(target), { recursive: true });
        await client.pullBlob({ digest: layer.digest, size: layer.size }, target);
      }
    },

    async moveAlias(name: string, alias: string, digest: string): Promise<void> {
      const manifest = await manifestOf(name, digest);
      await (await clientFor(name)).putManifest(alias, manifest.body, manifest.mediaType);
    },
  };
}
