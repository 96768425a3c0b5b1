// Health, smoke and load checks: pure parts directly, HTTP parts against a real local server.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOipHealthUrl, metadataNamesVersion, waitHealthy } from "../../../src/deploy-checks/health.ts";
import { checkSchemaSubset, validate } from "../../../src/deploy-checks/json-schema.ts";
import { judgeLoad, parseLoadSpec, percentile, runLoadTest } from "../../../src/deploy-checks/load.ts";
import { judgeAnswer, parseSmokeTests, runSmokeTests, valueAt } from "../../../src/deploy-checks/smoke.ts";

describe("pure parts", () => {
  it("KServe v2 model metadata names the version in versions[] or version", () => {
    expect(metadataNamesVersion({ name: "iris", versions: ["v3"] }, "v3")).toBe(true);
    expect(metadataNamesVersion({ name: "iris", version: "v3" }, "v3")).toBe(true);
    expect(metadataNamesVersion({ name: "iris", versions: ["v2"] }, "v3")).toBe(false);
    expect(metadataNamesVersion("v3", "v3")).toBe(false);
    expect(isOipHealthUrl("http://h:1/v2/health/ready")).toBe(true);
    expect(isOipHealthUrl("http://h:1/healthz")).toBe(false);
  });

  it("percentile is nearest-rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([1, 2, 3, 4, 100], 95)).toBe(100);
  });

  it("load spec: defaults, strict keys, and the verdict", () => {
    expect(parseLoadSpec("requests: 10\np95-ms: 100")).toEqual({
      requests: 10,
      concurrency: 4,
      "p95-ms": 100,
      "max-error-rate": 0,
    });
    expect(() => parseLoadSpec("requests: 10\np95: 100")).toThrow(/load-test.*p95-ms/);
    const verdict = judgeLoad(
      { requests: 4, concurrency: 2, "p95-ms": 50, "max-error-rate": 0.25 },
      [10, 20, 30, 60],
      1,
    );
    expect(verdict.p95Ms).toBe(60);
    expect(verdict.errorRate).toBe(0.25);
  });

  it("smoke file: parsed with defaults; unknown keys and unsupported schema keywords are refused", () => {
    const [first] = parseSmokeTests(
      "requests:\n  - path: /v2/models/iris\n    expect: { json: { name: iris } }\n",
      "smoke.yaml",
    );
    expect(first).toMatchObject({
      method: "GET",
      path: "/v2/models/iris",
      expect: { status: 200, json: { name: "iris" } },
    });
    expect(() => parseSmokeTests("requests:\n  - path: v2/x\n", "s.yaml")).toThrow(
      /s.yaml: requests.0.path: must start with '\/'/,
    );
    expect(() => parseSmokeTests("requests:\n  - path: /x\n    expect: { code: 200 }\n", "s.yaml")).toThrow(
      /s.yaml/,
    );
    expect(() => parseSmokeTests("- path: /x\n  expect: { schema: { oneOf: [] } }\n", "s.yaml")).toThrow(
      /'oneOf' at # is not supported/,
    );
  });

  it("answers are judged on status, dotted JSON fields and the schema", () => {
    const [request] = parseSmokeTests(
      JSON.stringify([
        {
          method: "POST",
          path: "/infer",
          body: {},
          expect: {
            status: 200,
            json: { "outputs.0.data": [0] },
            schema: { type: "object", required: ["model_name"] },
          },
        },
      ]),
      "s.json",
    );
    if (!request) throw new Error("no request");
    expect(
      judgeAnswer(request, 200, JSON.stringify({ model_name: "iris", outputs: [{ data: [0] }] })),
    ).toEqual([]);
    expect(judgeAnswer(request, 500, JSON.stringify({ outputs: [{ data: [1] }] }))).toEqual([
      "status 500, expected 200",
      "outputs.0.data is [1], expected [0]",
      "schema: /: missing required property 'model_name'",
    ]);
    expect(valueAt({ a: [{ b: 1 }] }, "a.0.b")).toEqual({ found: true, value: 1 });
    expect(valueAt({ a: [] }, "a.0.b")).toEqual({ found: false });
  });
});

