// The Octokit factory against the GitHub double: behind a proxy its requests go through the proxy (as
// @actions/github's client sent them), on a runner with an orchestration id the User-Agent names it.
import { createServer, request, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOctokit } from "../../../src/lib/octokit.ts";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../../testing/services/github/index.ts";

const REPO = "octo/models";
const VARIABLES = [
  "GITHUB_API_URL",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
  "ACTIONS_ORCHESTRATION_ID",
];

/** A forward proxy that sends every request (CONNECT or absolute-form) to `target`, whatever the host. */
async function startProxy(target: number): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method ?? ""} ${req.url ?? ""}`);
    const url = new URL(req.url ?? "/");
    const upstream = request(
      {
        host: "127.0.0.1",
        port: target,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  server.on("connect", (req, socket, head) => {
    seen.push(`CONNECT ${req.url ?? ""}`);
    const upstream = connect(target, "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe("createOctokit", () => {
  let double: GitHubDouble;
  let port: number;
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

  beforeEach(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_actions");
    double.state.seedPull(REPO, { number: 3, head: { ref: "feature", sha: fakeSha("feature") } });
    port = Number(new URL(double.url).port);
    for (const name of VARIABLES) Reflect.deleteProperty(process.env, name);
  });

  afterEach(async () => {
    await double.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  });

  it("sends requests through http_proxy when one applies to GITHUB_API_URL", async () => {
    const proxy = await startProxy(port);
    try {
      // A name that is not loopback: @actions/http-client never proxies 127.0.0.1 or localhost.
      const host = `api.github.proxied.test:${port}`;
      process.env.GITHUB_API_URL = `http://${host}`;
      process.env.http_proxy = proxy.url;
      const octokit = createOctokit("ghs_actions", { retries: 0 });
      const pull = await octokit.rest.pulls.get({ owner: "octo", repo: "models", pull_number: 3 });
      expect(pull.data.head.sha).toBe(fakeSha("feature"));
      expect(proxy.seen.length).toBeGreaterThan(0);
      expect(proxy.seen[0]).toContain(host);
      double.assertNoViolations();
    } finally {
      proxy.server.closeAllConnections();
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });

  it("goes straight to a loopback GITHUB_API_URL even with http_proxy set", async () => {
    const proxy = await startProxy(port);
    try {
      process.env.GITHUB_API_URL = double.url;
      process.env.http_proxy = proxy.url;
      const octokit = createOctokit("ghs_actions", { retries: 0 });
      await octokit.rest.pulls.get({ owner: "octo", repo: "models", pull_number: 3 });
      expect(proxy.seen).toEqual([]); // 127.0.0.1 is never proxied
      expect(double.requests.at(-1)?.status).toBe(200);
    } finally {
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });

  it("names the runner's orchestration id in the User-Agent, as @actions/github does", () => {
    process.env.GITHUB_API_URL = double.url;
    process.env.ACTIONS_ORCHESTRATION_ID = "run 42/job:7";
    const octokit = createOctokit("ghs_actions");
    expect(octokit.request.endpoint.DEFAULTS.headers["user-agent"]).toMatch(
      /^actions_orchestration_id\/run_42_job_7 octokit-core\.js\//,
    );
  });
});
