// The security check: every rule shown to fire on a bad workflow or action, and none firing on what we ship.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkFile,
  checkText,
  contextReferences,
  formatFindings,
  type Rule,
} from "../../../testing/rig/workflow/security.ts";
import { actionFiles, root, workflowFiles } from "./shipped-files.ts";

const checkout = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0";

/** A workflow that passes every rule, with `jobBody` (indented for a job) in its only job. */
function workflow(jobBody: string, head = "on: pull_request\npermissions: {}\nconcurrency: x\n"): string {
  return `${head}jobs:\n  build:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 5\n    permissions:\n      contents: read\n${jobBody}`;
}

function rules(text: string, file = "w.yml"): Rule[] {
  return checkText(file, text).map((finding) => finding.rule);
}

describe("the security check", () => {
  it("passes a workflow that follows every rule", () => {
    const good = workflow(
      `    steps:\n      - uses: ${checkout}\n      - env:\n          TITLE: \${{ github.event.pull_request.title }}\n        run: echo "$TITLE" \${{ runner.temp }} \${{ github.run_id }}\n`,
    );
    expect(checkText("w.yml", good)).toEqual([]);
  });

  it.each([
    ["github.event.pull_request.title", "echo ${{ github.event.pull_request.title }}"],
    ["inputs", "python train.py --epochs ${{ inputs.epochs }}"],
    ["github.head_ref", "git push origin ${{ github.head_ref }}"],
    ["a step output", "echo ${{ steps.train.outputs.metrics }}"],
    ["env", "echo ${{ env.BRANCH }}"],
    ["bracket syntax", "echo ${{ github['event']['issue']['title'] }}"],
  ])("flags %s inside run:", (_what, run) => {
    const bad = workflow(`    steps:\n      - run: |\n          echo start\n          ${run}\n`);
    const findings = checkText("w.yml", bad);
    expect(findings.map((f) => f.rule)).toEqual(["expression-in-run"]);
    expect(findings[0]?.line).toBe(11);
    expect(findings[0]?.message).toMatch(/env:/);
  });

  it("flags user-controlled expressions in a composite action's run: steps", () => {
    const action = `name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo "\${{ inputs.command }}"\n`;
    expect(rules(action, "actions/x/action.yml")).toEqual(["expression-in-run"]);
  });

  it("finds context references outside string literals only", () => {
    expect(contextReferences("github.event.issue.title || 'inputs.x'")).toEqual(["github.event.issue.title"]);
    expect(contextReferences("format('{0}', steps.a.outputs['b'])")).toEqual(["steps.a.outputs['b']"]);
  });

  it("flags a job without permissions when the workflow has none, and write-all", () => {
    const noTop = workflow("    steps: []\n", "on: push\nconcurrency: x\n").replace(
      "    permissions:\n      contents: read\n",
      "",
    );
    expect(rules(noTop)).toEqual(["missing-permissions"]);
    const writeAll = workflow("    steps: []\n", "on: push\npermissions: write-all\nconcurrency: x\n");
    expect(rules(writeAll)).toEqual(["broad-permissions"]);
  });

  it.each([
    ["a tag", "actions/setup-python@v5", /not pinned to a full commit SHA/],
    ["a branch", "someone/action@main", /not pinned/],
    ["a short SHA", "someone/action@a26af69", /not pinned/],
    [
      "a SHA without its version comment",
      "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065",
      /version is not in a comment/,
    ],
  ])("flags a third-party action pinned to %s", (_what, uses, message) => {
    const findings = checkText("w.yml", workflow(`    steps:\n      - uses: ${uses}\n`));
    expect(findings.map((f) => f.rule)).toEqual(["unpinned-action"]);
    expect(findings[0]?.message).toMatch(message);
  });

  it("accepts our own actions by tag and by self-reference, and local actions", () => {
    const ours = workflow(
      "    steps:\n      - uses: mlops-actions/mlops-actions/actions/train-model@v1\n      - uses: $/actions/train-model\n      - uses: ./actions/x\n",
    );
    expect(checkText("w.yml", ours)).toEqual([]);
  });

  it("flags an unpinned third-party reusable workflow", () => {
    const text =
      "on: push\npermissions: {}\nconcurrency: x\njobs:\n  call:\n    uses: someone/repo/.github/workflows/x.yml@v1\n";
    expect(rules(text)).toEqual(["unpinned-action"]);
  });

  it.each([
    ["pull_request_target", "${{ github.event.pull_request.head.sha }}"],
    ["pull_request_target", "refs/pull/${{ github.event.number }}/merge"],
    ["workflow_run", "${{ github.event.workflow_run.head_sha }}"],
  ])("flags a %s workflow that checks out the PR's head (%s)", (event, ref) => {
    const text = workflow(
      `    steps:\n      - uses: ${checkout}\n        with:\n          ref: ${ref}\n`,
      `on: ${event}\npermissions: {}\nconcurrency: x\n`,
    );
    expect(rules(text)).toEqual(["untrusted-checkout"]);
  });

  it("flags gh pr checkout in a privileged workflow, but not checking out the base", () => {
    const gh = workflow(
      "    steps:\n      - run: gh pr checkout 1\n",
      "on: pull_request_target\npermissions: {}\nconcurrency: x\n",
    );
    expect(rules(gh)).toEqual(["untrusted-checkout"]);
    const base = workflow(
      `    steps:\n      - uses: ${checkout}\n`,
      "on: pull_request_target\npermissions: {}\nconcurrency: x\n",
    );
    expect(rules(base)).toEqual([]);
    const samePr = workflow(
      `    steps:\n      - uses: ${checkout}\n        with:\n          ref: \${{ github.event.pull_request.head.sha }}\n`,
    );
    expect(rules(samePr)).toEqual([]); // on pull_request the token is the PR's own: not privileged
  });

  it("flags a workflow without concurrency and a job without timeout-minutes", () => {
    const text = workflow("    steps: []\n", "on: push\npermissions: {}\n").replace(
      "    timeout-minutes: 5\n",
      "",
    );
    expect(rules(text).sort()).toEqual(["missing-concurrency", "missing-timeout"]);
  });

  it("flags a download piped into tar or a shell, and one without a checksum check", () => {
    const run = (script: string) =>
      rules(workflow(`    steps:\n      - run: |\n${script.replace(/^/gm, "          ")}\n`));
    expect(
      run("curl -fsSL https://micro.mamba.pm/api/micromamba/linux-64/2.0.5 | tar -xj bin/micromamba"),
    ).toEqual(["unverified-download"]);
    expect(run("curl -sSf https://example.com/install.sh | sh")).toEqual(["unverified-download"]);
    expect(run("wget -q -O tool https://example.com/tool\nchmod +x tool")).toEqual(["unverified-download"]);
    // A job's own server on loopback is not a download; a host that only starts like one is.
    expect(run("curl -fsS http://127.0.0.1:8080/v2/health/ready")).toEqual([]);
    expect(run("curl -fsS http://localhost/metrics | grep -F x")).toEqual([]);
    expect(run("curl -fsSo tool http://127.0.0.1.example.com/tool")).toEqual(["unverified-download"]);
    expect(
      run(
        'curl -fsSL -o tool https://example.com/tool\necho "0123abcd  tool" | sha256sum --check -\nchmod +x tool',
      ),
    ).toEqual([]);
    expect(run("pipx install uv==0.9.8")).toEqual([]);
  });

  it("reports YAML that does not parse", () => {
    expect(rules("on: [push\n")).toEqual(["invalid-yaml"]);
  });

  it("finds nothing in any workflow, template or action we ship", () => {
    const files = [...workflowFiles, ...actionFiles];
    expect(files.length).toBeGreaterThanOrEqual(10);
    const findings = files.flatMap((file) => checkFile(join(root, file)));
    expect(formatFindings(findings)).toBe("");
  });

  it("finds nothing in the whole workflows the READMEs tell users to copy", () => {
    const readmes = ["README.md", ...actionFiles.map((file) => file.replace(/action\.yml$/, "README.md"))];
    const workflows = readmes
      .filter((file) => existsSync(join(root, file)))
      .flatMap((file) =>
        [...readFileSync(join(root, file), "utf8").matchAll(/```yaml\n([\s\S]*?)```/g)]
          .map((match) => match[1] ?? "")
          .filter((yaml) => /^jobs:/m.test(yaml) && /^on:/m.test(yaml))
          .map((yaml, index) => ({ name: `${file} (workflow ${index + 1})`, yaml })),
      );
    expect(workflows.length).toBeGreaterThanOrEqual(2);
    const findings = workflows.flatMap(({ name, yaml }) => checkText(name, yaml));
    expect(formatFindings(findings)).toBe("");
  });
});
