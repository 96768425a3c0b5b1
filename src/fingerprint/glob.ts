// A small glob matcher for path lists (data-paths, code-paths): `*` and `?` within one path segment,
// `**` across segments, `[abc]`/`[!a-z]` classes and `{a,b}` alternatives. Wildcards also match names
// that start with a dot. We walk the tree ourselves (see tree-walk.ts) rather than use fs.glob, so that
// symlinks are never followed and every special file is seen and reported.

const GLOB_CHARS = /[*?[\]{}]/;

export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** The leading segments without glob characters: the folder the walk starts from ("" for the top). */
export function staticPrefix(pattern: string): string {
  const segments = pattern.split("/");
  const out: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (isGlob(segment)) break;
    out.push(segment);
  }
  return out.join("/");
}

/** A RegExp matching whole forward-slash relative paths. */
export function globToRegExp(pattern: string): RegExp {
  let out = "";
  let i = 0;
  let braces = 0;
  while (i < pattern.length) {
    const c = pattern[i] ?? "";
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        const atStart = i === 0 || pattern[i - 1] === "/";
        const atEnd = i + 2 === pattern.length || pattern[i + 2] === "/";
        if (atStart && atEnd) {
          if (pattern[i + 2] === "/") {
            out += "(?:[^/]*/)*"; // `**/`: zero or more whole segments
            i += 3;
          } else {
            out += ".*"; // trailing `**`: everything below
            i += 2;
          }
          continue;
        }
      }
      out += "[^/]*";
      i++;
    } else if (c === "?") {
      out += "[^/]";
      i++;
    } else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) {
        out += "\\[";
        i++;
        continue;
      }
      let body = pattern.slice(i + 1, close);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, "\\\\")}]`;
      i = close + 1;
    } else if (c === "{") {
      out += "(?:";
      braces++;
      i++;
    } else if (c === "}" && braces > 0) {
      out += ")";
      braces--;
      i++;
    } else if (c === "," && braces > 0) {
      out += "|";
      i++;
    } else {
      out += c.replace(/[.+^$()|\\{}]/g, "\\$&");
      i++;
    }
  }
  if (braces > 0) throw new Error(`unbalanced '{' in glob ${pattern}`);
  return new RegExp(`^${out}$`, "u");
}
