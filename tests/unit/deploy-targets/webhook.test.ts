// The webhook target against a real local HTTP server, with every signature checked by the
// `standardwebhooks` package (an independent implementation of the spec).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sign, signedHeaders, webhookKey } from "../../../src/deploy-targets/standard-webhooks.ts";
import { TargetFailed, type DeployRequest } from "../../../src/deploy-targets/target.ts";
import { pullReference, WebhookTarget, webhookBody } from "../../../src/deploy-targets/webhook.ts";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const key = webhookKey(secret);
const request: DeployRequest = {
  model: { name: "iris", uri: "oci://r/iris@sha256:ab", digest: "sha256:ab", version: "v4", dir: "/nowhere" },
  environment: "production",
  deploymentId: 42,
  rollback: false,
};

describe("Standard Webhooks signature", () => {
  it("verifies with the standardwebhooks package", () => {
    const body = webhookBody(request);
    const headers = signedHeaders(key, "msg_1", body);
    expect(new Webhook(secret).verify(body, { ...headers })).toMatchObject({ data: { version: "v4" } });
    expect(headers["webhook-signature"]).toBe(
      new Webhook(secret).sign("msg_1", new Date(Number(headers["webhook-timestamp"]) * 1000), body),
    );
  });

  it("a flipped byte in the body or the signature fails both implementations", () => {
    const body = webhookBody(request);
    const headers = signedHeaders(key, "msg_2", body);
    const flipped = body.replace('"v4"', '"v5"');
    expect(() => new Webhook(secret).verify(flipped, { ...headers })).toThrow();
    expect(sign(key, "msg_2", Number(headers["webhook-timestamp"]), flipped)).not.toBe(
      headers["webhook-signature"],
    );
    const raw = Buffer.from(headers["webhook-signature"].slice(3), "base64");
    raw[0] = (raw[0] as number) ^ 1;
    const badSignature = `v1,${raw.toString("base64")}`;
    expect(() =>
      new Webhook(secret).verify(body, { ...headers, "webhook-signature": badSignature }),
    ).toThrow();
    expect(badSignature).not.toBe(sign(key, "msg_2", Number(headers["webhook-timestamp"]), body));
  });

  it("refuses a secret that is not whsec_ base64 of 24-64 bytes, without echoing it", () => {
    expect(() => webhookKey("whsec_not base64!")).toThrow(/webhook-secret.*"\*\*\*"/);
    expect(() => webhookKey(`whsec_${Buffer.from("short").toString("base64")}`)).toThrow(
      /decodes to 5 bytes/,
    );
  });

  it("the body carries model uri, digest, version, environment, deployment id and rollback, and no token", () => {
    const body = JSON.parse(webhookBody({ ...request, rollback: true })) as { type: string; data: unknown };
    expect(body.type).toBe("model.rollback");
    expect(body.data).toEqual({
      model: "iris",
      uri: request.model.uri,
      digest: "sha256:ab",
      reference: "r/iris@sha256:ab",
      version: "v4",
      environment: "production",
      deployment_id: 42,
      rollback: true,
    });
    expect(JSON.stringify(body)).not.toMatch(/token|whsec|secret/i);
  });

  it("names what to pull by digest (examples/serving's data.reference), never by the tag", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    expect(pullReference("oci://ghcr.io/acme/digits:v3", digest)).toBe(`ghcr.io/acme/digits@${digest}`);
    expect(pullReference("oci://127.0.0.1:5000/acme/digits:v3", digest)).toBe(
      `127.0.0.1:5000/acme/digits@${digest}`,
    );
    expect(pullReference("oci://127.0.0.1:5000/acme/digits", digest)).toBe(
      `127.0.0.1:5000/acme/digits@${digest}`,
    );
    expect(pullReference(`oci://ghcr.io/acme/digits@${digest}`, digest)).toBe(
      `ghcr.io/acme/digits@${digest}`,
    );
  });
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

describe("WebhookTarget against a local receiver", () => {
  let server: Server;
  let origin = "";
  const routes = new Map<string, Handler>();
  const received: { path: string; id: string; verified: boolean }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        if (req.method === "POST") {
          let verified = true;
          try {
            new Webhook(secret).verify(body, req.headers as Record<string, string>);
          } catch {
            verified = false;
          }
          received.push({ path, id: String(req.headers["webhook-id"]), verified });
          if (!verified) return void res.writeHead(401).end("bad signature");
        }
        const handler = routes.get(`${req.method} ${path}`);
        if (!handler) return void res.writeHead(404).end();
        handler(req, res, body);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const target = (path: string, options: Partial<ConstructorParameters<typeof WebhookTarget>[0]> = {}) =>
    new WebhookTarget({
      url: `${origin}${path}`,
      key,
      timeoutMs: 10_000,
      backoffMs: 20,
      pollMs: 20,
      ...options,
    });

  it("200: done after one signed delivery", async () => {
    routes.set("POST /ok", (_q, res) => res.writeHead(200).end("{}"));
    const outcome = await target("/ok").deploy(request);
    expect(outcome.detail).toMatch(/^HTTP 200/);
    expect(received.filter((r) => r.path === "/ok")).toEqual([expect.objectContaining({ verified: true })]);
  });

  it("5xx then 200: retried with the same webhook-id (the idempotency key), each attempt signed", async () => {
    let calls = 0;
    routes.set("POST /flaky", (_q, res) => res.writeHead(++calls < 3 ? 503 : 200).end());
    await target("/flaky").deploy(request);
    const attempts = received.filter((r) => r.path === "/flaky");
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
    expect(attempts.every((a) => a.verified)).toBe(true);
  });

  it("202 with a status URL: polled until it says succeeded", async () => {
    let polls = 0;
    routes.set("POST /async", (_q, res) => res.writeHead(202, { location: "/status/1" }).end());
    routes.set("GET /status/1", (_q, res) =>
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ status: ++polls < 3 ? "running" : "succeeded" })),
    );
    const outcome = await target("/async").deploy(request);
    expect(outcome.detail).toMatch(/202, then succeeded/);
    expect(polls).toBe(3);
  });

  it("202 whose status reports failed: fails with the receiver's message", async () => {
    routes.set("POST /async-fail", (_q, res) =>
      res
        .writeHead(202, { "content-type": "application/json" })
        .end(JSON.stringify({ status_url: "/status/2" })),
    );
    routes.set("GET /status/2", (_q, res) =>
      res.writeHead(200).end(JSON.stringify({ status: "failed", message: "image pull failed" })),
    );
    await expect(target("/async-fail").deploy(request)).rejects.toThrow(
      /reported 'failed': image pull failed/,
    );
  });

  it("a receiver that never answers: attempts time out, then the target fails within webhook-timeout", async () => {
    routes.set("POST /hang", () => undefined); // never answers
    const started = Date.now();
    const error = await target("/hang", { timeoutMs: 1500, attemptTimeoutMs: 300 })
      .deploy(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetFailed);
    expect(String(error)).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(received.filter((r) => r.path === "/hang").length).toBeGreaterThan(1);
  });

  it("a 202 that never finishes fails at webhook-timeout", async () => {
    routes.set("POST /slow", (_q, res) => res.writeHead(202, { location: "/status/3" }).end());
    routes.set("GET /status/3", (_q, res) => res.writeHead(200).end(JSON.stringify({ status: "running" })));
    await expect(target("/slow", { timeoutMs: 500 }).deploy(request)).rejects.toThrow(
      /did not finish within webhook-timeout.*running/,
    );
  });

  it("a wrong secret is refused by the receiver (401) and not retried", async () => {
    routes.set("POST /ok2", (_q, res) => res.writeHead(200).end());
    const wrong = webhookKey(`whsec_${randomBytes(32).toString("base64")}`);
    await expect(target("/ok2", { key: wrong }).deploy(request)).rejects.toThrow(
      /refused the deploy: HTTP 401: bad signature\. Check that 'webhook-secret' is the secret the receiver verifies with/,
    );
    expect(received.filter((r) => r.path === "/ok2")).toEqual([expect.objectContaining({ verified: false })]);
  });

  // As examples/serving's receiver does: a finished deploy answers with its status as the body (504 when
  // the version was not ready in time); the same webhook-id again is refused as a replay (409) whose body
  // is that deploy's status.
  const replayingReceiver = (path: string, firstAnswer: (res: ServerResponse, id: string) => void) => {
    const seen = new Map<string, object>();
    routes.set(`POST ${path}`, (req, res) => {
      const id = String(req.headers["webhook-id"]);
      const known = seen.get(id);
      if (known)
        return void res
          .writeHead(409, { "content-type": "application/json" })
          .end(
            JSON.stringify({ ...known, error: `webhook-id '${id}' was already received: replay refused` }),
          );
      seen.set(id, {
        id: "d1",
        webhookId: id,
        state: "failed",
        reason: "version v4 was not ready after 30 s",
      });
      firstAnswer(res, id);
    });
    return seen;
  };

  it("a 504 carrying the receiver's 'failed' verdict is not retried into a 409 replay: its reason is the failure", async () => {
    replayingReceiver("/verdict", (res, id) =>
      res.writeHead(504, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: "d1",
          webhookId: id,
          reference: `127.0.0.1:5000/acme/iris@sha256:${"a".repeat(64)}`,
          state: "failed",
          reason: "version v4 was not ready after 30 s: traffic stays on the running version",
          httpStatus: 504,
        }),
      ),
    );
    const error = await target("/verdict")
      .deploy(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetFailed);
    expect(String(error)).toMatch(/reported 'failed' \(HTTP 504\): version v4 was not ready after 30 s/);
    expect(String(error)).not.toMatch(/409|replay/);
    expect(received.filter((r) => r.path === "/verdict")).toHaveLength(1);
  });

  it("a 5xx without a verdict is still retried", async () => {
    let calls = 0;
    routes.set("POST /gateway", (_q, res) =>
      res.writeHead(++calls < 2 ? 502 : 200, { "content-type": "text/html" }).end("<html>bad gateway</html>"),
    );
    await target("/gateway").deploy(request);
    expect(received.filter((r) => r.path === "/gateway")).toHaveLength(2);
  });

  it("an attempt whose answer was lost, then a 409 replay naming our webhook-id: read as that deploy's state", async () => {
    // The first delivery reaches the receiver and starts a deploy, but its answer never arrives.
    const lostAnswer = (path: string, view: object) => {
      const seen = new Set<string>();
      routes.set(`POST ${path}`, (req, res) => {
        const id = String(req.headers["webhook-id"]);
        if (!seen.has(id)) return void seen.add(id);
        res.writeHead(409).end(JSON.stringify({ id: "d2", webhookId: id, ...view, error: "replay refused" }));
      });
    };
    routes.set("GET /deploys/d2", (_q, res) =>
      res.writeHead(200).end(JSON.stringify({ state: "succeeded" })),
    );
    const options = { attemptTimeoutMs: 300 };
    lostAnswer("/lost-failed", { state: "failed", reason: "pull: HTTP 502 from the registry" });
    await expect(target("/lost-failed", options).deploy(request)).rejects.toThrow(
      /reported 'failed': pull: HTTP 502 from the registry/,
    );
    lostAnswer("/lost-ok", { state: "succeeded", reason: "" });
    expect((await target("/lost-ok", options).deploy(request)).detail).toMatch(/^HTTP 200/);
    lostAnswer("/lost-running", { state: "starting", statusUrl: "/deploys/d2" });
    expect((await target("/lost-running", options).deploy(request)).detail).toMatch(
      /202, then succeeded at .*\/deploys\/d2/,
    );
  });

  it("a 409 for another webhook-id (another deploy in progress) is still a refusal", async () => {
    routes.set("POST /busy", (_q, res) =>
      res
        .writeHead(409)
        .end(JSON.stringify({ error: "a deploy is in progress", webhookId: "msg_other", state: "starting" })),
    );
    await expect(target("/busy").deploy(request)).rejects.toThrow(/refused the deploy: HTTP 409/);
  });

  it("a status URL on another origin is refused", async () => {
    routes.set("POST /elsewhere", (_q, res) =>
      res.writeHead(202, { location: "http://203.0.113.9/status" }).end(),
    );
    await expect(target("/elsewhere").deploy(request)).rejects.toThrow(/another origin/);
  });
});
