// `baseline: registry:<model>@<alias|version>` and the registry half of `baseline: auto`: the run record
// layer of a published ModelPack version, pulled and verified by digest (the client checks every byte),
// through the same registry inputs publish-model reads. A refused credential is an error naming
// `packages: read`; a missing tag is "no baseline" with its reason (auto then falls back to artifacts).
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError } from "../../formats/errors.ts";
import { registryCredentials, type RegistryInputs } from "../../registry/registry-inputs.ts";
import { readModelPackManifest, runRecordLayer } from "../../modelpack/reader.ts";
import { readRunRecord } from "../../record/record-io.ts";
import { RUN_RECORD_FILE } from "../../record/run-record.ts";
import { CredentialError } from "../../registry/oci/auth.ts";
import { createOciClient } from "../../registry/oci/client.ts";
import { RegistryAccessError } from "../../registry/oci/errors.ts";
import { repositoryFor, type RegistryLocation } from "../../registry/oci/location.ts";
import type { ResolvedBaseline } from "./baseline.ts";

export interface RegistryBaselineContext {
  registry: RegistryInputs;
  runnerTemp: string;
  env: NodeJS.ProcessEnv;
  token: string;
}

/** The version's run record as the baseline, or undefined when the tag does not exist. */
export async function registryBaseline(
  model: string,
  reference: string,
  context: RegistryBaselineContext & { location: RegistryLocation },
): Promise<ResolvedBaseline | undefined> {
  const repository = repositoryFor(context.location, model, "baseline");
  const spec = `registry:${model}@${reference}`;
  const label = `${context.location.host}/${repository}:${reference}`;
  const client = createOciClient({
    location: context.location,
    repository,
    credentials: await registryCredentials(context.registry, context.location, context.env, context.token),
  });
  try {
    const manifest = await client.getManifest(reference);
    if (manifest === undefined) return undefined;
    const layer = runRecordLayer(readModelPackManifest(manifest.body, label));
    if (layer === undefined) {
      throw new ConfigurationError(
        `${label} has no ${RUN_RECORD_FILE} layer, so it cannot be a baseline; publish it with publish-model or choose another baseline.`,
      );
    }
    const file = join(await mkdtemp(join(context.runnerTemp, "mlops-baseline-")), RUN_RECORD_FILE);
    await client.pullBlob({ digest: layer.digest, size: layer.size }, file);
    const record = await readRunRecord(file, `${RUN_RECORD_FILE} of ${label}`);
    return {
      input: {
        available: true,
        description: `${label} (${manifest.digest}, commit ${record.code.sha.slice(0, 7)}, run ${record.run.id})`,
        metrics: record.metrics,
        record,
      },
      source: { spec, available: true, file: `oci://${label}@${manifest.digest}`, sha: record.code.sha },
    };
  } catch (error) {
    if (error instanceof CredentialError || error instanceof RegistryAccessError) {
      throw new ConfigurationError(
        `Reading the baseline ${spec} from ${context.location.host} was refused: ${error.message} The gate's job needs 'permissions: packages: read' (or registry-username and registry-password).`,
      );
    }
    throw error;
  }
}
