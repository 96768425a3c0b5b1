import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fingerprintCode } from "../../../src/fingerprint/code-paths.ts";
import { fingerprintDataPaths } from "../../../src/fingerprint/data-paths.ts";

function repo(): { dir: string; git: (...args: string[]) => string } {
  const dir = mkdtempSync(join(tmpdir(), "mlops-code-"));
  const git = (...args: string[]): string =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  git("init", "-q");
  mkdirSync(join(dir, "src/pkg"), { recursive: true });
  writeFileSync(join(dir, "src/train.py"), "print('train')\n");
  writeFileSync(join(dir, "src/pkg/util.py"), "X = 1\n");
  writeFileSync(join(dir, "setup.cfg"), "[x]\n");
  writeFileSync(join(dir, ".gitignore"), "__pycache__/\n");
  git("add", ".");
  git("commit", "-qm", "init");
  return { dir, git };
}

describe("code fingerprint", () => {
  it("uses git object ids when the paths are clean", async () => {
    const { dir, git } = repo();
    const result = await fingerprintCode(dir, ["src", "setup.cfg"]);
    expect(result.dirty).toBe(false);
    expect(result.paths).toEqual([
      { path: "src", digest: git("rev-parse", "HEAD:src"), source: "git-tree" },
      { path: "setup.cfg", digest: git("rev-parse", "HEAD:setup.cfg"), source: "git-tree" },
    ]);
    const whole = await fingerprintCode(dir, ["."]);
    expect(whole.paths[0]).toEqual({
      path: ".",
      digest: git("rev-parse", "HEAD^{tree}"),
      source: "git-tree",
    });
  });

  it("ignores .gitignore'd files when deciding cleanliness", async () => {
    const { dir } = repo();
    mkdirSync(join(dir, "src/__pycache__"));
    writeFileSync(join(dir, "src/__pycache__/train.cpython-311.pyc"), "bytecode");
    expect((await fingerprintCode(dir, ["src"])).dirty).toBe(false);
  });

  it("hashes the files when a path has changes, and only that path is dirty", async () => {
    const { dir, git } = repo();
    writeFileSync(join(dir, "src/train.py"), "print('changed')\n");
    const result = await fingerprintCode(dir, ["src", "setup.cfg"]);
    expect(result.dirty).toBe(true);
    expect(result.paths[0]?.source).toBe("files");
    expect(result.paths[0]?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(result.paths[1]).toEqual({
      path: "setup.cfg",
      digest: git("rev-parse", "HEAD:setup.cfg"),
      source: "git-tree",
    });
    // The file digest is the same one data paths use, over the files git would commit.
    expect(result.paths[0]?.digest).toBe((await fingerprintDataPaths(dir, ["src"])).paths[0]?.digest);
  });

  it("counts an untracked file as a change, and a deleted one", async () => {
    const { dir } = repo();
    writeFileSync(join(dir, "src/new.py"), "new\n");
    const withNew = await fingerprintCode(dir, ["src"]);
    expect(withNew).toMatchObject({ dirty: true, paths: [{ source: "files" }] });
    rmSync(join(dir, "src/new.py"));
    rmSync(join(dir, "src/pkg/util.py"));
    const withDeleted = await fingerprintCode(dir, ["src"]);
    expect(withDeleted).toMatchObject({ dirty: true, paths: [{ source: "files" }] });
    expect(withDeleted.paths[0]?.digest).not.toBe(withNew.paths[0]?.digest);
  });

  it("hashes files outside a git work tree and calls that dirty", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-nogit-"));
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src/a.py"), "a\n");
    const result = await fingerprintCode(dir, ["src"]);
    expect(result).toMatchObject({ dirty: true, paths: [{ path: "src", source: "files" }] });
    await expect(fingerprintCode(dir, ["nope"])).rejects.toThrow(/Input 'code-paths' does not exist/);
  });
});
