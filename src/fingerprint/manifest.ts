// The digests that stand for a set of files. Both are sha256 over a text manifest, one line per file,
// sorted by path in byte order (as `LC_ALL=C sort`), so they can be reproduced with coreutils:
//
//   data digest:  "<sha256>  <path>\n"          - exactly the lines `sha256sum` prints
//   model digest: "<sha256>  <size>  <path>\n"
//
// A path holding a backslash or a line break is escaped as sha256sum does (the line starts with "\",
// and "\\", "\n", "\r" stand for the characters).
import { createHash } from "node:crypto";

export interface ManifestLine {
  path: string;
  sha256: string;
  size?: number;
}

export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function line(entry: ManifestLine, withSize: boolean): string {
  const escaped = entry.path.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  const prefix = escaped === entry.path ? "" : "\\";
  const size = withSize ? `${entry.size ?? 0}  ` : "";
  return `${prefix}${entry.sha256}  ${size}${escaped}\n`;
}

function manifestText(entries: readonly ManifestLine[], withSize = false): string {
  return [...entries]
    .sort((a, b) => byteOrder(a.path, b.path))
    .map((e) => line(e, withSize))
    .join("");
}

/** Digest over (path, sha256) pairs: sha256 of the sha256sum-style manifest. */
export function pathsDigest(entries: readonly ManifestLine[]): string {
  return sha256Hex(manifestText(entries));
}

/** Digest over (path, sha256, size) triples, as the model digest. */
export function filesDigest(entries: readonly ManifestLine[]): string {
  return sha256Hex(manifestText(entries, true));
}

/** What a symlink contributes to a digest: the hash of its target text (the target is not read). */
export function symlinkHash(target: string): string {
  return sha256Hex(`symlink\0${target}`);
}
