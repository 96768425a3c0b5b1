// The root pipeline and the three starter templates, end to end in the rig's workflow runner on the
// scikit-learn example: real training, the real @actions/artifact and @actions/cache against Azurite,
// comments and baselines through the GitHub REST double, one token per job with exactly the job's
// permissions (read-only on fork PRs).
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startGitHubDouble,
  type GitHubDouble,
  type Permissions,
} from "../../testing/services/github/index.ts";
import {
  runWorkflow,
  type RunWorkflowOptions,
  type WorkflowResult,
} from "../../testing/rig/workflow/index.ts";
import { startArtifactServices, type ArtifactServices } from "../../testing/support/services.ts";
import { checkoutExample, git, REPO_ROOT } from "../../testing/support/workspace.ts";

const REPO = "acme/digits";
const FORK = "contributor/digits";
let services: ArtifactServices;
let double: GitHubDouble;
let repository: string;
let mainSha: string;
let nextRunId = 7001;

beforeAll(async () => {
  services = await startArtifactServices();
  double = await startGitHubDouble({ artifactSource: services.results, repos: [{ fullName: REPO }] });
  repository = fixtureRepository();
  mainSha = git(repository, "rev-parse", "HEAD").trim();
  double.state.seedCommits(REPO, mainSha);
  double.state.seedBranch(REPO, "main", mainSha);
  // What the contents API serves at the base commit: the rules the PR is judged by.
  double.state.seedFiles(REPO, mainSha, {
    ".github/gate-rules.txt": readFileSync(join(repository, ".github", "gate-rules.txt"), "utf8"),
  });
}, 60_000);

afterAll(async () => {
  await double.close();
  await services.close();
});

/** A token for one job holding exactly its `permissions:` (capped at read for a fork PR). */
function tokens(runId: number, fork = false): RunWorkflowOptions["tokenFor"] {
  return ({ id, permissions }) => {
    const token = `ghs_run${String(runId)}_${id.replace(/\W/g, "_")}`;
    const declared = (typeof permissions === "object" && permissions !== null ? permissions : {}) as Record<
      string,
      string
    >;
    const granted: Partial<Permissions> = {};
    for (const scope of [
      "actions",
      "checks",
      "contents",
      "deployments",
      "issues",
      "pull_requests",
      "statuses",
    ] as const) {
      const level = declared[scope.replace("_", "-")] ?? "none";
      granted[scope] = fork && level === "write" ? "read" : (level as Permissions[typeof scope]);
    }
    double.addToken(token, { permissions: granted });
    return token;
  };
}

interface Run {
  workflow: string;
  event: RunWorkflowOptions["event"];
  fork?: boolean;
  repository?: string;
  ref?: string;
  sha?: string;
}

/**
 * The workflow as a team on a self-hosted runner would adjust it: PyPI is out of reach here, so the
 * environment that setup-env builds takes the pinned packages from the machine's Python (Debian's
 * scikit-learn) through `system-site-packages`, the knob the templates have for that.
 */
function adjusted(workflow: string): string {
  const source = workflow.startsWith("/") ? workflow : join(REPO_ROOT, workflow);
  const text = readFileSync(source, "utf8").replace(
    'SYSTEM_SITE_PACKAGES: "false"',
    'SYSTEM_SITE_PACKAGES: "true"',
  );
  const file = join(mkdtempSync(join(tmpdir(), "mlops-workflow-")), basename(source));
  writeFileSync(file, text);
  return file;
}

async function run(options: Run): Promise<WorkflowResult> {
  const runId = nextRunId++;
  const { patch } = options.event;
  const result = await runWorkflow({
    workflow: adjusted(options.workflow),
    event: {
      ...options.event,
      patch: (payload) => {
        // The examples' repositories default to master; ours to main.
        (payload.repository as Record<string, unknown>).default_branch = "main";
        patch?.(payload);
      },
    },
    repository: options.repository ?? repository,
    github: {
      repository: REPO,
      repositoryId: double.state.repo(REPO).id,
      apiUrl: double.url,
      runId,
      ...(options.ref === undefined ? {} : { ref: options.ref }),
      ...(options.sha === undefined ? {} : { sha: options.sha }),
    },
    // pip must not wait on an index it cannot reach.
    env: { ...services.actionsEnv(runId), PYTHONHASHSEED: "0", PIP_NO_INDEX: "1" },
    tokenFor: tokens(runId, options.fork),
  });
  return result;
}

/** Records a finished run in the double, as GitHub lists it for later baselines and the companion. */
function recordRun(
  result: WorkflowResult,
  workflow: string,
  seed: { event: string; headSha: string; headBranch: string; headRepo?: string; pullRequests?: number[] },
) {
  double.state.seedWorkflowRun(REPO, {
    id: result.runId,
    name: workflow,
    path: `.github/workflows/${workflow}.yml`,
    conclusion: result.conclusion,
    ...seed,
  });
}

