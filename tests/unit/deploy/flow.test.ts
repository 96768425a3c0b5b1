// deploy's flow end to end in-process: the GitHub double for deployments, a real local HTTP server as
// the webhook receiver and OIP model server, and an in-memory ModelResolver (the registry client is
// wired in separately; the rig tests with the local registry come with it).
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploy, type DeployPlan } from "../../../src/actions/deploy/flow.ts";
import { Timeline } from "../../../src/actions/deploy/timeline.ts";
import { webhookKey } from "../../../src/deploy-targets/standard-webhooks.ts";
import { WebhookTarget } from "../../../src/deploy-targets/webhook.ts";
import type { DeploymentsApi } from "../../../src/deployments/github.ts";
import { octokitDeployments } from "../../../src/actions/deploy/deployments-api.ts";
import type { ModelRef, ModelResolver, ResolvedModel } from "../../../src/deployments/model-ref.ts";
import { parseSmokeTests } from "../../../src/deploy-checks/smoke.ts";
import { ConfigurationError } from "../../../src/formats/errors.ts";
import { createOctokit } from "../../../src/lib/octokit.ts";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../../testing/services/github/index.ts";

const REPO = "octo/models";
const secret = `whsec_${randomBytes(32).toString("base64")}`;

class MemoryResolver implements ModelResolver {
  readonly aliases = new Map<string, string>();
  readonly versions = new Map<string, ResolvedModel>();
  add(name: string, version: string): ResolvedModel {
    const digest = `sha256:${Buffer.from(`${name}${version}`).toString("hex").padEnd(64, "0").slice(0, 64)}`;
    const model = { version, digest, uri: `oci://127.0.0.1/${name}@${digest}` };
    this.versions.set(`${name}@${version}`, model);
    return model;
  }
  resolve(ref: ModelRef): Promise<ResolvedModel> {
    const key =
      ref.kind === "version"
        ? `${ref.name}@${ref.version}`
        : ref.kind === "alias"
          ? this.aliases.get(`${ref.name}@${ref.alias}`)
          : undefined;
    const found = key ? this.versions.get(key) : undefined;
    if (!found)
      return Promise.reject(
        new ConfigurationError(`The registry has no ${ref.name} ${JSON.stringify(ref)}.`),
      );
    return Promise.resolve(found);
  }
  async pull(): Promise<void> {}
  moveAlias(name: string, alias: string, digest: string): Promise<void> {
    const entry = [...this.versions].find(([, m]) => m.digest === digest);
    if (entry) this.aliases.set(`${name}@${alias}`, entry[0]);
    return Promise.resolve();
  }
}

