// Runs one `run:` step's shell the way the runner does: the script in a file under RUNNER_TEMP, fresh
// GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files, workflow commands parsed from the
// output line by line, secrets masked, SIGINT → SIGTERM → SIGKILL of its process group on timeout.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseKeyValueFile, parsePathFile } from "../file-commands.ts";
import { RUNNER_GRACE, killGroup, signalLadder } from "../housekeeping.ts";
import { CommandProcessor, type Annotation, type SecretMasker } from "../workflow-commands.ts";

export interface ShellRun {
  /** The script, expressions already expanded. */
  script: string;
  /** `shell:` as written: bash (default), sh, python, or a custom template with {0}. */
  shell: string | undefined;
  cwd: string;
  env: Record<string, string>;
  runnerTemp: string;
  workspace: string;
  masker: SecretMasker;
  timeoutMs: number;
  /** Label for echoed lines. */
  label: string;
  echo: boolean;
}

export interface ShellResult {
  exitCode: number;
  conclusion: "success" | "failure";
  timedOut: boolean;
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  summary: string;
  annotations: Annotation[];
  stdout: string;
  stderr: string;
}

/** The runner's commands for the shells it knows (ScriptHandlerHelpers.cs). */
function shellCommand(shell: string | undefined, file: string): { command: string; args: string[] } {
  const template =
    shell === undefined || shell === "" || shell === "bash"
      ? "bash --noprofile --norc -eo pipefail {0}"
      : shell === "sh"
        ? "sh -e {0}"
        : shell === "python"
          ? "python {0}"
          : shell.includes("{0}")
            ? shell
            : `${shell} {0}`;
  const [command = "bash", ...args] = template.split(/\s+/).filter((part) => part !== "");
  return { command, args: args.map((arg) => arg.replace("{0}", file)) };
}

export async function runShell(run: ShellRun): Promise<ShellResult> {
  const dir = join(run.runnerTemp, "_runner_file_commands");
  mkdirSync(dir, { recursive: true });
  const suffix = randomUUID();
  const files = {
    GITHUB_OUTPUT: join(dir, `set_output_${suffix}`),
    GITHUB_ENV: join(dir, `set_env_${suffix}`),
    GITHUB_PATH: join(dir, `add_path_${suffix}`),
    GITHUB_STATE: join(dir, `save_state_${suffix}`),
    GITHUB_STEP_SUMMARY: join(dir, `step_summary_${suffix}`),
  };
  for (const file of Object.values(files)) writeFileSync(file, "");
  const scriptFile = join(run.runnerTemp, `${suffix}.${run.shell === "python" ? "py" : "sh"}`);
  writeFileSync(scriptFile, run.script);
  const { command, args } = shellCommand(run.shell, scriptFile);

  const processor = new CommandProcessor(run.masker, run.workspace);
  const child = spawn(command, args, {
    cwd: run.cwd,
    env: { ...run.env, ...files },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const logs = { stdout: [] as string[], stderr: [] as string[] };
  const collect = (stream: NodeJS.ReadableStream, name: "stdout" | "stderr") => {
    let pending = "";
    const handle = (line: string) => {
      const shown = processor.processLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      logs[name].push(shown);
      if (run.echo) process.stderr.write(`[${run.label}] ${shown}\n`);
    };
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) handle(line);
    });
    stream.on("end", () => {
      if (pending !== "") handle(pending);
      pending = "";
    });
  };
  collect(child.stdout, "stdout");
  collect(child.stderr, "stderr");

  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  const pid = child.pid;
  timers.push(
    setTimeout(() => {
      if (pid === undefined) return;
      timedOut = true;
      signalLadder(pid, RUNNER_GRACE, timers);
    }, run.timeoutMs),
  );
  const exitCode = await new Promise<number>((resolveExit, rejectExit) => {
    child.once("error", rejectExit);
    child.once("close", (code, signal) => resolveExit(code ?? (signal === null ? 1 : 128)));
  });
  for (const timer of timers) clearTimeout(timer);
  if (pid !== undefined) killGroup(pid, "SIGKILL");

  const { annotations } = processor.effects;
  let failed = processor.effects.failed;
  const read = <T>(file: string, kind: string, parse: (text: string) => T, fallback: T): T => {
    try {
      return parse(readFileSync(file, "utf8"));
    } catch (error) {
      annotations.push({ level: "error", message: `Unable to process file command '${kind}' successfully.` });
      annotations.push({ level: "error", message: run.masker.mask((error as Error).message) });
      failed = true;
      return fallback;
    }
  };
  const outputs = read(files.GITHUB_OUTPUT, "output", (t) => parseKeyValueFile(t, "output"), {});
  const env = read(files.GITHUB_ENV, "env", (t) => parseKeyValueFile(t, "environment variable"), {});
  const path = read(files.GITHUB_PATH, "path", parsePathFile, []);
  if (timedOut) annotations.push({ level: "error", message: "The action has timed out." });
  if (exitCode !== 0 && !timedOut) {
    annotations.push({ level: "error", message: `Process completed with exit code ${String(exitCode)}.` });
  }
  const asLog = (lines: string[]) => (lines.length === 0 ? "" : `${lines.join("\n")}\n`);
  return {
    exitCode,
    conclusion: exitCode === 0 && !failed && !timedOut ? "success" : "failure",
    timedOut,
    outputs: { ...processor.effects.outputs, ...outputs },
    env,
    path,
    summary: run.masker.mask(readFileSync(files.GITHUB_STEP_SUMMARY, "utf8")),
    annotations,
    stdout: asLog(logs.stdout),
    stderr: asLog(logs.stderr),
  };
}
