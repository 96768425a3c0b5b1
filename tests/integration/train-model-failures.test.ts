// train-model when things go wrong: bad inputs, a failing command, a timeout and a cancelled job. Every
// case runs the bundle through the rig and checks the exit code, the message and what is left behind.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAction, type ActionResult } from "../../testing/rig/index.ts";
import { checkoutExample, PYTHON } from "../../testing/support/workspace.ts";

const BASE = { command: "python3 train.py", "model-path": "model", upload: "false", cache: "false" };

function train(
  workspace: string,
  inputs: Record<string, string>,
  extra: Partial<Parameters<typeof runAction>[0]> = {},
): Promise<ActionResult> {
  return runAction({
    action: "train-model",
    inputs,
    workspace,
    github: { repository: "acme/churn" },
    ...extra,
  });
}

function errors(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "error")
    .map((a) => a.message)
    .join("\n");
}

/** Running (a zombie waiting for its reaper counts as ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Whether the process is still running after up to a second (the kernel needs a moment to deliver SIGKILL). */
async function alive(pid: number): Promise<boolean> {
  for (let i = 0; i < 40 && running(pid); i++) await new Promise((r) => setTimeout(r, 25));
  return running(pid);
}

describe("bad input gets a clear error naming the input, the value and the fix", () => {
  const cases: Array<[string, Record<string, string>, RegExp, ((ws: string) => void)?]> = [
    [
      "no command",
      { ...BASE, command: "" },
      /Input 'command' is required but empty \(got ""\)\. Set 'command' to the shell command that trains/,
    ],
    ["no model-path", { ...BASE, "model-path": "" }, /Input 'model-path' is required but empty/],
    [
      "an absolute model-path",
      { ...BASE, "model-path": "/etc/passwd" },
      /Input 'model-path' leads outside the folders actions may use \(it resolves to \/etc\/passwd\) \(got "\/etc\/passwd"\)\. Allowed: the workspace \(.+\), \$RUNNER_TEMP \(.+\)\. Keep the file inside the workspace, or add its folder to 'path-roots'\./,
    ],
    [
      "a model-path leaving the project",
      { ...BASE, "model-path": "../model" },
      /Input 'model-path' leads outside the folders actions may use/,
    ],
    [
      "a model-path through a symlink out of the workspace",
      { ...BASE, "model-path": "link/passwd" },
      /Input 'model-path' leads outside the folders actions may use \(it resolves to \/etc\/passwd\) \(got "link\/passwd"\)/,
      (ws) => symlinkSync("/etc", join(ws, "link")),
    ],
    [
      "a model-path the command made a symlink out of the workspace",
      {
        ...BASE,
        command: `ln -s /etc link && echo '{"accuracy": 0.9}' > metrics.json`,
        "model-path": "link/passwd",
      },
      /Input 'model-path' leads outside the folders actions may use \(it resolves to \/etc\/passwd\)/,
    ],
    [
      "a metrics-file the command made a symlink to /etc/passwd",
      { ...BASE, command: "mkdir -p model && echo 1 > model/m && ln -s /etc/passwd metrics.json" },
      /Input 'metrics-file' leads outside the folders actions may use \(it resolves to \/etc\/passwd\)/,
    ],
    [
      "a working-directory outside the workspace",
      { ...BASE, "working-directory": "../elsewhere" },
      /Input 'working-directory' leads outside the folders actions may use .*\(got "\.\.\/elsewhere"\)/,
    ],
    [
      "a working-directory that is a symlink out of the workspace",
      { ...BASE, command: "touch ran-here", "working-directory": "project" },
      /Input 'working-directory' leads outside the folders actions may use \(it resolves to .*mlops-outside-.*\) \(got "project"\)/,
      (ws) => symlinkSync(mkdtempSync(join(tmpdir(), "mlops-outside-")), join(ws, "project")),
    ],
    [
      "data-paths leading out with ..",
      { ...BASE, "data-paths": "data\n../../../../etc/hostname" },
      /Input 'data-paths' leads outside the folders actions may use \(it resolves to \/etc\/hostname\) \(got "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname"\)/,
    ],
    [
      "a data-paths glob matching a symlink out of the workspace",
      { ...BASE, "data-paths": "data/*.csv" },
      /Input 'data-paths' leads outside the folders actions may use \(it resolves to \/etc\/hostname\) \(got "data\/hostname\.csv"\)/,
      (ws) => symlinkSync("/etc/hostname", join(ws, "data", "hostname.csv")),
    ],
    [
      "a params.yaml that is a symlink out of the workspace",
      BASE,
      /Input 'params-file' leads outside the folders actions may use \(it resolves to \/etc\/passwd\) \(got "params\.yaml"\)/,
      (ws) => {
        rmSync(join(ws, "params.yaml"), { force: true });
        symlinkSync("/etc/passwd", join(ws, "params.yaml"));
      },
    ],
    [
      "path-roots that are not absolute",
      { ...BASE, "path-roots": "datasets" },
      /Input 'path-roots' must hold absolute folders \(got "datasets"\)\. Give one absolute folder a line/,
    ],
    [
      "a working-directory that does not exist",
      { ...BASE, "working-directory": "ml" },
      /Input 'working-directory' \(ml\) does not exist in the workspace\. Check out the repository first/,
    ],
    [
      "a model-name with spaces",
      { ...BASE, "model-name": "my model!" },
      /Input 'model-name' is not a valid model name \(got "my model!"\)\. Use letters, digits/,
    ],
    [
      "cache: maybe",
      { ...BASE, cache: "maybe" },
      /Input 'cache' is not a boolean \(got "maybe"\)\. Use 'true' or 'false'\./,
    ],
    ["upload: perhaps", { ...BASE, upload: "perhaps" }, /Input 'upload' is not a boolean/],
    [
      "retention-days: 0",
      { ...BASE, "retention-days": "0" },
      /Input 'retention-days' is out of range \(got "0"\)\. Give a whole number from 1 to 90\./,
    ],
    [
      "retention-days: ten",
      { ...BASE, "retention-days": "ten" },
      /Input 'retention-days' is not a whole number/,
    ],
    ["timeout-minutes: -1", { ...BASE, "timeout-minutes": "-1" }, /Input 'timeout-minutes' is out of range/],
    ["params that are a number", { ...BASE, params: "5" }, /Input 'params'.*(mapping|object)/i],
    ["params that are a list", { ...BASE, params: "[1, 2]" }, /Input 'params'.*(mapping|object)/i],
    ["params with text where the file has a number", { ...BASE, params: '{"epochs": "many"}' }, /epochs/],
    [
      "a params-file that does not exist",
      { ...BASE, "params-file": "hyper.yaml" },
      /Input 'params-file' names a file that does not exist \(got "hyper\.yaml"\)/,
    ],
    [
      "a params-file that is a list",
      { ...BASE, "params-file": "list.yaml" },
      /list\.yaml.*mapping/,
      (ws) => writeFileSync(join(ws, "list.yaml"), "- 1\n- 2\n"),
    ],
    [
      "a metrics file the command did not write",
      { ...BASE, command: "mkdir -p model && echo 1 > model/m", "metrics-file": "out/metrics.json" },
      /out\/metrics\.json/,
    ],
    [
      "a malformed metrics file",
      { ...BASE, command: "mkdir -p model && echo 1 > model/m && echo '{\"accuracy\": 0.9,' > metrics.json" },
      /metrics\.json.*(line|JSON)/i,
    ],
    [
      "a NaN metric",
      { ...BASE, command: "mkdir -p model && echo 1 > model/m && echo '{\"accuracy\": NaN}' > metrics.json" },
      /metrics\.json.*accuracy.*NaN/s,
    ],
    [
      "a model-path the command did not write",
      { ...BASE, command: "echo '{\"accuracy\": 0.9}' > metrics.json" },
      /Input 'model-path' does not exist after the command ran/,
    ],
    ["data-paths that do not exist", { ...BASE, "data-paths": "datasets/" }, /Input 'data-paths'.*datasets/],
    [
      "a metrics file nested 5000 deep",
      {
        ...BASE,
        command: `mkdir -p model && echo 1 > model/m && python3 -c "print('{\\"a\\": ' * 5000 + '1' + '}' * 5000)" > metrics.json`,
      },
      /metrics\.json:1:\d+: not valid JSON: nested more than 100 levels deep/,
    ],
    [
      "a YAML alias bomb in params",
      {
        ...BASE,
        params: [
          "a: &a [x, x, x, x, x, x, x, x, x, x]",
          "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
          "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
        ].join("\n"),
      },
      /Input 'params' cannot be used: its aliases \(\*name\) expand to more than 1000 values, which looks like an "alias bomb"/,
    ],
    [
      "an artifact-name with a slash",
      { ...BASE, "artifact-name": "models/v1" },
      /Input 'artifact-name' contains "\/", which artifact names may not \(got "models\/v1"\)\. Use a name without/,
    ],
    [
      "code-paths that do not exist",
      { ...BASE, "code-paths": "src/" },
      /Input 'code-paths' does not exist \(got "src\/"\)/,
    ],
  ];

  it.each(cases)("%s", async (_name, inputs, message, prepare) => {
    const workspace = checkoutExample("quickstart");
    prepare?.(workspace);
    const result = await train(workspace, inputs);
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(message);
    // A user's mistake never shows a stack.
    expect(errors(result)).not.toMatch(/Unexpected failure|\n\s+at /);
    // Nothing half-written: no run record exported, no outputs claiming a model.
    expect(result.env.MLOPS_RUN_RECORD).toBeUndefined();
    expect(result.outputs["model-digest"]).toBeUndefined();
    // Nothing from outside the workspace is quoted, and a refused working-directory ran nothing.
    expect(errors(result)).not.toMatch(/root:x:0:0/);
    expect(existsSync(join(workspace, "project", "ran-here"))).toBe(false);
  });
});