function failures(result: WorkflowResult): string {
  if (process.env.WF_DEBUG === "1") {
    for (const [id, job] of Object.entries(result.jobs)) {
      for (const step of job.steps) {
        process.stderr.write(
          `--- ${id} / ${step.name}: ${step.outcome}\n${step.stdout.slice(-3000)}${step.stderr.slice(-2000)}\n${JSON.stringify(step.annotations)}\n`,
        );
      }
    }
  }
  return Object.entries(result.jobs)
    .filter(([, job]) => job.result === "failure")
    .map(([id, job]) => `${id}: ${job.errors.join(" | ")}`)
    .join("\n");
}

let pullNumber = 40;

/** A pull request event for a PR whose head is `sha` (same repository unless `fork`). */
function pullRequest(sha: string, fork: boolean): { number: number; event: RunWorkflowOptions["event"] } {
  const number = pullNumber++;
  double.state.seedCommits(REPO, sha);
  double.state.seedPull(REPO, {
    number,
    head: { ref: `feature-${String(number)}`, sha },
    fork,
    base: { ref: "main", sha: mainSha },
  });
  return {
    number,
    event: {
      name: "pull_request",
      fixture: "synchronize",
      patch: (payload) => {
        const pull = payload.pull_request as Record<string, Record<string, unknown>>;
        payload.number = number;
        (pull as unknown as Record<string, unknown>).number = number;
        (pull as unknown as Record<string, unknown>).merge_commit_sha = sha;
        pull.head = {
          ...pull.head,
          sha,
          ref: `feature-${String(number)}`,
          repo: { ...(pull.head?.repo as object), full_name: fork ? FORK : REPO },
        };
        pull.base = { ...pull.base, sha: mainSha, ref: "main" };
      },
    },
  };
}

/** The sklearn example as a repository (its .python-version asks for Debian's 3.11, which it pins wheels for). */
function fixtureRepository(): string {
  return checkoutExample("sklearn-classifier");
}

/** The fixture repository with one more commit on top (a PR's head). */
function branchWith(change: (dir: string) => void): { dir: string; sha: string } {
  const dir = fixtureRepository();
  change(dir);
  git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "change");
  return { dir, sha: git(dir, "rev-parse", "HEAD").trim() };
}

/** The workflow_run event of a fork PR's finished run, as GitHub sends it (pull_requests is empty for forks). */
function forkRunCompleted(
  prRun: WorkflowResult,
  headSha: string,
  prNumber: number,
): RunWorkflowOptions["event"] {
  return {
    name: "workflow_run",
    patch: (payload) => {
      const workflowRun = payload.workflow_run as Record<string, unknown>;
      const headRepository = workflowRun.head_repository as { owner?: object };
      Object.assign(workflowRun, {
        id: prRun.runId,
        name: "ml-pr",
        event: "pull_request",
        conclusion: prRun.conclusion,
        head_sha: headSha,
        head_branch: `feature-${String(prNumber)}`,
        pull_requests: [],
        head_repository: {
          ...headRepository,
          full_name: FORK,
          owner: { ...headRepository.owner, login: "contributor" },
        },
      });
    },
  };
}

