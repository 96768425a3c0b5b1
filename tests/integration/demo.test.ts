// npm run demo prints what the local services received and held: the manifest pulled back from the
// registry, the PR comment as the GitHub double stored it, the inference answer of the deployed model,
// the deployments with their statuses and the rollback; and it stops every server it started.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { findNode24 } from "../../testing/rig/index.ts";
import { REPO_ROOT } from "../../testing/support/workspace.ts";

interface Answer {
  model_name?: string;
  model_version?: string;
  outputs?: Array<{ name: string; data: unknown[] }>;
}
interface Transcript {
  comments: Array<{ user: string; body: string }>;
  artifacts: Array<{ name: string }>;
  verdict: string;
  baseline: { spec: string; file: string };
  published: Record<string, string>;
  manifest: string;
  live: Record<string, string>;
  served: { label: string; answer: Answer };
  failed: Record<string, string>;
  after: { label: string; answer: Answer };
  currentAfter: { version: string; digest: string };
  productionAfter: string;
  deployments: Array<{
    id: number;
    task: string;
    environment: string;
    statuses: Array<{ state: string; description: string }>;
  }>;
  listening: string[];
}

/** True when nothing accepts a connection at `url` any more. */
async function refused(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(5000) })).arrayBuffer();
    return false;
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return code === "ECONNREFUSED";
  }
}

describe("npm run demo", () => {
  it("publishes v1 as production, gates the PR against it, deploys it, answers, and rolls a broken v2 back", async () => {
    const transcriptFile = join(mkdtempSync(join(tmpdir(), "mlops-demo-test-")), "transcript.json");
    const { stdout } = await promisify(execFile)(
      findNode24(),
      ["scripts/demo.ts", "--transcript", transcriptFile],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
    const t = JSON.parse(readFileSync(transcriptFile, "utf8")) as Transcript;

    // 1. v1 with alias production; the manifest printed is the one the registry served, by its digest.
    expect(t.published).toMatchObject({ version: "v1", aliases: "production" });
    const manifestDigest = `sha256:${createHash("sha256").update(t.manifest).digest("hex")}`;
    expect(manifestDigest).toBe(t.published.digest);
    const manifest = JSON.parse(t.manifest) as {
      artifactType: string;
      layers: Array<{ annotations: Record<string, string> }>;
    };
    expect(manifest.artifactType).toBe("application/vnd.cncf.model.manifest.v1+json");
    expect(manifest.layers.map((l) => l.annotations["org.cncf.model.filepath"])).toContain(
      "model/model.joblib",
    );
    expect(stdout).toContain(`:production → ${t.published.digest}`);
    expect(stdout).toContain(JSON.stringify(manifest, null, 2));

    // 2. the gate's baseline is registry:digits@production, and the comment names that version.
    expect(t.baseline.spec).toBe("registry:digits@production");
    expect(t.baseline.file).toMatch(/^oci:\/\/127\.0\.0\.1:\d+\/acme\/digits:production@/);
    expect(t.baseline.file.endsWith(`@${t.published.digest}`)).toBe(true);
    expect(stdout).toContain(`evaluate-gate: baseline registry:digits@production = ${t.baseline.file}`);
    expect(t.comments).toHaveLength(1);
    expect(t.comments[0]?.user).toBe("github-actions[bot]");
    expect(t.comments[0]?.body).toMatch(
      new RegExp(
        `\\*\\*Baseline:\\*\\* 127\\.0\\.0\\.1:\\d+/acme/digits:production \\(${t.published.digest}`,
      ),
    );
    expect(t.comments[0]?.body).toContain("learning\\_rate | 0.01 | 0.03");
    expect(stdout).toContain(t.comments[0]?.body);
    expect(stdout).toContain(`evaluate-gate: verdict ${t.verdict}`);
    expect(t.artifacts.map((a) => a.name).sort()).toEqual([
      "mlops-gate-digits",
      "mlops-gate-digits",
      "mlops-run-digits",
      "mlops-run-digits",
    ]);

    // 3. production went live; the served model answered the digit of the row it was sent.
    expect(t.live).toMatchObject({ version: "v1", digest: t.published.digest, "rolled-back": "false" });
    expect(t.served.answer).toMatchObject({ model_name: "digits", model_version: "v1" });
    expect(t.served.answer.outputs?.[0]).toMatchObject({ name: "predict", data: [Number(t.served.label)] });
    expect(stdout).toContain(`→ ${JSON.stringify(t.served.answer)}`);
    const [first, second] = t.deployments;
    expect(first).toMatchObject({ task: "deploy:digits", environment: "production" });
    expect(String(first?.id)).toBe(t.live["deployment-id"]);
    expect(first?.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);

    // 4. the broken v2 failed, was rolled back, and v1 still answers; the alias did not move.
    expect(t.failed).toMatchObject({ version: "v2", "rolled-back": "true", "previous-version": "v1" });
    expect(t.failed["failure-reason"]).toContain("was not ready after");
    expect(String(second?.id)).toBe(t.failed["deployment-id"]);
    expect(second?.statuses.map((s) => s.state)).toEqual(["in_progress", "failure"]);
    expect(second?.statuses.at(-1)?.description).toContain("rolled back to v1");
    expect(t.after.answer).toMatchObject({ model_version: "v1" });
    expect(t.currentAfter).toMatchObject({ version: "v1", digest: t.published.digest });
    expect(stdout).toMatch(/failure +.*rolled back to v1/);
    expect(t.productionAfter).toBe(t.published.digest);
    expect(stdout).toContain(`digits@production → ${t.published.digest} (still v1: the alias did not move)`);
    expect(stdout).toMatch(/\| rollback \| .* \| ✅ passed \|/);

    // Every server it started is gone.
    expect(t.listening.length).toBeGreaterThanOrEqual(7);
    for (const url of t.listening) expect(await refused(url), url).toBe(true);
  }, 400_000);

  it("stops every server it started when it is stopped midway (SIGTERM)", async () => {
    const child = spawn(findNode24(), ["scripts/demo.ts"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("all local services are up")) resolve();
      });
      void exited.then(() => reject(new Error(`the demo ended before its services were up:\n${stderr}`)));
    });
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    const urls = [...stderr.matchAll(/http:\/\/127\.0\.0\.1:\d+/g)].map((m) => m[0]);
    expect(urls.length).toBeGreaterThanOrEqual(7);
    for (const url of urls) expect(await refused(url), url).toBe(true);
  }, 120_000);
});