describe("path-roots", () => {
  it("admits data outside the workspace in a folder it names, through symlinks too", async () => {
    const workspace = checkoutExample("quickstart");
    const datasets = mkdtempSync(join(tmpdir(), "mlops-datasets-"));
    mkdirSync(join(datasets, "digits"));
    writeFileSync(join(datasets, "digits", "train.csv"), "a,b\n1,2\n");
    symlinkSync(join(datasets, "digits"), join(workspace, "mounted"));
    const inputs = {
      ...BASE,
      command: "mkdir -p model && echo 1 > model/m && echo '{\"accuracy\": 0.9}' > metrics.json",
      "data-paths": `${join(datasets, "digits")}\nmounted/train.csv`,
    };
    const refused = await train(workspace, inputs);
    expect(errors(refused)).toMatch(/Input 'data-paths' leads outside the folders actions may use/);
    const result = await train(workspace, { ...inputs, "path-roots": `${datasets}\n` });
    expect(errors(result)).toBe("");
    expect(result.exitCode).toBe(0);
    const record = JSON.parse(readFileSync(result.outputs["run-record"] ?? "", "utf8")) as {
      data: { files: number; paths: Array<{ path: string; files: number }> };
    };
    expect(record.data.paths.map((p) => p.files)).toEqual([1, 1]);
  });
});

