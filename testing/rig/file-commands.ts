// The environment files a step writes (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE, GITHUB_PATH), parsed with the
// rules of the runner's FileCommandManager.

/**
 * Parse `NAME=value` lines and `NAME<<DELIMITER` … `DELIMITER` blocks. Whichever of `=` and `<<` comes first
 * on a line decides its form; a heredoc value is everything up to the newline before the delimiter line.
 * Throws the runner's message for a malformed file (the runner then fails the step).
 */
export function parseKeyValueFile(text: string, kind: string): Record<string, string> {
  const values: Record<string, string> = {};
  let index = 0;
  const readLine = (): { line: string; newline: string } | undefined => {
    if (index >= text.length) return undefined;
    const start = index;
    const lf = text.indexOf("\n", index);
    if (lf < 0) {
      index = text.length;
      return { line: text.slice(start), newline: "" };
    }
    index = lf + 1;
    return { line: text.slice(start, lf), newline: "\n" };
  };
  for (let next = readLine(); next !== undefined; next = readLine()) {
    const { line } = next;
    if (line === "") continue;
    const equals = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals);
      if (name === "") throw new Error(`Invalid ${kind} format '${line}'. Name must not be empty`);
      values[name] = line.slice(equals + 1);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === "" || delimiter === "") {
        throw new Error(
          `Invalid ${kind} format '${line}'. Name must not be empty and delimiter must not be empty`,
        );
      }
      const start = index;
      let end = index;
      for (let body = readLine(); ; body = readLine()) {
        if (body === undefined) {
          throw new Error(`Invalid ${kind} value. Matching delimiter not found '${delimiter}'`);
        }
        if (body.line === delimiter) break;
        end = index - body.newline.length;
      }
      values[name] = end > start ? text.slice(start, end) : "";
    } else {
      throw new Error(`Invalid ${kind} format '${line}'`);
    }
  }
  return values;
}

/** GITHUB_PATH: one directory a line; empty lines are ignored. */
export function parsePathFile(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}
