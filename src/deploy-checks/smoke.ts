// Smoke tests: a YAML (or JSON) file of requests sent to health-url's origin, each with the answer it
// must get. Format (documented in actions/deploy/README.md):
//
//   requests:
//     - name: predict                    # optional, for the log
//       method: POST                     # default GET
//       path: /v2/models/iris/infer      # absolute path on health-url's origin
//       headers: { x-trace: smoke }      # optional
//       body: { inputs: [...] }          # optional; objects and arrays are sent as JSON
//       expect:
//         status: 200                    # default 200
//         json: { model_name: iris, outputs.0.datatype: INT64 }   # dotted paths → exact values
//         schema: { type: object, required: [outputs] }           # JSON Schema subset (json-schema.ts)
import { parse } from "yaml";
import { z } from "zod";
import { ConfigurationError } from "../formats/errors.ts";
import { CheckFailed } from "./health.ts";
import { failureText, timedRequest } from "./http.ts";
import { checkSchemaSubset, deepEqual, validate } from "./json-schema.ts";

const RequestSchema = z
  .object({
    name: z.string().optional(),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
    path: z.string().startsWith("/", "must start with '/' (a path on health-url's origin)"),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    expect: z
      .object({
        status: z.number().int().min(100).max(599).default(200),
        json: z.record(z.string(), z.unknown()).optional(),
        schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]).optional(),
      })
      .strict()
      .default({ status: 200 }),
  })
  .strict();
const FileSchema = z.union([
  z.object({ requests: z.array(RequestSchema).min(1) }).strict(),
  z.array(RequestSchema).min(1),
]);

export type SmokeRequest = z.infer<typeof RequestSchema>;

export function parseSmokeTests(text: string, file: string): SmokeRequest[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ConfigurationError(`${file}: not valid YAML or JSON (${(error as Error).message}).`, { file });
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(
      `${file}: ${issue ? `${issue.path.join(".") || "(top)"}: ${issue.message}` : "invalid"}. Expected 'requests:' with a list of {method, path, body, expect: {status, json, schema}}.`,
      { file },
    );
  }
  const requests = Array.isArray(parsed.data) ? parsed.data : parsed.data.requests;
  requests.forEach((r, i) => {
    if (r.expect.schema !== undefined)
      checkSchemaSubset(r.expect.schema, `${file}: requests[${i}].expect.schema`);
  });
  return requests;
}

/** The value at a dotted path ("outputs.0.datatype"); `found: false` when a step is missing. */
export function valueAt(value: unknown, path: string): { found: boolean; value?: unknown } {
  let current = value;
  for (const step of path.split(".")) {
    if (current === null || typeof current !== "object") return { found: false };
    const container = current as Record<string, unknown>;
    if (!(step in container)) return { found: false };
    current = container[step];
  }
  return { found: true, value: current };
}

export function requestBody(request: Pick<SmokeRequest, "body">): { body?: string; contentType?: string } {
  if (request.body === undefined) return {};
  if (typeof request.body === "string") return { body: request.body };
  return { body: JSON.stringify(request.body), contentType: "application/json" };
}

/** What is wrong with an answer, or [] when it matches. */
export function judgeAnswer(request: SmokeRequest, status: number, text: string): string[] {
  const problems: string[] = [];
  if (status !== request.expect.status) problems.push(`status ${status}, expected ${request.expect.status}`);
  if (request.expect.json === undefined && request.expect.schema === undefined) return problems;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [...problems, `the answer is not JSON: ${text.slice(0, 120)}`];
  }
  for (const [path, expected] of Object.entries(request.expect.json ?? {})) {
    const at = valueAt(json, path);
    if (!at.found) problems.push(`${path} is missing`);
    else if (!deepEqual(at.value, expected))
      problems.push(`${path} is ${JSON.stringify(at.value)}, expected ${JSON.stringify(expected)}`);
  }
  if (request.expect.schema !== undefined)
    problems.push(...validate(request.expect.schema, json).map((p) => `schema: ${p}`));
  return problems;
}

export interface SmokeResult {
  passed: number;
  detail: string;
}

export async function runSmokeTests(
  origin: string,
  requests: SmokeRequest[],
  timeoutMs = 30_000,
): Promise<SmokeResult> {
  for (const [index, request] of requests.entries()) {
    const label = request.name ?? `${request.method} ${request.path}`;
    const { body, contentType } = requestBody(request);
    let answer;
    try {
      answer = await timedRequest(new URL(request.path, origin).href, {
        method: request.method,
        ...(body !== undefined ? { body } : {}),
        headers: { ...(contentType ? { "content-type": contentType } : {}), ...request.headers },
        timeoutMs,
      });
    } catch (error) {
      throw new CheckFailed(`Smoke test ${index + 1} (${label}) got no answer: ${failureText(error)}.`);
    }
    const problems = judgeAnswer(request, answer.status, answer.text);
    if (problems.length > 0) {
      throw new CheckFailed(`Smoke test ${index + 1} (${label}) failed: ${problems.slice(0, 5).join("; ")}.`);
    }
  }
  return { passed: requests.length, detail: `${requests.length} request(s) answered as expected` };
}