describe("a runner without the artifact service", () => {
  it("says before training that upload needs ACTIONS_RUNTIME_TOKEN, and offers upload: false", async () => {
    const workspace = checkoutExample("quickstart");
    const result = await train(workspace, {
      ...BASE,
      upload: "true",
      command: "touch trained && python3 train.py",
    });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      /Uploading the model \(upload: true\) needs GitHub's artifact service, but ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set in this job: uploading needs a GitHub-hosted runner, or a self-hosted one .* Or set 'upload: false'/,
    );
    expect(existsSync(join(workspace, "trained"))).toBe(false);
  });

  it("an invalid artifact-name fails before training too", async () => {
    const workspace = checkoutExample("quickstart");
    const result = await train(workspace, {
      ...BASE,
      upload: "true",
      "artifact-name": "run:1",
      command: "touch trained && python3 train.py",
    });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(/Input 'artifact-name' contains ":"/);
    expect(existsSync(join(workspace, "trained"))).toBe(false);
  });
});

describe("a full disk", () => {
  // A 2 MiB tmpfs as RUNNER_TEMP (mounting needs root, as on our CI machines), unmounted afterwards.
  it.skipIf(process.getuid?.() !== 0)(
    "names the path and the free space when staging the artifact hits ENOSPC, and leaves nothing staged",
    async () => {
      const runnerTemp = mkdtempSync(join(tmpdir(), "mlops-full-disk-"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", runnerTemp]);
      try {
        const workspace = checkoutExample("quickstart");
        const result = await train(
          workspace,
          {
            ...BASE,
            upload: "true",
            "model-name": "big",
            command: `mkdir -p model && head -c 3000000 /dev/zero > model/weights.bin && echo '{"accuracy": 0.9}' > metrics.json`,
          },
          {
            runnerTemp,
            // Staging comes before any request: these only get the upload that far.
            env: { ACTIONS_RUNTIME_TOKEN: "token", ACTIONS_RESULTS_URL: "http://127.0.0.1:9/" },
          },
        );
        expect(result.exitCode).toBe(1);
        const staging = join(runnerTemp, "mlops", "big", "artifact");
        expect(errors(result)).toMatch(
          new RegExp(
            `No space left on the device to stage the artifact \\(3000000 bytes of model\\) at ${staging}/model/weights\\.bin \\(its file system has [\\d.]+ (bytes|KiB|MiB) free of 2\\.0 MiB\\)\\. Free disk space`,
          ),
        );
        expect(errors(result)).not.toMatch(/Unexpected failure/);
        expect(existsSync(staging)).toBe(false);
      } finally {
        execFileSync("umount", [runnerTemp]);
        rmSync(runnerTemp, { recursive: true, force: true });
      }
    },
  );
});

describe("GitHub Enterprise Server", () => {
  it("says that uploading needs github.com's artifact service, and how to go on", async () => {
    const workspace = checkoutExample("quickstart");
    const result = await train(
      workspace,
      { ...BASE, upload: "true" },
      { github: { repository: "acme/churn", serverUrl: "https://ghes.example.com" } },
    );
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      /Uploading the model \(upload: true\) needs GitHub's artifact service, which GitHub Enterprise Server \(https:\/\/ghes\.example\.com\) does not offer.*Set 'upload: false'/,
    );
  });
});

describe("a failing command", () => {
  it("fails the step with the command's exit code and shows its last lines", async () => {
    const workspace = checkoutExample("quickstart");
    const result = await train(workspace, {
      ...BASE,
      command: "for i in $(seq 1 50); do echo line-$i; done; echo 'CUDA out of memory' >&2; exit 3",
    });
    expect(result.exitCode).toBe(3);
    const message = errors(result);
    expect(message).toMatch(/The training command exited with code 3\. Last lines of its output:/);
    expect(message).toContain("CUDA out of memory");
    expect(message).toContain("line-50");
    expect(message).not.toContain("line-10\n"); // only the tail
    expect(
      result.groups.some(
        (g) =>
          g.title ===
          "Train: for i in $(seq 1 50); do echo line-$i; done; echo 'CUDA out of memory' >&2; exit 3",
      ),
    ).toBe(true);
  });
});

describe("stopping training", () => {
  // A command that starts a background process and records both pids, then waits.
  const SLEEPER = "sleep 300 & echo $! > pids; echo $$ >> pids; wait";

  function pids(workspace: string): number[] {
    return readFileSync(join(workspace, "pids"), "utf8").trim().split("\n").map(Number);
  }

  async function waitForFile(path: string): Promise<void> {
    for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 25));
  }

  it("timeout-minutes kills the whole process group and says so", async () => {
    const workspace = checkoutExample("quickstart");
    const result = await train(workspace, { ...BASE, command: SLEEPER, "timeout-minutes": "0.02" });
    expect(result.exitCode).not.toBe(0);
    expect(errors(result)).toMatch(
      /ran longer than timeout-minutes \(0\.02 min\) and was stopped with its whole process group/,
    );
    const started = pids(workspace);
    expect(started).toHaveLength(2);
    for (const pid of started) expect(await alive(pid), `pid ${pid}`).toBe(false);
  });

  it("a cancelled job's signal reaches the training process group, and nothing is left behind", async () => {
    const workspace = checkoutExample("quickstart");
    mkdirSync(join(workspace, "model"), { recursive: true });
    const controller = new AbortController();
    const running = train(
      workspace,
      { ...BASE, command: SLEEPER },
      { signal: controller.signal, killGraceMs: { sigint: 5000, sigterm: 2000 } },
    );
    await waitForFile(join(workspace, "pids"));
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(errors(result)).toMatch(
      /The job was cancelled \(SIGINT\); the training process group was stopped\./,
    );
    for (const pid of pids(workspace)) expect(await alive(pid), `pid ${pid}`).toBe(false);
  });
});

