// The rig runs fixture actions in real Node 24 child processes, as the runner would.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { findNode24, loadActionManifest, runAction } from "../../../testing/rig/index.ts";

const fixtures = resolve(import.meta.dirname, "../../fixtures/actions");
const fixture = (name: string) => join(fixtures, name);

function parsed(json: string | undefined): Record<string, unknown> {
  expect(json, "output present").toBeDefined();
  return JSON.parse(json ?? "") as Record<string, unknown>;
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await sleep(25);
  expect(existsSync(path), `${path} appears`).toBe(true);
}

describe("runAction", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) Reflect.deleteProperty(process.env, key);
    Object.assign(process.env, saved);
  });

  it("finds a Node ≥ 24", () => {
    const node = findNode24();
    expect(existsSync(node)).toBe(true);
  });

  it("reads outputs in both file formats and ::set-output, env, path, summary and groups", async () => {
    const result = await runAction({ action: fixture("probe"), inputs: { "model-path": "model.pkl" } });
    expect(result.exitCode).toBe(0);
    expect(result.conclusion).toBe("success");
    expect(result.outputs.simple).toBe("value=with=equals");
    expect(result.outputs.report).toBe("line 1\nline 2\n");
    expect(result.outputs.legacy).toBe("old\nstyle");
    const warnings = result.annotations.filter((annotation) => annotation.level === "warning");
    expect(warnings.map((warning) => warning.message).join("\n")).toMatch(
      /`set-output` command is deprecated/,
    );
    expect(result.env).toEqual({ MODEL_DIR: "/models", NOTES: "a\nb" });
    expect(result.path).toEqual(["/opt/tool/bin"]);
    expect(result.summary).toBe("## Probe\n\n| a | b |\n");
    expect(result.groups).toEqual([{ title: "Inputs", lines: ["model-path=model.pkl"] }]);
    expect(result.rigWarnings).toEqual([]);
  });

  it("sets INPUT_ names as the runner does and evaluates expression defaults", async () => {
    const result = await runAction({
      action: fixture("probe"),
      inputs: { "model-path": "out/model.pkl" },
      github: { token: "ghs_testtoken", repository: "acme/models" },
    });
    const env = parsed(result.outputs["env-json"]);
    expect(env["INPUT_MODEL-PATH"]).toBe("out/model.pkl");
    expect(env.INPUT_MY_INPUT).toBe("spaced");
    expect(env.INPUT_TOKEN).toBe("ghs_testtoken");
    expect(env.INPUT_REPOSITORY).toBe("acme/models");
    expect(env.INPUT_SCRATCH).toBe(`${result.files.runnerTemp}/scratch`);
    expect(env.INPUT_THRESHOLD).toBe("1.0");
    expect(env.INPUT_MODE).toBe("ok");
    // The token is a secret from the start.
    expect(result.stdout).toContain("token is ***");
    expect(result.stdout).not.toContain("ghs_testtoken");
  });

  it("passes undeclared inputs with the runner's warning, warns on deprecated ones, notes missing required ones", async () => {
    const result = await runAction({ action: fixture("probe"), inputs: { "old-name": "x", typo: "y" } });
    const env = parsed(result.outputs["env-json"]);
    expect(env.INPUT_TYPO).toBe("y");
    expect(env["INPUT_MODEL-PATH"]).toBe("");
    const messages = result.annotations.map((annotation) => annotation.message);
    expect(messages).toContain("Input 'old-name' has been deprecated with message: Use model-path.");
    expect(
      messages.some((message) =>
        message.startsWith("Unexpected input(s) 'typo', valid inputs are ['model-path'"),
      ),
    ).toBe(true);
    expect(result.rigWarnings.join("\n")).toMatch(/Required input 'model-path' was not given/);
    await expect(runAction({ action: fixture("probe"), strictInputs: true })).rejects.toThrow(/model-path/);
  });

  it("fails the step on a malformed GITHUB_OUTPUT, as the runner does", async () => {
    const result = await runAction({
      action: fixture("probe"),
      inputs: { "model-path": "m", mode: "broken-heredoc" },
    });
    expect(result.exitCode).toBe(0);
    expect(result.conclusion).toBe("failure");
    expect(result.annotations).toContainEqual({
      level: "error",
      message: "Unable to process file command 'output' successfully.",
    });
  });

  it("writes a real pull_request payload and derives GITHUB_* from it", async () => {
    const headSha = "1111111111111111111111111111111111111111";
    const result = await runAction({
      action: fixture("probe"),
      inputs: { "model-path": "m" },
      event: {
        name: "pull_request",
        fixture: "synchronize",
        patch: (payload) => {
          const pull = payload.pull_request as { head: { sha: string; repo: { full_name: string } } };
          pull.head.sha = headSha;
          pull.head.repo.full_name = "forker/models";
        },
      },
      github: { repository: "acme/models", apiUrl: "http://127.0.0.1:9/" },
    });
    const event = parsed(result.outputs["event-json"]);
    expect(event).toEqual({
      action: "synchronize",
      number: 2,
      headSha,
      headRepo: "forker/models",
      repository: "acme/models",
    });
    const env = parsed(result.outputs["env-json"]);
    expect(env).toMatchObject({
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: result.files.eventPath,
      GITHUB_REF: "refs/pull/2/merge",
      GITHUB_REF_NAME: "2/merge",
      GITHUB_HEAD_REF: "changes",
      GITHUB_BASE_REF: "master",
      GITHUB_SHA: headSha,
      GITHUB_REPOSITORY: "acme/models",
      GITHUB_REPOSITORY_OWNER: "acme",
      GITHUB_API_URL: "http://127.0.0.1:9",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_WORKSPACE: result.files.workspace,
      RUNNER_TEMP: result.files.runnerTemp,
      RUNNER_OS: "Linux",
      RUNNER_ARCH: "X64",
      CI: "true",
      GITHUB_ACTIONS: "true",
    });
    const written = JSON.parse(readFileSync(result.files.eventPath, "utf8")) as {
      repository: { html_url: string };
    };
    expect(written.repository.html_url).toBe("https://github.com/acme/models");
  });

  it("does not leak the parent's GITHUB_*/INPUT_*/ACTIONS_* variables; keeps PATH and HOME; passes env", async () => {
    process.env.GITHUB_TOKEN = "parent-token";
    process.env.GITHUB_REPOSITORY = "parent/repo";
    process.env.INPUT_MODEL_PATH = "parent";
    process.env.ACTIONS_RUNTIME_TOKEN = "parent-runtime";
    process.env.RUNNER_DEBUG = "1";
    const result = await runAction({
      action: fixture("probe"),
      inputs: { "model-path": "m" },
      env: { EXTRA_SERVICE_URL: "http://127.0.0.1:1234", GITHUB_SHA: "overridden?" },
    });
    const env = parsed(result.outputs["env-json"]);
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect(env.INPUT_MODEL_PATH).toBeUndefined();
    expect(env.ACTIONS_RUNTIME_TOKEN).toBeUndefined();
    expect(env.RUNNER_DEBUG).toBeUndefined();
    expect(env.GITHUB_REPOSITORY).toBe("Codertocat/Hello-World");
    expect(env.EXTRA_SERVICE_URL).toBe("http://127.0.0.1:1234");
    // As on the runner, `env:` cannot override the variables the runner derives.
    expect(env.GITHUB_SHA).toBe("6113728f27ae82c7b1a177c8d03f9e96e0adf246");
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.HOME).toBe(process.env.HOME);
  });

  it("passes state from main to post as STATE_ and masks registered secrets line by line", async () => {
    const result = await runAction({ action: fixture("stateful"), inputs: { secret: "hunter2-xyz" } });
    expect(result.state).toEqual({ pid: "1234", notes: "first\nsecond", legacy: "saved the old way" });
    expect(result.postCondition).toEqual({ expression: "always()", ran: true });
    expect(parsed(result.post?.outputs["from-state"])).toEqual({
      STATE_pid: "1234",
      STATE_notes: "first\nsecond",
      STATE_legacy: "saved the old way",
    });
    expect(result.masks).toContain("hunter2-xyz");
    // Printed before ::add-mask:: it shows, as in a real log; afterwards it does not.
    expect(result.stdout).toContain("before masking: hunter2-xyz");
    expect(result.stdout).toContain("::add-mask::***\nafter masking: ***");
    expect(result.stderr).toBe("on stderr: ***\n");
    expect(result.annotations).toContainEqual({
      level: "warning",
      message: "warned about ***",
      title: "***",
    });
    expect(result.summary).toBe("summary mentions ***\n");
    expect(result.post?.stdout).toBe("post still masks ***\n");
  });

  it("reports a failing action's annotations with their properties, its exit code, and runs post-if: failure()", async () => {
    const result = await runAction({ action: fixture("failing") });
    expect(result.exitCode).toBe(2);
    expect(result.conclusion).toBe("failure");
    expect(result.annotations).toEqual([
      {
        level: "error",
        message: "Loss is NaN\nat epoch 3",
        file: "src/train.py",
        line: 12,
        endLine: 14,
        col: 3,
        endColumn: 9,
        title: "Bad, really",
      },
      { level: "warning", message: "lr is high", file: "params.yaml", line: 2 },
      { level: "notice", message: "done training", title: "Note" },
      { level: "debug", message: "a debug line" },
    ]);
    expect(result.postCondition).toEqual({ expression: "failure()", ran: true });
    expect(result.post?.outputs).toEqual({ cleaned: "yes" });

    const succeeded = await runAction({ action: fixture("failing"), inputs: { "exit-code": "0" } });
    expect(succeeded.conclusion).toBe("success");
    expect(succeeded.postCondition).toEqual({ expression: "failure()", ran: false });
    expect(succeeded.post).toBeUndefined();
  });

  it("on timeout sends SIGINT to the action, fails the step, and still runs post", async () => {
    const result = await runAction({ action: fixture("sleeper"), timeoutMs: 400 });
    expect(result.timedOut).toBe(true);
    expect(result.conclusion).toBe("failure");
    expect([130, 128 + 2]).toContain(result.exitCode);
    expect(result.annotations).toContainEqual({ level: "error", message: "The action has timed out." });
    expect(result.durationMs).toBeLessThan(3000);
    expect(result.post?.outputs).toEqual({ post: "ran" });
  });

  it("on cancel escalates SIGINT → SIGTERM → SIGKILL for an action that ignores signals", async () => {
    const controller = new AbortController();
    const workspace = mkdtempSync(join(tmpdir(), "rig-ws-"));
    onTestFinished(() => rmSync(workspace, { recursive: true, force: true }));
    const running = runAction({
      action: fixture("sleeper"),
      inputs: { "ignore-signals": "true" },
      workspace,
      signal: controller.signal,
      killGraceMs: { sigint: 150, sigterm: 150 },
      runPost: false,
    });
    await waitForFile(join(workspace, "ready"));
    controller.abort();
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(result.conclusion).toBe("cancelled");
    expect(result.signal).toBe("SIGKILL");
    expect(result.exitCode).toBe(137);
    expect(readFileSync(join(workspace, "signals.log"), "utf8")).toBe("SIGINT\nSIGTERM\n");
    expect(result.postCondition).toEqual({ expression: "always()", ran: false });
  });

  it("loads a manifest with defaults exactly as written", () => {
    const manifest = loadActionManifest(fixture("probe"));
    expect(manifest.runs).toEqual({ using: "node24", main: "main.mjs" });
    expect(manifest.inputs["model-path"]).toMatchObject({ required: true });
    expect(manifest.inputs.threshold?.default).toBe("1.0");
    expect(manifest.inputs.token?.default).toBe("${{ github.token }}");
    expect(manifest.dir).toBe(fixture("probe"));
  });

  it("refuses what it cannot run, saying why", async () => {
    await expect(runAction({ action: join(fixtures, "does-not-exist") })).rejects.toThrow(/No action.yml/);
  });
});
