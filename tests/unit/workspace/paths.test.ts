// The one rule for path inputs (src/workspace/paths.ts), on real files: symlinks, missing leaves, `..`.
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../../src/formats/errors.ts";
import {
  checkedFile,
  checkedPath,
  pathRoots,
  realPath,
  type PathRoots,
} from "../../../src/workspace/paths.ts";

let top: string;
let workspace: string;
let runnerTemp: string;
let outside: string;
let roots: PathRoots;

beforeEach(() => {
  top = realpathSync(mkdtempSync(join(tmpdir(), "mlops-paths-")));
  workspace = join(top, "workspace");
  runnerTemp = join(top, "runner-temp");
  outside = join(top, "outside");
  for (const dir of [join(workspace, "ml", "data"), runnerTemp, outside]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(outside, "secret"), "root:x:0:0\n");
  symlinkSync(outside, join(workspace, "link"));
  roots = pathRoots({ GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp }, []);
});

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error("not refused");
}

describe("checkedPath", () => {
  it("takes relative paths relative to the base and returns the real path", () => {
    writeFileSync(join(workspace, "ml", "metrics.json"), "{}");
    expect(checkedPath("metrics-file", "metrics.json", join(workspace, "ml"), roots)).toBe(
      join(workspace, "ml", "metrics.json"),
    );
    expect(checkedPath("data-paths", "../ml/data", join(workspace, "ml"), roots)).toBe(
      join(workspace, "ml", "data"),
    );
  });

  it("allows absolute paths inside the workspace and $RUNNER_TEMP", () => {
    expect(checkedPath("baseline", join(runnerTemp, "b.json"), workspace, roots)).toBe(
      join(runnerTemp, "b.json"),
    );
    expect(checkedPath("candidate", join(workspace, "ml"), workspace, roots)).toBe(join(workspace, "ml"));
  });

  it("refuses a `..` escape, naming the input, the value and the allowed roots", () => {
    const message = refusal(() =>
      checkedPath("data-paths", "../../../../etc/hostname", join(workspace, "ml"), roots),
    );
    expect(message).toMatch(
      /^Input 'data-paths' leads outside the folders actions may use \(it resolves to \/etc\/hostname\) \(got "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname"\)\. Allowed: the workspace \(.*\/workspace\), \$RUNNER_TEMP \(.*\/runner-temp\)\./,
    );
  });

  it("refuses a symlink out, at any level, and never says what the file holds", () => {
    const message = refusal(() => checkedPath("model-path", "link/secret", workspace, roots));
    expect(message).toContain(`it resolves to ${join(outside, "secret")}`);
    expect(message).not.toContain("root:x");
    expect(refusal(() => checkedPath("working-directory", "link", workspace, roots))).toMatch(
      /Input 'working-directory' leads outside/,
    );
  });

  it("resolves a path that does not exist yet through its deepest existing ancestor", () => {
    expect(checkedPath("model-path", "ml/out/model.pkl", workspace, roots)).toBe(
      join(workspace, "ml", "out", "model.pkl"),
    );
    expect(refusal(() => checkedPath("model-path", "link/new/model.pkl", workspace, roots))).toContain(
      `it resolves to ${join(outside, "new", "model.pkl")}`,
    );
  });

  it("follows a dangling symlink to where it would write", () => {
    symlinkSync(join(outside, "not-yet"), join(workspace, "ml", "model"));
    expect(realPath(join(workspace, "ml", "model"))).toBe(join(outside, "not-yet"));
    expect(refusal(() => checkedPath("model-path", "model", join(workspace, "ml"), roots))).toMatch(
      /leads outside/,
    );
  });

  it("admits the folders path-roots adds, and only absolute ones", () => {
    const withDatasets = pathRoots({ GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp }, [outside]);
    expect(checkedPath("data-paths", "link/secret", workspace, withDatasets)).toBe(join(outside, "secret"));
    expect(refusal(() => pathRoots({ GITHUB_WORKSPACE: workspace }, ["datasets"]))).toMatch(
      /^Input 'path-roots' must hold absolute folders \(got "datasets"\)/,
    );
  });

  it("does not take a sibling folder with the same prefix for the root", () => {
    mkdirSync(`${workspace}-evil`);
    expect(refusal(() => checkedPath("candidate", `${workspace}-evil/x.json`, workspace, roots))).toMatch(
      /leads outside/,
    );
  });
});

describe("checkedFile", () => {
  it("refuses a file no input names (a lockfile) that is a symlink out", () => {
    symlinkSync(join(outside, "secret"), join(workspace, "ml", "requirements.txt"));
    expect(() => checkedFile("requirements.txt", join(workspace, "ml", "requirements.txt"), roots)).toThrow(
      /^requirements\.txt leads outside the folders actions may use \(it resolves to .*\/outside\/secret\)/,
    );
  });
});