describe("ml-pr template", () => {
  let push: WorkflowResult;

  // A whole workflow (lint, tests, real training): minutes on a loaded 2-core machine.
  beforeAll(async () => {
    push = await run({
      workflow: "workflows-templates/ml-pr.yml",
      event: { name: "push" },
      ref: "refs/heads/main",
      sha: mainSha,
    });
    recordRun(push, "ml-pr", { event: "push", headSha: mainSha, headBranch: "main" });
  }, 300_000);

  it("on push to the default branch: lints, tests, trains, uploads the baseline and does not gate", () => {
    expect(failures(push)).toBe("");
    expect(push.conclusion).toBe("success");
    expect(Object.fromEntries(Object.entries(push.jobs).map(([id, job]) => [id, job.result]))).toEqual({
      changes: "success",
      lint: "success",
      test: "success",
      train: "success",
      result: "success",
    });
    const metrics = JSON.parse(push.jobs.train?.outputs.metrics ?? "{}") as Record<string, number>;
    expect(metrics.accuracy).toBeGreaterThan(0.9);
    expect(push.jobs.train?.steps.find((s) => s.id === "gate")?.outcome).toBe("skipped");
    const artifacts = services.results.list({ workflowRunId: push.runId });
    expect(artifacts.map((a) => a.name)).toContain("mlops-run-digits");
  });

  it("on a pull request: gates against the push's model and leaves the sticky comment", async () => {
    const head = branchWith((dir) =>
      appendFileSync(join(dir, "digits_classifier", "__init__.py"), "# A refactoring.\n"),
    );
    const pr = pullRequest(head.sha, false);
    const result = await run({
      workflow: "workflows-templates/ml-pr.yml",
      event: pr.event,
      repository: head.dir,
    });
    expect(failures(result)).toBe("");
    expect(result.jobs.train?.outputs.verdict).toMatch(/^(?:pass|warn)$/);
    const comments = double.state.comments(REPO, pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/accuracy/);
    double.assertNoViolations();
  });

  it("on a fork PR: no comment from the read-only run; the ml-pr-comment companion posts it", async () => {
    const head = branchWith((dir) => appendFileSync(join(dir, "README.md"), "\nA contribution.\n"));
    const pr = pullRequest(head.sha, true);
    const result = await run({
      workflow: "workflows-templates/ml-pr.yml",
      event: pr.event,
      repository: head.dir,
      fork: true,
    });
    expect(failures(result)).toBe("");
    expect(double.state.comments(REPO, pr.number)).toHaveLength(0);
    recordRun(result, "ml-pr", {
      event: "pull_request",
      headSha: head.sha,
      headBranch: `feature-${String(pr.number)}`,
      headRepo: FORK,
    });

    const companion = await run({
      workflow: "workflows-templates/ml-pr-comment.yml",
      event: forkRunCompleted(result, head.sha, pr.number),
    });
    expect(companion.triggered).toBe(true);
    expect(failures(companion)).toBe("");
    expect(companion.jobs.comment?.result).toBe("success");
    const comments = double.state.comments(REPO, pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/accuracy/);
    double.assertNoViolations();
  });

  it("fails the one required check when lint fails", async () => {
    const head = branchWith((dir) => appendFileSync(join(dir, "train.py"), "\nimport json\n"));
    const pr = pullRequest(head.sha, false);
    const result = await run({
      workflow: "workflows-templates/ml-pr.yml",
      event: pr.event,
      repository: head.dir,
    });
    expect(result.jobs.lint?.result).toBe("failure");
    expect(result.jobs.lint?.steps.at(-1)?.stdout).toMatch(/F401 'json' imported but unused/);
    expect(result.jobs.result?.result).toBe("failure");
    expect(result.jobs.result?.errors.join("\n")).toMatch(/Not successful: lint \(failure\)/);
    expect(result.conclusion).toBe("failure");
  });
});

describe("ml-retrain template", () => {
  it("retrains with the dispatch form's params and gates against the default branch", async () => {
    const result = await run({
      workflow: "workflows-templates/ml-retrain.yml",
      ref: "refs/heads/main",
      sha: mainSha,
      event: {
        name: "workflow_dispatch",
        patch: (payload) => void (payload.inputs = { epochs: "3", model: "sgd" }),
      },
    });
    // Three epochs instead of twenty: the model is worse than the default branch's, and the gate says so.
    expect(result.jobs.retrain?.outputs.verdict).toBe("fail");
    expect(result.jobs.retrain?.errors.join("\n")).toMatch(/accuracy/);
    expect(result.conclusion).toBe("failure");
    const record = JSON.parse(
      readFileSync(join(result.jobs.retrain?.runnerTemp ?? "", "mlops", "digits", "mlops-run.json"), "utf8"),
    ) as { params: Record<string, unknown> };
    expect(record.params.epochs).toBe(3);
    expect(record.params.learning_rate).toBe(0.01);
  });
});

describe("the reusable ml-pr workflow", () => {
  it("called from a repository's workflow: lints, tests, trains, gates and comments", async () => {
    const caller = join(mkdtempSync(join(tmpdir(), "mlops-caller-")), "ml.yml");
    writeFileSync(
      caller,
      [
        "name: ml",
        "on:",
        "  pull_request:",
        "permissions: {}",
        "jobs:",
        "  ml:",
        "    uses: mlops-actions/mlops-actions/.github/workflows/reusable-ml-pr.yml@v1",
        "    permissions:",
        "      contents: read",
        "      actions: read",
        "      pull-requests: write",
        "    with:",
        "      system-site-packages: true",
        "      rules: |",
        "        accuracy >= 0.80",
        "        accuracy >= baseline - 0.05",
        "",
      ].join("\n"),
    );
    const head = branchWith((d) => appendFileSync(join(d, "README.md"), "\nReusable.\n"));
    const pr = pullRequest(head.sha, false);
    const result = await run({ workflow: caller, event: pr.event, repository: head.dir });
    expect(failures(result)).toBe("");
    const called = result.jobs.ml;
    expect(called?.result).toBe("success");
    expect(
      Object.fromEntries(Object.entries(called?.jobs ?? {}).map(([id, job]) => [id, job.result])),
    ).toEqual({
      changes: "success",
      lint: "success",
      test: "success",
      train: "success",
      result: "success",
    });
    expect(called?.outputs.verdict).toMatch(/^(?:pass|warn)$/);
    expect(double.state.comments(REPO, pr.number)).toHaveLength(1);
    double.assertNoViolations();
  });
});

