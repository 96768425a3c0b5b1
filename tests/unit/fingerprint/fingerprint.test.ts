import { execFileSync, execSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/formats/errors.ts";
import { fingerprintDataPaths, parsePathList } from "../../../src/fingerprint/data-paths.ts";
import { hashFiles } from "../../../src/fingerprint/hash-pool.ts";
import { fingerprintModel } from "../../../src/fingerprint/model-files.ts";
import { canonicalJson, computeRunFingerprint } from "../../../src/fingerprint/run-fingerprint.ts";
import { symlinkHash } from "../../../src/fingerprint/manifest.ts";
import { globToRegExp } from "../../../src/fingerprint/glob.ts";

function tree(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "mlops-fp-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const sha = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");
/** Independently: sha256sum over the files under `path`, in C-locale path order, hashed. */
const sha256sumDigest = (cwd: string, path: string): string =>
  execSync(`find ${path} -type f | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum | cut -d' ' -f1`, {
    cwd,
    encoding: "utf8",
  }).trim();

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

describe("hashFiles", () => {
  it.each([
    [
      "in batches on 2 worker threads",
      { threads: 2, batchFiles: 7, largeFileBytes: 1 << 20, inThreadFiles: 0 },
    ],
    ["in this thread (small inputs)", {}],
  ])("matches sha256sum for empty, small, buffer-crossing and large files, %s", async (_how, options) => {
    const files = {
      "empty.bin": Buffer.alloc(0),
      "one.txt": "x",
      "crlf.txt": "a\r\nb\r\n",
      "buffer-plus-one.bin": bytes(4 * 1024 * 1024 + 1, 1),
      "large.bin": bytes(9 * 1024 * 1024 + 77, 2),
      ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`small/${i}.bin`, bytes(100 + i * 13, i)])),
    };
    const dir = tree(files);
    const names = Object.keys(files);
    const hashes = await hashFiles(
      names.map((name) => ({
        path: join(dir, name),
        size: Buffer.byteLength(files[name as keyof typeof files]),
      })),
      options,
    );
    const expected = execFileSync("sha256sum", names, { cwd: dir, encoding: "utf8" })
      .trim()
      .split("\n")
      .map((l) => l.slice(0, 64));
    expect(hashes.map((h) => h.sha256)).toEqual(expected);
    expect(hashes.map((h) => h.size)).toEqual(
      names.map((n) => Buffer.byteLength(files[n as keyof typeof files])),
    );
  });

  it("never blocks on a FIFO or follows a symlink handed to it (a file swapped after listing)", async () => {
    const dir = tree({ "real.txt": "r" });
    execFileSync("mkfifo", [join(dir, "pipe")]);
    symlinkSync("real.txt", join(dir, "link"));
    await expect(hashFiles([{ path: join(dir, "pipe"), size: 0, label: "pipe" }])).rejects.toThrow(
      /^pipe: cannot read the file to hash it \(it is no longer a regular file\)/,
    );
    await expect(hashFiles([{ path: join(dir, "link"), size: 0, label: "link" }])).rejects.toThrow(
      /^link: .*\(ELOOP\)/,
    );
  });

  it("names a file that vanished before hashing", async () => {
    await expect(hashFiles([{ path: "/nonexistent/x.bin", size: 1, label: "data/x.bin" }])).rejects.toThrow(
      /^data\/x\.bin: cannot read the file to hash it \(ENOENT\)/,
    );
  });
});

