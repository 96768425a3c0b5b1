// The deployment lifecycle and the "current deployment" resolver against the GitHub double (validated
// against GitHub's OpenAPI description): what is created, reuse on a re-run, the never-left-in_progress
// guarantee, and two models sharing an environment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentDeployment } from "../../../src/deployments/current.ts";
import type { DeploymentsApi } from "../../../src/deployments/github.ts";
import { octokitDeployments } from "../../../src/actions/deploy/deployments-api.ts";
import { markInactive, openDeployment, withDeployment } from "../../../src/deployments/lifecycle.ts";
import { createOctokit } from "../../../src/lib/octokit.ts";
import { fakeSha, startGitHubDouble, type GitHubDouble } from "../../../testing/services/github/index.ts";

const REPO = "octo/models";
const digest = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const model = (version: string, n: number) => ({
  version,
  digest: digest(n),
  uri: `oci://registry/iris@${digest(n)}`,
});

describe("deployments", () => {
  let double: GitHubDouble;
  let api: DeploymentsApi;
  let env = 0;
  const freshEnvironment = (): string => `env-${++env}`;

  beforeAll(async () => {
    double = await startGitHubDouble({ repos: [REPO] });
    double.addToken("ghs_deploy");
    double.state.seedBranch(REPO, "main", fakeSha("main"));
    process.env.GITHUB_API_URL = double.url;
    api = octokitDeployments(createOctokit("ghs_deploy", { retries: 0 }), { owner: "octo", repo: "models" });
  });

  afterAll(async () => {
    double.assertNoViolations();
    delete process.env.GITHUB_API_URL;
    await double.close();
  });

  const open = (environment: string, name: string, runId: string, attempt = 1, m = model("v1", 1)) =>
    openDeployment(api, {
      environment,
      modelName: name,
      ref: "main",
      run: { id: runId, attempt },
      payload: { model: name, ...m, previous: null },
    });

  it("creates the deployment with task deploy:<model>, auto_merge false, no required contexts, and the payload", async () => {
    const environment = freshEnvironment();
    const before = double.requests.length;
    const deployment = await open(environment, "iris", "100");
    const create = double.requests.slice(before).find((r) => r.operationId === "repos/create-deployment");
    expect(create?.body).toMatchObject({
      task: "deploy:iris",
      auto_merge: false,
      required_contexts: [],
      environment,
    });
    const stored = double.state.deployments(REPO).find((d) => d.id === deployment.id);
    expect(stored?.task).toBe("deploy:iris");
    expect(stored?.payload).toEqual({
      model: "iris",
      ...model("v1", 1),
      previous: null,
      run: { id: "100", attempt: 1 },
    });
    expect(deployment.reused).toBe(false);
  });

  it("a re-run (same run id, new attempt) reuses the deployment; another run makes a new one", async () => {
    const environment = freshEnvironment();
    const first = await open(environment, "iris", "200", 1);
    const again = await open(environment, "iris", "200", 2);
    const other = await open(environment, "iris", "201", 1);
    expect(again.id).toBe(first.id);
    expect(again.reused).toBe(true);
    expect(other.id).not.toBe(first.id);
    expect(double.state.deployments(REPO).filter((d) => d.environment === environment)).toHaveLength(2);
  });

  it("never leaves a deployment in_progress when the body throws; a terminal state set by the body stays", async () => {
    const environment = freshEnvironment();
    const deployment = await open(environment, "iris", "300");
    await expect(
      withDeployment(deployment, async (d) => {
        await d.inProgress("https://github.com/octo/models/actions/runs/300");
        throw new Error("the target vanished");
      }),
    ).rejects.toThrow("the target vanished");
    const states = double.state
      .deployments(REPO)
      .find((d) => d.id === deployment.id)
      ?.statuses.map((s) => [s.state, s.description]);
    expect(states).toEqual([
      ["in_progress", "Deploying"],
      ["error", "the target vanished"],
    ]);
    expect(double.state.deployments(REPO).find((d) => d.id === deployment.id)?.statuses[0]?.logUrl).toBe(
      "https://github.com/octo/models/actions/runs/300",
    );

    const failed = await open(environment, "iris", "301");
    await expect(
      withDeployment(failed, async (d) => {
        await d.inProgress(undefined);
        await d.fail("health never came; rolled back to v1");
        throw new Error("step fails");
      }),
    ).rejects.toThrow("step fails");
    expect(
      double.state
        .deployments(REPO)
        .find((d) => d.id === failed.id)
        ?.statuses.at(-1)?.state,
    ).toBe("failure");
  });

  it("cuts status descriptions to GitHub's 140 characters instead of getting a 422", async () => {
    const deployment = await open(freshEnvironment(), "iris", "350");
    await deployment.fail("x".repeat(500));
    const last = double.state
      .deployments(REPO)
      .find((d) => d.id === deployment.id)
      ?.statuses.at(-1);
    expect(last?.description).toHaveLength(140);
  });

  it("current = newest deployment of this environment and model whose latest status is success", async () => {
    const environment = freshEnvironment();
    expect(await currentDeployment(api, environment, "iris")).toBeUndefined();
    const v1 = await open(environment, "iris", "400", 1, model("v1", 1));
    await v1.succeed("http://127.0.0.1:1");
    const v2 = await open(environment, "iris", "401", 1, model("v2", 2));
    await v2.inProgress(undefined);
    await v2.fail("smoke test failed");
    expect((await currentDeployment(api, environment, "iris"))?.id).toBe(v1.id);
    const v3 = await open(environment, "iris", "402", 1, model("v3", 3));
    await v3.succeed(undefined);
    const current = await currentDeployment(api, environment, "iris");
    expect(current?.id).toBe(v3.id);
    expect(current?.payload.version).toBe("v3");
    // The same environment under another name of the model is another lookup.
    expect(await currentDeployment(api, "other-env", "iris")).toBeUndefined();
  });

  it("two models in one environment never see or inactivate each other's deployments", async () => {
    const environment = freshEnvironment();
    const iris = await open(environment, "iris", "500", 1, model("v1", 1));
    await iris.succeed(undefined);
    const wine = await open(environment, "wine", "501", 1, model("v7", 7));
    await wine.succeed(undefined);
    // GitHub's own auto_inactive is off: wine's success left iris's deployment success.
    expect(
      double.state
        .deployments(REPO)
        .find((d) => d.id === iris.id)
        ?.statuses.at(-1)?.state,
    ).toBe("success");
    expect((await currentDeployment(api, environment, "iris"))?.id).toBe(iris.id);
    expect((await currentDeployment(api, environment, "wine"))?.id).toBe(wine.id);

    const iris2 = await open(environment, "iris", "502", 1, model("v2", 2));
    await iris2.succeed(undefined);
    await markInactive(api, iris.id, "replaced");
    expect(
      double.state
        .deployments(REPO)
        .find((d) => d.id === iris.id)
        ?.statuses.at(-1)?.state,
    ).toBe("inactive");
    expect(
      double.state
        .deployments(REPO)
        .find((d) => d.id === wine.id)
        ?.statuses.at(-1)?.state,
    ).toBe("success");
    expect((await currentDeployment(api, environment, "iris"))?.id).toBe(iris2.id);
    expect((await currentDeployment(api, environment, "wine"))?.id).toBe(wine.id);
  });
});