// What the training command can reach (issue 10, item 3): the runner's credentials and file commands are
// withheld from its environment, and processes that leave its process group are found by their mark.

/** Writes a model and metrics, so the step succeeds after what comes before. */
const PRODUCE = "mkdir -p model && echo weights > model/m && echo '{\"accuracy\": 0.9}' > metrics.json";

const RUNNER_SECRETS = {
  ACTIONS_RUNTIME_TOKEN: "runtime-token-value",
  ACTIONS_RUNTIME_URL: "http://127.0.0.1:1/runtime/",
  ACTIONS_RESULTS_URL: "http://127.0.0.1:1/results/",
  ACTIONS_CACHE_URL: "http://127.0.0.1:1/cache/",
  ACTIONS_CACHE_SERVICE_V2: "true",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "oidc-request-token",
  ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:1/oidc",
  ACTIONS_STEP_DEBUG: "false",
};

function warnings(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.level === "warning")
    .map((a) => a.message)
    .join("\n");
}

/** The command's environment as `env -0` wrote it. */
function envFile(path: string): Map<string, string> {
  const entries = readFileSync(path, "utf8")
    .split("\0")
    .filter((line) => line !== "")
    .map((line): [string, string] => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
  return new Map(entries);
}

describe("the training command's environment", () => {
  it("holds the workflow's variables and ours, not the runner's tokens, inputs or file commands", async () => {
    const workspace = checkoutExample("quickstart");
    const result = await train(
      workspace,
      {
        ...BASE,
        command: `env -0 > command.env && ${PRODUCE}`,
        "env-passthrough": "ACTIONS_STEP_DEBUG\nKEPT_ANYWAY",
      },
      { env: { ...RUNNER_SECRETS, WORKFLOW_SETTING: "from-env", KEPT_ANYWAY: "yes" } },
    );
    expect(errors(result)).toBe("");
    expect(result.exitCode).toBe(0);
    const env = envFile(join(workspace, "command.env"));
    for (const name of [
      "ACTIONS_RUNTIME_TOKEN",
      "ACTIONS_RUNTIME_URL",
      "ACTIONS_RESULTS_URL",
      "ACTIONS_CACHE_URL",
      "ACTIONS_CACHE_SERVICE_V2",
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "ACTIONS_ID_TOKEN_REQUEST_URL",
      "GITHUB_OUTPUT",
      "GITHUB_STATE",
      "GITHUB_ENV",
      "GITHUB_PATH",
    ]) {
      expect(env.has(name), name).toBe(false);
    }
    expect([...env.keys()].filter((name) => name.startsWith("INPUT_"))).toEqual([]);
    expect([...env.values()].join("\n")).not.toContain("runtime-token-value");
    // The workflow's own variables, the runner's harmless ones and ours are there.
    expect(env.get("WORKFLOW_SETTING")).toBe("from-env");
    expect(env.get("GITHUB_REPOSITORY")).toBe("acme/churn");
    expect(env.get("GITHUB_WORKSPACE")).toBe(result.files.workspace);
    expect(env.get("MLOPS_MODEL_PATH")).toBe(join(result.files.workspace, "model"));
    expect(env.get("MLOPS_METRICS_FILE")).toBe(join(result.files.workspace, "metrics.json"));
    expect(env.get("MLOPS_PARAMS_FILE")).toMatch(/params\.json$/);
    expect(env.get("MLOPS_STEP_MARK")).toMatch(/^[0-9a-f]{32}$/);
    // env-passthrough keeps what it names.
    expect(env.get("ACTIONS_STEP_DEBUG")).toBe("false");
    expect(env.get("KEPT_ANYWAY")).toBe("yes");
  });

  it("refuses to pass GITHUB_OUTPUT, with which the command could forge train-model's outputs", async () => {
    const workspace = checkoutExample("quickstart");
    const result = await train(workspace, { ...BASE, command: PRODUCE, "env-passthrough": "GITHUB_OUTPUT" });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      /Input 'env-passthrough' cannot be passed to the command: with it the command could write train-model's own outputs \(got "GITHUB_OUTPUT"\)/,
    );
  });
});