describe("data fingerprint", () => {
  const layout = {
    "data/train.csv": "a,b\n1,2\n",
    "data/test.csv": "a,b\n3,4\n",
    "data/sub/deep.parquet": bytes(5000, 3),
    "data/.hidden": "h",
    "other.txt": "o",
  };

  it("digests a folder as sha256 of the sha256sum lines in path order", async () => {
    const dir = tree(layout);
    const result = await fingerprintDataPaths(dir, ["data/"]);
    const entry = result.paths[0];
    expect(entry).toMatchObject({ path: "data/", files: 4, source: "files", notes: [] });
    expect(entry?.bytes).toBe(8 + 8 + 5000 + 1);
    expect(entry?.digest).toBe(sha256sumDigest(dir, "data"));
    expect(result.files).toBe(4);
  });

  it("is deterministic, and one changed byte changes the digest", async () => {
    const a = tree(layout);
    const b = tree(layout);
    const da = await fingerprintDataPaths(a, ["data", "other.txt"]);
    const db = await fingerprintDataPaths(b, ["other.txt", "data"]);
    expect(da.digest).toBe(db.digest); // same content, other order of entries
    appendFileSync(join(b, "data/sub/deep.parquet"), Buffer.from([0]));
    const changed = await fingerprintDataPaths(b, ["data", "other.txt"]);
    expect(changed.digest).not.toBe(da.digest);
    expect(changed.paths.find((p) => p.path === "other.txt")?.digest).toBe(da.paths[1]?.digest);
  });

  it("expands globs, taking matched folders whole", async () => {
    const dir = tree(layout);
    const csv = await fingerprintDataPaths(dir, ["data/**/*.csv"]);
    expect(csv.paths[0]?.files).toBe(2);
    expect(csv.paths[0]?.digest).toBe(sha256sumDigest(dir, "data -name '*.csv'"));
    const folders = await fingerprintDataPaths(dir, ["dat?/s*"]);
    expect(folders.paths[0]?.files).toBe(1);
    expect(globToRegExp("a/{b,c}/[!x]*.csv").test("a/c/y1.csv")).toBe(true);
    expect(globToRegExp("a/{b,c}/[!x]*.csv").test("a/c/x1.csv")).toBe(false);
    expect(globToRegExp("**/*.csv").test("top.csv")).toBe(true);
  });

  it("reports symlinks (not followed out of the tree) and FIFOs (never opened)", async () => {
    const dir = tree({ "data/a.csv": "1\n" });
    symlinkSync("/etc/passwd", join(dir, "data/outside"));
    symlinkSync("a.csv", join(dir, "data/inside"));
    execFileSync("mkfifo", [join(dir, "data/pipe")]);
    const result = await fingerprintDataPaths(dir, ["data"]);
    const entry = result.paths[0];
    expect(entry?.files).toBe(1);
    expect(entry?.bytes).toBe(2);
    expect(entry?.notes.join("\n")).toContain("2 symlink(s), not followed");
    expect(entry?.notes.join("\n")).toContain("data/outside -> /etc/passwd");
    expect(entry?.notes.join("\n")).toContain("data/pipe (fifo)");
    // The digest holds the file and both link targets, not the content behind the links.
    const lines = [
      `${sha("1\n")}  data/a.csv\n`,
      `${symlinkHash("a.csv")}  data/inside\n`,
      `${symlinkHash("/etc/passwd")}  data/outside\n`,
    ];
    expect(entry?.digest).toBe(sha(lines.join("")));
    // Re-pointing a link changes the digest.
    const other = tree({ "data/a.csv": "1\n" });
    symlinkSync("/etc/hosts", join(other, "data/outside"));
    symlinkSync("a.csv", join(other, "data/inside"));
    expect((await fingerprintDataPaths(other, ["data"])).paths[0]?.digest).not.toBe(entry?.digest);
  });

  it("counts a Git LFS pointer by the oid it names, like the pulled file", async () => {
    const content = bytes(3000, 9);
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha(content)}\nsize ${content.length}\n`;
    const pulled = await fingerprintDataPaths(tree({ "data/big.bin": content, "data/x.txt": "x" }), ["data"]);
    const notPulled = await fingerprintDataPaths(tree({ "data/big.bin": pointer, "data/x.txt": "x" }), [
      "data",
    ]);
    expect(notPulled.paths[0]?.source).toBe("lfs-pointer");
    expect(notPulled.paths[0]?.notes[0]).toMatch(/1 Git LFS pointer file\(s\).*data\/big\.bin/);
    expect(notPulled.paths[0]?.digest).toBe(pulled.paths[0]?.digest);
    expect(notPulled.paths[0]?.bytes).toBe(3001);
    expect(pulled.paths[0]?.source).toBe("files");
  });

  it("takes the hash from dvc.lock without reading the data", async () => {
    const lock = [
      "schema: '2.0'",
      "stages:",
      "  prepare:",
      "    cmd: python prepare.py",
      "    deps:",
      "    - path: data/raw.csv",
      "      hash: md5",
      "      md5: 0123456789abcdef0123456789abcdef",
      "      size: 1234",
      "    outs:",
      "    - path: data/prepared",
      "      hash: md5",
      "      md5: fedcba9876543210fedcba9876543210.dir",
      "      size: 99999",
      "      nfiles: 12",
      "",
    ].join("\n");
    const dir = tree({ "dvc.lock": lock, "data/raw.csv": "present but not read\n" });
    const result = await fingerprintDataPaths(dir, ["./data/prepared/", "data/raw.csv"]);
    expect(result.paths[0]).toMatchObject({ source: "dvc.lock", files: 12, bytes: 99999 });
    expect(result.paths[0]?.digest).toBe(sha("md5:fedcba9876543210fedcba9876543210.dir  data/prepared\n"));
    expect(result.paths[1]).toMatchObject({ source: "dvc.lock", files: 1, bytes: 1234 });
    expect(result.paths[1]?.notes[0]).toMatch(/stage 'prepare'/);
  });

  it("rejects an entry that matches nothing, naming the input", async () => {
    const dir = tree(layout);
    const error: unknown = await fingerprintDataPaths(dir, ["data/*.json"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe("data-paths");
    expect((error as Error).message).toContain('"data/*.json"');
    expect(await fingerprintDataPaths(dir, [])).toEqual({ paths: [], digest: "", files: 0, bytes: 0 });
    expect(parsePathList("data\n\n# comment\n  other.txt  \n")).toEqual(["data", "other.txt"]);
  });
});

describe("model fingerprint", () => {
  it("lists a folder's files and digests (sha256, size, path) lines", async () => {
    const dir = tree({
      "out/model/weights.bin": bytes(10_000, 4),
      "out/model/config.json": "{}",
      "out/model/sub/v.txt": "v",
    });
    const model = await fingerprintModel(dir, "out/model");
    expect(model.kind).toBe("directory");
    expect(model.files.map((f) => f.path)).toEqual(["config.json", "sub/v.txt", "weights.bin"]);
    expect(model.size).toBe(10_003);
    const manifest = execSync(
      "find . -type f | sed 's|^./||' | LC_ALL=C sort | while read f; do echo \"$(sha256sum \"$f\" | cut -d' ' -f1)  $(stat -c %s \"$f\")  $f\"; done | sha256sum | cut -d' ' -f1",
      { cwd: join(dir, "out/model"), encoding: "utf8", shell: "/bin/bash" },
    ).trim();
    expect(model.digest).toBe(`sha256:${manifest}`);
  });

  it("lists a single file under its name, warns about LFS pointers, rejects a missing path", async () => {
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha("m")}\nsize 1\n`;
    const dir = tree({ "model.pkl": "pickle", "ptr.bin": pointer });
    const model = await fingerprintModel(dir, "model.pkl");
    expect(model).toMatchObject({
      kind: "file",
      size: 6,
      files: [{ path: "model.pkl", sha256: sha("pickle"), size: 6 }],
    });
    expect((await fingerprintModel(dir, "ptr.bin")).notes[0]).toMatch(/Git LFS pointer/);
    await expect(fingerprintModel(dir, "missing.pkl")).rejects.toThrow(/Input 'model-path' does not exist/);
  });
});

describe("run fingerprint", () => {
  const base = {
    code: [{ path: "src", digest: "abc" }],
    data: [
      { path: "data", digest: "d1" },
      { path: "extra", digest: "d2" },
    ],
    params: { lr: 0.1, model: { C: 1, kernel: "rbf" } },
    lockfiles: [{ path: "requirements.txt", sha256: sha("r") }],
    command: "python train.py",
  };

  it("is stable under key and path order, and changes with any input", () => {
    const key = computeRunFingerprint(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(
      computeRunFingerprint({
        ...base,
        data: [...base.data].reverse(),
        params: { model: { kernel: "rbf", C: 1 }, lr: 0.1 },
      }),
    ).toBe(key);
    expect(computeRunFingerprint({ ...base, params: { ...base.params, lr: 0.2 } })).not.toBe(key);
    expect(computeRunFingerprint({ ...base, command: "python train.py --fast" })).not.toBe(key);
    expect(computeRunFingerprint({ ...base, schemaVersion: "2.0" })).not.toBe(key);
    expect(canonicalJson({ b: [1, { d: 2, c: undefined }], a: "x" })).toBe('{"a":"x","b":[1,{"d":2}]}');
  });
});
