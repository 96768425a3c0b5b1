import { describe, expect, it } from "vitest";
import { pythonJsonDumps, UnhashableValue } from "../../../src/python-env/python-json.ts";
import { python, tempFile, tomlValue } from "./support.ts";

// The same TOML through Python's own json.dumps, for comparison.
const DUMPS = `import json, sys, tomllib
data = tomllib.load(open(sys.argv[1], "rb"))
print(json.dumps(data, sort_keys=True, separators=(sys.argv[2], sys.argv[3])))`;

const TRICKY = `
title = "Grüße, 日本, emoji 🤖, quote \\" backslash \\\\ tab \\t bell \\u0007 del \\u007f"
big = 123456789012345678901
neg = -17
floats = [1.0, 0.1, 1e300, -0.0, 2.5e-8, inf, nan]
bools = [true, false]
empty = {}
nested = { z = 1, a = [ { b = "x" }, [] ], "Ä" = 2, "a b" = 3, "🤖" = 4, "ﬀ" = 5 }
[table]
"quoted key" = "v"
`;

describe("pythonJsonDumps reproduces json.dumps(sort_keys=True)", () => {
  it.each([
    ["compact separators (pipenv)", ",", ":"],
    ["default separators (poetry)", ", ", ": "],
  ])("%s", (_name, item, key) => {
    const expected = python(DUMPS, tempFile("t.toml", TRICKY), item, key);
    expect(pythonJsonDumps(tomlValue(TRICKY), { item, key })).toBe(expected);
  });

  it("refuses values json.dumps cannot serialise (TOML dates)", () => {
    expect(() => pythonJsonDumps(tomlValue("d = 2024-01-01"), { item: ",", key: ":" })).toThrow(
      UnhashableValue,
    );
  });
});
