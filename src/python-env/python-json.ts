// Python's json.dumps, reproduced for the digests pipenv and poetry write into their lockfiles: both hash
// json.dumps(..., sort_keys=True) of TOML they parsed. TOML values reach us tagged by type (see
// PY_VALUE_SCRIPT) so that ints and floats keep their Python spelling (1.0 stays "1.0", big ints stay exact).

export type PyValue =
  | { s: string }
  | { i: string }
  | { f: string }
  | { b: boolean }
  | { x: string }
  | { z: null }
  | { a: PyValue[] }
  | { t: Record<string, PyValue> };

/** Python source that prints a TOML file (argv[1]) as a tagged PyValue tree. Needs Python 3.11+ (tomllib). */
export const PY_VALUE_SCRIPT = `
import json, sys
try:
    import tomllib
except ImportError:
    print(json.dumps({"error": "tomllib needs Python 3.11 or later"})); sys.exit(0)
def tag(v):
    if isinstance(v, bool): return {"b": v}
    if isinstance(v, int): return {"i": str(v)}
    if isinstance(v, float): return {"f": repr(v)}
    if isinstance(v, str): return {"s": v}
    if isinstance(v, list): return {"a": [tag(x) for x in v]}
    if isinstance(v, dict): return {"t": {k: tag(x) for k, x in v.items()}}
    return {"x": type(v).__name__}
try:
    with open(sys.argv[1], "rb") as f:
        print(json.dumps({"value": tag(tomllib.load(f))}))
except tomllib.TOMLDecodeError as e:
    print(json.dumps({"error": str(e)}))
`;

export class UnhashableValue extends Error {
  override readonly name = "UnhashableValue";
}

/** Python's None. */
export const NONE: PyValue = { z: null };

export function table(entries: Record<string, PyValue>): PyValue {
  return { t: entries };
}

export function get(value: PyValue | undefined, key: string): PyValue | undefined {
  return value !== undefined && "t" in value ? value.t[key] : undefined;
}

/** json.dumps(value, sort_keys=True, ensure_ascii=True) with the given separators. */
export function pythonJsonDumps(value: PyValue, separators: { item: string; key: string }): string {
  if ("s" in value) return pyString(value.s);
  if ("i" in value) return value.i;
  if ("f" in value) return pyFloat(value.f);
  if ("b" in value) return value.b ? "true" : "false";
  if ("z" in value) return "null";
  if ("x" in value) throw new UnhashableValue(`a TOML ${value.x} cannot be serialised by json.dumps`);
  if ("a" in value) return `[${value.a.map((v) => pythonJsonDumps(v, separators)).join(separators.item)}]`;
  const keys = Object.keys(value.t).sort(codePointOrder);
  const body = keys.map(
    (k) => `${pyString(k)}${separators.key}${pythonJsonDumps(value.t[k] as PyValue, separators)}`,
  );
  return `{${body.join(separators.item)}}`;
}

/** Python compares str by code point; JS's default sort compares UTF-16 units. */
function codePointOrder(a: string, b: string): number {
  // Code points, not grapheme clusters: Python's str ordering is by code point.
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** ensure_ascii: everything outside ' '..'~' is escaped, as \\uXXXX (UTF-16 units, lower-case hex). */
function pyString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

/** json.dumps writes inf and nan as Infinity / NaN (allow_nan=True); repr() already matches otherwise. */
function pyFloat(repr: string): string {
  if (repr === "inf") return "Infinity";
  if (repr === "-inf") return "-Infinity";
  if (repr === "nan") return "NaN";
  return repr;
}
