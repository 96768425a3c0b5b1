// Safe markdown building blocks. Everything a user controls (metric names, params, branch names, model
// names, rule text) goes through `escapeText` before it reaches a report: it cannot open HTML (`<img`),
// break a table row (`|`, newlines), start code or formatting (backticks, `*`, `[`), close the hidden
// marker comment (`-->`), ping anyone (`@user`), cross-reference issues (`#123`, `owner/repo#123`, `GH-123`),
// become a link (`https://…`, `www.…`: GitHub autolinks bare URLs) or reorder the text around it
// (bidirectional controls such as U+202E, the "Trojan Source" trick, are shown as `[U+202E]`). Mermaid
// labels and URLs have their own, stricter sanitisers.

/** A zero-width space as an entity: after `@` or `#` it stops GitHub's mention and issue autolinks. */
const ZERO_WIDTH = "&#8203;";

/** Bidirectional formatting characters: embeddings, overrides, isolates and the LRM/RLM marks. */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Escapes user text for inline markdown and table cells; cuts it to `maxChars` first. */
export function escapeText(text: string, maxChars = 300): string {
  // Line and paragraph separators end a table row, so they go too, along with other control characters.
  // eslint-disable-next-line no-control-regex
  let flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ");
  if (flat.length > maxChars) flat = `${flat.slice(0, maxChars)}…`;
  return (
    flat
      .replace(BIDI_CONTROLS, (char) => `[U+${char.charCodeAt(0).toString(16).toUpperCase()}]`)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/[\\`*_[\]|~$]/g, (char) => `\\${char}`)
      .replace(/#(?=\d)/g, `#${ZERO_WIDTH}`)
      .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZERO_WIDTH}`)
      // Autolinks: a scheme's "://", "www." and "mailto:"/"xmpp:" stop matching with the space inside.
      .replace(/([A-Za-z][A-Za-z0-9+.-]*:)(?=\/\/)/g, `$1${ZERO_WIDTH}`)
      .replace(/\b(mailto|xmpp):/gi, `$1:${ZERO_WIDTH}`)
      .replace(/\b(www)\./gi, `$1${ZERO_WIDTH}.`)
      .replace(/\b(GH)-(?=\d)/gi, `$1${ZERO_WIDTH}-`)
  );
}

/** One table row; the cells are already escaped (they contain no unescaped `|` or newline). */
export function tableRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => (cell === "" ? " " : cell)).join(" | ")} |`;
}

export function tableHeader(headings: readonly string[]): string {
  return `${tableRow(headings)}\n|${headings.map(() => "---").join("|")}|`;
}

/** Mermaid text (titles, axis labels) inside double quotes: a conservative character set, cut short. */
export function mermaidLabel(text: string, maxChars = 40): string {
  // No quotes, brackets, `%%` directives, backticks or fences can get through; other characters become _.
  const safe = text.replace(/[^A-Za-z0-9 _.\-/+=:]/g, "_").replace(/\s+/g, " ");
  return safe.length > maxChars ? `${safe.slice(0, maxChars - 1)}…` : safe;
}

/**
 * A number as Mermaid reads it: plain decimal notation. Mermaid's number token is
 * `[+-]?(\d+(\.\d+)?|\.\d+)`, so JavaScript's exponent form (1e+21 and above, 1e-7 and below) must be
 * written out digit by digit (1e+308 becomes 1 and 308 zeros), rounded to 6 significant digits first.
 */
export function mermaidNumber(value: number): string {
  if (!Number.isFinite(value)) return "0";
  const rounded = Number(value.toPrecision(6));
  const text = String(rounded === 0 ? 0 : rounded);
  const exponent = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (exponent === null) return text;
  const [, sign = "", lead = "", fraction = "", power = "0"] = exponent;
  const digits = lead + fraction;
  const point = 1 + Number(power); // where the decimal point goes in `digits`
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * A URL safe to put in `[text](url)`: http(s) only, with the characters that could end the link or a
 * table cell percent-encoded. Undefined for anything else (javascript:, relative paths, junk).
 */
export function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined || url === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
  return parsed.href.replace(
    /[()|'*_[\]<>"`\\ ]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

export function link(text: string, url: string | undefined): string {
  const safe = safeUrl(url);
  return safe === undefined ? escapeText(text) : `[${escapeText(text)}](${safe})`;
}

/**
 * The hidden marker that finds this gate's sticky comment again: `<!-- mlops-actions:gate:<key> -->`. The key
 * keeps only characters that cannot end the comment (no `>`, no `--`).
 */
export function commentMarker(key: string): string {
  const safe = key
    .replace(/[^A-Za-z0-9._:/ -]/g, "_")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "_")
    .slice(0, 100);
  return `<!-- mlops-actions:gate:${safe} -->`;
}

/** Sizes as the limit counts them: UTF-16 units for comments (≥ characters), UTF-8 bytes for summaries. */
export type Measure = (text: string) => number;
export const measureChars: Measure = (text) => text.length;
export const measureBytes: Measure = (text) => Buffer.byteLength(text, "utf8");

/**
 * A table that stops adding rows at `budget`, ending with a note of how many rows it left out (room
 * for the note is kept). Returns undefined when not even the header and note fit.
 */
export function boundedTable(
  header: string,
  rows: Iterable<string>,
  total: number,
  budget: number,
  measure: Measure,
  omittedNote: (omitted: number) => string,
): { text: string; shown: number } | undefined {
  const reserve = measure(omittedNote(total)) + 4;
  let used = measure(header) + reserve;
  if (used > budget) return undefined;
  const lines = [header];
  let shown = 0;
  for (const row of rows) {
    const size = measure(row) + 1;
    if (used + size > budget) break;
    lines.push(row);
    used += size;
    shown++;
  }
  let text = lines.join("\n");
  if (shown < total) text += `\n\n${omittedNote(total - shown)}`;
  return { text, shown };
}

/** Cuts text at a line boundary so that it (with the note) fits `limit`: the last-resort guarantee. */
export function cutToFit(text: string, limit: number, measure: Measure, note: string): string {
  if (measure(text) <= limit) return text;
  const room = limit - measure(note) - 2;
  let cut = text.slice(0, Math.max(0, room));
  while (cut.length > 0 && measure(cut) > room) cut = cut.slice(0, Math.floor(cut.length * 0.95));
  const newline = cut.lastIndexOf("\n");
  if (newline > 0) cut = cut.slice(0, newline);
  return `${cut}\n\n${note}`;
}