describe("processes that leave the command's process group", () => {
  it("are found by the step's mark, stopped, and named in a warning", async () => {
    const workspace = checkoutExample("quickstart");
    // setsid leaves the session and the process group; the Python double fork also loses its parent.
    const doubleFork = [
      "import os, time",
      "if os.fork() == 0:",
      "    os.setsid()",
      "    if os.fork() == 0:",
      "        open('forked.pid', 'w').write(str(os.getpid()))",
      "        os.closerange(0, 3)",
      "        time.sleep(300)",
      "    os._exit(0)",
      "time.sleep(0.5)",
    ].join("\n");
    writeFileSync(join(workspace, "double_fork.py"), `${doubleFork}\n`);
    const result = await train(workspace, {
      ...BASE,
      command: `setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > setsid.pid; ${PYTHON} double_fork.py; ${PRODUCE}`,
    });
    expect(errors(result)).toBe("");
    expect(result.exitCode).toBe(0);
    const setsidPid = Number(readFileSync(join(workspace, "setsid.pid"), "utf8"));
    const forkedPid = Number(readFileSync(join(workspace, "forked.pid"), "utf8"));
    const warned = warnings(result);
    expect(warned).toMatch(
      new RegExp(
        `left process ${setsidPid} running outside its process group \\(sleep 300\\); it was stopped`,
      ),
    );
    expect(warned).toMatch(new RegExp(`left process ${forkedPid} running .*double_fork\\.py`));
    expect(await alive(setsidPid)).toBe(false);
    expect(await alive(forkedPid)).toBe(false);
  });
});