describe("the JSON Schema subset agrees with ajv (the reference) on every case", () => {
  const ajv = new Ajv2020({ strict: false });
  const schema = {
    type: "object",
    required: ["model_name", "outputs"],
    additionalProperties: false,
    properties: {
      model_name: { type: "string", minLength: 1, pattern: "^[a-z]+$" },
      model_version: { type: ["string", "null"] },
      id: { const: "42" },
      outputs: {
        type: "array",
        minItems: 1,
        maxItems: 2,
        items: {
          type: "object",
          required: ["datatype"],
          properties: {
            datatype: { enum: ["INT64", "FP32"] },
            shape: { type: "array", items: { type: "integer", minimum: 0, exclusiveMaximum: 10 } },
          },
        },
      },
    },
  };
  const cases: unknown[] = [
    { model_name: "iris", outputs: [{ datatype: "INT64", shape: [1] }] },
    { model_name: "iris", model_version: null, id: "42", outputs: [{ datatype: "FP32" }] },
    { model_name: "Iris", outputs: [{ datatype: "INT64" }] },
    { model_name: "", outputs: [{ datatype: "INT64" }] },
    { model_name: "iris", outputs: [] },
    { model_name: "iris", outputs: [{ datatype: "INT8" }] },
    { model_name: "iris", outputs: [{ datatype: "INT64", shape: [10] }] },
    { model_name: "iris", outputs: [{ datatype: "INT64", shape: [1.5] }] },
    { model_name: "iris", outputs: [{ datatype: "INT64" }], extra: 1 },
    { model_name: "iris", id: 42, outputs: [{ datatype: "INT64" }] },
    { model_name: "iris", outputs: [{}, {}, {}] },
    { outputs: [{ datatype: "INT64" }] },
    [],
    null,
    "iris",
  ];
  checkSchemaSubset(schema, "test");
  const reference = ajv.compile(schema);
  it.each(cases.map((c, i) => [i, c]))("case %i", (_i, value) => {
    expect(validate(schema, value).length === 0).toBe(reference(value));
  });
});

describe("against a local server", () => {
  let server: Server;
  let origin = "";
  let readyAfter = 0;
  let version = "v1";
  let slowMs = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/v2/health/ready") return void res.writeHead(Date.now() >= readyAfter ? 200 : 503).end();
      if (path === "/v2/models/iris")
        return void res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ name: "iris", versions: [version], platform: "sklearn" }));
      if (path === "/v2/models/iris/infer") {
        return void setTimeout(
          () =>
            res.writeHead(200, { "content-type": "application/json" }).end(
              JSON.stringify({
                model_name: "iris",
                model_version: version,
                outputs: [{ name: "label", datatype: "INT64", shape: [1], data: [0] }],
              }),
            ),
          slowMs,
        );
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("health: polls through 503s until ready, and the OIP metadata must name the deployed version", async () => {
    readyAfter = Date.now() + 400;
    version = "v2";
    const result = await waitHealthy({
      url: `${origin}/v2/health/ready`,
      timeoutMs: 5000,
      oip: { model: "iris", version: "v2" },
      intervalMs: 50,
    });
    expect(result.polls).toBeGreaterThan(1);
    await expect(
      waitHealthy({
        url: `${origin}/v2/health/ready`,
        timeoutMs: 400,
        oip: { model: "iris", version: "v3" },
        intervalMs: 50,
      }),
    ).rejects.toThrow(/not healthy within health-timeout.*naming versions \["v2"\], not v3/);
  });

  it("health: an unreachable URL fails at the timeout, naming the cause", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(
      waitHealthy({ url: `http://127.0.0.1:${port}/health`, timeoutMs: 300, intervalMs: 50 }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it("smoke: passes, then fails on a field mismatch", async () => {
    version = "v2";
    const requests = parseSmokeTests(
      `requests:\n  - method: POST\n    path: /v2/models/iris/infer\n    body: { inputs: [] }\n    expect:\n      json: { model_version: v2, outputs.0.datatype: INT64 }\n`,
      "smoke.yaml",
    );
    expect((await runSmokeTests(origin, requests)).passed).toBe(1);
    version = "v1";
    await expect(runSmokeTests(origin, requests)).rejects.toThrow(
      /Smoke test 1 \(POST \/v2\/models\/iris\/infer\) failed: model_version is "v1", expected "v2"/,
    );
  });

  it("load: a wide budget passes; 150 ms per answer against a 50 ms budget fails", async () => {
    const [request] = parseSmokeTests(
      `- { method: POST, path: /v2/models/iris/infer, body: {} }\n`,
      "s.yaml",
    );
    if (!request) throw new Error("no request");
    slowMs = 0;
    const ok = await runLoadTest(origin, request, {
      requests: 20,
      concurrency: 4,
      "p95-ms": 2000,
      "max-error-rate": 0,
    });
    expect(ok.errors).toBe(0);
    slowMs = 150;
    await expect(
      runLoadTest(origin, request, { requests: 8, concurrency: 4, "p95-ms": 50, "max-error-rate": 0 }),
    ).rejects.toThrow(/Load test over budget: 8 requests/);
    slowMs = 0;
  });
});
