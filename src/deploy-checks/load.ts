// Load test: `requests` copies of the smoke test's first request, `concurrency` at a time, against
// health-url's origin; the p95 latency must stay within `p95-ms` and the share of wrong answers
// (an error or a status other than the expected one) within `max-error-rate`.
import { parse } from "yaml";
import { z } from "zod";
import { ConfigurationError } from "../formats/errors.ts";
import { CheckFailed } from "./health.ts";
import { timedRequest } from "./http.ts";
import { requestBody, type SmokeRequest } from "./smoke.ts";

const LoadSpecSchema = z
  .object({
    requests: z.number().int().min(1).max(100_000),
    concurrency: z.number().int().min(1).max(256).default(4),
    "p95-ms": z.number().positive(),
    "max-error-rate": z.number().min(0).max(1).default(0),
  })
  .strict();
export type LoadSpec = z.infer<typeof LoadSpecSchema>;

export function parseLoadSpec(text: string, input = "load-test"): LoadSpec {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ConfigurationError(`Input '${input}' is not valid YAML (${(error as Error).message}).`);
  }
  const parsed = LoadSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(
      `Input '${input}': ${issue ? `${issue.path.join(".") || "(top)"}: ${issue.message}` : "invalid"}. Give a YAML mapping, e.g. "requests: 200\\nconcurrency: 8\\np95-ms: 250\\nmax-error-rate: 0.01".`,
    );
  }
  return parsed.data;
}

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  errorRate: number;
  p95Ms: number;
  detail: string;
}

export function judgeLoad(spec: LoadSpec, latencies: readonly number[], errors: number): LoadResult {
  const p95Ms = percentile(latencies, 95);
  const errorRate = errors / spec.requests;
  const detail = `${spec.requests} requests, ${spec.concurrency} at a time: p95 ${p95Ms.toFixed(0)} ms (budget ${spec["p95-ms"]}), errors ${(errorRate * 100).toFixed(1)}% (budget ${(spec["max-error-rate"] * 100).toFixed(1)}%)`;
  return { requests: spec.requests, errors, errorRate, p95Ms, detail };
}

export async function runLoadTest(
  origin: string,
  request: SmokeRequest,
  spec: LoadSpec,
  timeoutMs = 30_000,
): Promise<LoadResult> {
  const url = new URL(request.path, origin).href;
  const { body, contentType } = requestBody(request);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < spec.requests) {
      next++;
      const started = performance.now();
      try {
        const answer = await timedRequest(url, {
          method: request.method,
          ...(body !== undefined ? { body } : {}),
          headers: { ...(contentType ? { "content-type": contentType } : {}), ...request.headers },
          timeoutMs,
        });
        if (answer.status !== request.expect.status) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.requests) }, worker));
  const result = judgeLoad(spec, latencies, errors);
  if (result.p95Ms > spec["p95-ms"] || result.errorRate > spec["max-error-rate"]) {
    throw new CheckFailed(`Load test over budget: ${result.detail}.`);
  }
  return result;
}