describe("deploy flow", () => {
  let double: GitHubDouble;
  let api: DeploymentsApi;
  let server: Server;
  let origin = "";
  let serving = "none";
  /** Versions whose readiness never comes. */
  const broken = new Set<string>();
  const resolver = new MemoryResolver();
  let runId = 1000;

  beforeAll(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_deploy");
    double.state.seedBranch(REPO, "main", fakeSha("main"));
    process.env.GITHUB_API_URL = double.url;
    api = octokitDeployments(createOctokit("ghs_deploy", { retries: 0 }), { owner: "octo", repo: "models" });
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        if (req.method === "POST" && path === "/deploy") {
          try {
            const event = new Webhook(secret).verify(body, req.headers as Record<string, string>) as {
              data: { version: string };
            };
            serving = event.data.version;
            return void res.writeHead(200).end();
          } catch {
            return void res.writeHead(401).end();
          }
        }
        if (path === "/v2/health/ready") return void res.writeHead(broken.has(serving) ? 503 : 200).end();
        if (path === "/v2/models/iris")
          return void res.writeHead(200).end(JSON.stringify({ name: "iris", versions: [serving] }));
        if (path === "/v2/models/iris/infer")
          return void res
            .writeHead(200)
            .end(JSON.stringify({ model_version: serving, outputs: [{ data: [serving === "v4" ? 9 : 0] }] }));
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const v of ["v1", "v2", "v3", "v4"]) resolver.add("iris", v);
  });
  afterAll(async () => {
    double.assertNoViolations();
    delete process.env.GITHUB_API_URL;
    await double.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const plan = (version: string, environment: string, extra: Partial<DeployPlan> = {}): DeployPlan => ({
    model: { name: "iris", kind: "version", version },
    modelName: "iris",
    environment,
    rollback: true,
    promoteAlias: environment,
    health: { url: `${origin}/v2/health/ready`, timeoutMs: 800, oip: true },
    smoke: parseSmokeTests(
      `- { method: POST, path: /v2/models/iris/infer, body: {}, expect: { json: { outputs.0.data: [0] } } }`,
      "smoke.yaml",
    ),
    ...extra,
  });
  const run = (p: DeployPlan, attempt = 1, id = String(++runId)) => {
    const timeline = new Timeline();
    const target = new WebhookTarget({
      url: `${origin}/deploy`,
      key: webhookKey(secret),
      timeoutMs: 5000,
      backoffMs: 20,
    });
    return deploy(p, {
      api,
      resolver,
      target,
      run: { id, attempt },
      ref: "main",
      logUrl: `https://github.com/${REPO}/actions/runs/${id}`,
      workDir: tmpdir(),
      timeline,
      log: () => undefined,
    }).then((outcome) => ({ outcome, timeline }));
  };
  const states = (id: number) =>
    double.state
      .deployments(REPO)
      .find((d) => d.id === id)
      ?.statuses.map((s) => s.state);

  it("deploys, moves the alias, and inactivates this model's previous deployment", async () => {
    const first = await run(plan("v1", "prod-a"));
    expect(first.outcome).toMatchObject({
      ok: true,
      version: "v1",
      previousVersion: "",
      rolledBack: false,
      environmentUrl: origin,
    });
    expect(states(first.outcome.deploymentId)).toEqual(["in_progress", "success"]);
    expect(resolver.aliases.get("iris@prod-a")).toBe("iris@v1");
    const second = await run(plan("v2", "prod-a"));
    expect(second.outcome).toMatchObject({ ok: true, version: "v2", previousVersion: "v1" });
    expect(states(first.outcome.deploymentId)).toEqual(["in_progress", "success", "inactive"]);
    expect(serving).toBe("v2");
    expect(second.timeline.entries.map((e) => [e.step, e.result])).toEqual([
      ["resolve", "passed"],
      ["target", "passed"],
      ["health", "passed"],
      ["smoke", "passed"],
      ["load", "skipped"],
    ]);
  });

  it("a version whose readiness never comes rolls back to the previous one; the alias stays", async () => {
    await run(plan("v1", "prod-b"));
    broken.add("v3");
    const { outcome, timeline } = await run(plan("v3", "prod-b"));
    broken.delete("v3");
    expect(outcome).toMatchObject({ ok: false, rolledBack: true, previousVersion: "v1", version: "v3" });
    expect(outcome.failureReason).toMatch(/not healthy within health-timeout.*\(rolled back to v1\)/);
    const last = double.state
      .deployments(REPO)
      .find((d) => d.id === outcome.deploymentId)
      ?.statuses.at(-1);
    expect(last?.state).toBe("failure");
    expect(last?.description).toMatch(/rolled back to v1$/);
    expect(serving).toBe("v1");
    expect(resolver.aliases.get("iris@prod-b")).toBe("iris@v1");
    expect(timeline.entries.map((e) => [e.step, e.result])).toEqual([
      ["resolve", "passed"],
      ["target", "passed"],
      ["health", "failed"],
      ["rollback", "passed"],
    ]);
  });

  it("a smoke-test mismatch with nothing before: failure saying there is nothing to roll back to", async () => {
    const { outcome } = await run(plan("v4", "prod-c"));
    expect(outcome).toMatchObject({ ok: false, rolledBack: false, previousVersion: "" });
    expect(outcome.failureReason).toMatch(/outputs.0.data is \[9\].*nothing to roll back to/);
    expect(states(outcome.deploymentId)).toEqual(["in_progress", "failure"]);
  });

  it("a rollback that fails too ends error", async () => {
    await run(plan("v1", "prod-d"));
    broken.add("v1").add("v3");
    const { outcome } = await run(plan("v3", "prod-d"));
    broken.clear();
    expect(outcome).toMatchObject({ ok: false, rolledBack: false });
    expect(outcome.failureReason).toMatch(/rollback to v1 failed too/);
    expect(states(outcome.deploymentId)?.at(-1)).toBe("error");
  });

  it("a re-run of the same run reuses its deployment and keeps its previous", async () => {
    await run(plan("v1", "prod-e"));
    const first = await run(plan("v2", "prod-e"), 1, "7777");
    const again = await run(plan("v2", "prod-e"), 2, "7777");
    expect(again.outcome.deploymentId).toBe(first.outcome.deploymentId);
    expect(again.outcome.previousVersion).toBe("v1");
  });

  it("an unknown version fails at resolve, before any deployment exists", async () => {
    const before = double.state.deployments(REPO).length;
    await expect(run(plan("v99", "prod-f"))).rejects.toThrow(/registry has no iris/);
    expect(double.state.deployments(REPO)).toHaveLength(before);
  });
});
