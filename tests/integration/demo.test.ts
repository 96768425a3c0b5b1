// npm run demo prints what the local services received: the PR comment as the GitHub double stored it.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { findNode24 } from "../../testing/rig/index.ts";
import { REPO_ROOT } from "../../testing/support/workspace.ts";

it("prints the PR comment the GitHub double received, and the artifacts the runs uploaded", async () => {
  const transcript = join(mkdtempSync(join(tmpdir(), "mlops-demo-test-")), "transcript.json");
  const { stdout } = await promisify(execFile)(
    findNode24(),
    ["scripts/demo.ts", "--transcript", transcript],
    {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const received = JSON.parse(readFileSync(transcript, "utf8")) as {
    comments: Array<{ user: string; body: string }>;
    artifacts: Array<{ name: string }>;
    verdict: string;
  };
  expect(received.comments).toHaveLength(1);
  expect(received.comments[0]?.user).toBe("github-actions[bot]");
  expect(stdout).toContain(received.comments[0]?.body);
  expect(received.artifacts.map((a) => a.name).sort()).toEqual([
    "mlops-gate-churn",
    "mlops-run-churn",
    "mlops-run-churn",
  ]);
  expect(stdout).toContain(`evaluate-gate: verdict ${received.verdict}`);
  expect(stdout).toContain("learning\\_rate | 0.5 | 0.2");
}, 120_000);
