// What a deployment made by deploy carries, and the task name every lookup filters by.
import { z } from "zod";

/** One task per model: two models sharing an environment never see each other's deployments. */
export function deployTask(modelName: string): string {
  return `deploy:${modelName}`;
}

const ModelVersionSchema = z.object({
  version: z.string(),
  digest: z.string(),
  uri: z.string(),
});
export type DeployedModel = z.infer<typeof ModelVersionSchema>;

export const DeploymentPayloadSchema = z.object({
  model: z.string(),
  version: z.string(),
  digest: z.string(),
  uri: z.string(),
  /** What ran before (the rollback target), or null when nothing did. */
  previous: ModelVersionSchema.nullable(),
  /** The workflow run that made it: a re-run (new attempt) of the same run reuses the deployment. */
  run: z.object({ id: z.string(), attempt: z.number() }).optional(),
});
export type DeploymentPayload = z.infer<typeof DeploymentPayloadSchema>;

/** The payload of a deployment made by deploy, or undefined for any other shape (made by hand, say). */
export function readPayload(payload: unknown): DeploymentPayload | undefined {
  const parsed = DeploymentPayloadSchema.safeParse(typeof payload === "string" ? safeJson(payload) : payload);
  return parsed.success ? parsed.data : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