describe("the reusable ml-retrain and ml-pr-comment workflows", () => {
  function callerFile(lines: string[]): string {
    const file = join(mkdtempSync(join(tmpdir(), "mlops-caller-")), "caller.yml");
    writeFileSync(file, `${lines.join("\n")}\n`);
    return file;
  }

  it("ml-retrain, called with a dispatch form's inputs, trains with them and gates against main", async () => {
    const caller = callerFile([
      "name: retrain",
      "on:",
      "  workflow_dispatch:",
      "    inputs:",
      "      epochs: { type: number, default: 20 }",
      "permissions: {}",
      "jobs:",
      "  retrain:",
      "    uses: mlops-actions/mlops-actions/.github/workflows/reusable-ml-retrain.yml@v1",
      "    permissions: { contents: read, actions: read }",
      "    with:",
      "      params: ${{ toJSON(inputs) }}",
      "      system-site-packages: true",
    ]);
    const result = await run({
      workflow: caller,
      ref: "refs/heads/main",
      sha: mainSha,
      event: { name: "workflow_dispatch", patch: (payload) => void (payload.inputs = { epochs: "4" }) },
    });
    const called = result.jobs.retrain;
    const job = Object.values(called?.jobs ?? {})[0];
    const record = JSON.parse(
      readFileSync(join(job?.runnerTemp ?? "", "mlops", "digits", "mlops-run.json"), "utf8"),
    ) as {
      params: Record<string, unknown>;
    };
    expect(record.params.epochs).toBe(4);
    // Four epochs instead of twenty: worse than main's model, and the gate fails the call.
    expect(called?.outputs.verdict).toBe("fail");
    expect(result.conclusion).toBe("failure");
  });

  it("ml-pr-comment, called on workflow_run, posts a fork PR's report", async () => {
    const head = branchWith((dir) => appendFileSync(join(dir, "README.md"), "\nAnother contribution.\n"));
    const pr = pullRequest(head.sha, true);
    const prRun = await run({
      workflow: "workflows-templates/ml-pr.yml",
      event: pr.event,
      repository: head.dir,
      fork: true,
    });
    expect(failures(prRun)).toBe("");
    expect(double.state.comments(REPO, pr.number)).toHaveLength(0);
    recordRun(prRun, "ml-pr", {
      event: "pull_request",
      headSha: head.sha,
      headBranch: `feature-${String(pr.number)}`,
      headRepo: FORK,
    });
    const caller = callerFile([
      "name: ml-comment",
      "on:",
      "  workflow_run:",
      "    workflows: [ml-pr]",
      "    types: [completed]",
      "permissions: {}",
      "jobs:",
      "  comment:",
      "    uses: mlops-actions/mlops-actions/.github/workflows/reusable-ml-pr-comment.yml@v1",
      "    permissions: { contents: read, actions: read, pull-requests: write }",
    ]);
    const companion = await run({
      workflow: caller,
      event: forkRunCompleted(prRun, head.sha, pr.number),
    });
    expect(failures(companion)).toBe("");
    expect(companion.jobs.comment?.result).toBe("success");
    const comments = double.state.comments(REPO, pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(`head=${head.sha}`);
    double.assertNoViolations();
  });
});

describe("the one-step pipeline (root action.yml)", () => {
  it("runs the README's workflow: setup-env, train-model and evaluate-gate with a PR comment", async () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const section = /<!-- pipeline:start -->([\s\S]*?)<!-- pipeline:end -->/.exec(readme)?.[1] ?? "";
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "mlops-pipeline-"));
    const file = join(dir, "ml.yml");
    writeFileSync(
      file,
      (yaml ?? "").replace(
        /^( +)model-path: model\n/m,
        "$1model-path: model\n$1system-site-packages: true\n",
      ),
    );
    const head = branchWith((d) => appendFileSync(join(d, "README.md"), "\nPipeline.\n"));
    const pr = pullRequest(head.sha, false);
    const result = await run({ workflow: file, event: pr.event, repository: head.dir });
    expect(failures(result)).toBe("");
    const [job] = Object.values(result.jobs);
    const pipeline = job?.steps.find((s) => s.kind.startsWith("mlops-actions/mlops-actions@"));
    expect(pipeline?.steps?.map((s) => s.outcome)).toEqual(["success", "success", "success"]);
    expect(pipeline?.outputs.verdict).toMatch(/^(?:pass|warn)$/);
    expect(double.state.comments(REPO, pr.number)).toHaveLength(1);
  });
});
