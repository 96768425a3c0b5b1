// Health: poll `health-url` until it answers 2xx, backing off, within `health-timeout`. For an Open
// Inference Protocol (KServe v2) server the model's metadata (`GET /v2/models/<name>`) must also name
// the deployed version in `versions` (or `version`): a 2xx from the old process is not the new model.
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigurationError } from "../formats/errors.ts";
import { failureText, keepLast, timedRequest } from "./http.ts";

export class CheckFailed extends ConfigurationError {
  override readonly name = "CheckFailed";
}

export interface HealthOptions {
  url: string;
  timeoutMs: number;
  /** Check OIP model metadata for this model and version. */
  oip?: { model: string; version: string };
  /** First wait between polls; grows ×1.5 up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
}

export interface HealthResult {
  polls: number;
  ms: number;
  detail: string;
}

/** An OIP server: health-url's path starts with /v2/ (e.g. /v2/health/ready). */
export function isOipHealthUrl(url: string): boolean {
  return new URL(url).pathname.startsWith("/v2/");
}

/** Does a KServe v2 model metadata answer name `version`? */
export function metadataNamesVersion(metadata: unknown, version: string): boolean {
  if (metadata === null || typeof metadata !== "object") return false;
  const { versions, version: single } = metadata as { versions?: unknown; version?: unknown };
  if (Array.isArray(versions) && versions.some((v) => String(v) === version)) return true;
  return typeof single === "string" && single === version;
}

export async function waitHealthy(options: HealthOptions): Promise<HealthResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let interval = options.intervalMs ?? 250;
  const maxInterval = options.maxIntervalMs ?? 5000;
  let polls = 0;
  let last = "no answer yet";
  const metadataUrl = options.oip
    ? new URL(`/v2/models/${encodeURIComponent(options.oip.model)}`, options.url).href
    : undefined;
  while (Date.now() < deadline) {
    polls++;
    try {
      const health = await timedRequest(options.url, { timeoutMs: Math.min(10_000, deadline - Date.now()) });
      if (health.status >= 200 && health.status < 300) {
        if (!options.oip || !metadataUrl)
          return { polls, ms: Date.now() - started, detail: `HTTP ${health.status}` };
        const meta = await timedRequest(metadataUrl, { timeoutMs: Math.min(10_000, deadline - Date.now()) });
        const json = safeJson(meta.text);
        if (meta.status === 200 && metadataNamesVersion(json, options.oip.version)) {
          return {
            polls,
            ms: Date.now() - started,
            detail: `HTTP ${health.status}; ${metadataUrl} names ${options.oip.version}`,
          };
        }
        last = `healthy, but ${metadataUrl} answered ${meta.status} naming ${describeVersions(json)}, not ${options.oip.version}`;
      } else {
        last = `HTTP ${health.status}`;
      }
    } catch (error) {
      last = keepLast(last, failureText(error));
    }
    const wait = Math.min(interval, deadline - Date.now());
    if (wait > 0) await sleep(wait);
    interval = Math.min(maxInterval, interval * 1.5);
  }
  throw new CheckFailed(
    `${options.url} was not healthy within health-timeout (${options.timeoutMs / 1000} s, ${polls} polls); last: ${last}.`,
  );
}

function describeVersions(json: unknown): string {
  const { versions, version } = (json ?? {}) as { versions?: unknown; version?: unknown };
  if (Array.isArray(versions)) return `versions ${JSON.stringify(versions)}`;
  if (version !== undefined) return `version ${JSON.stringify(version)}`;
  return "no version";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
