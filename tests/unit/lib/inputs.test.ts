import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/formats/errors.ts";
import { Inputs } from "../../../src/lib/inputs.ts";

function inputs(values: Record<string, string>): Inputs {
  return new Inputs((name) => values[name] ?? "");
}

describe("Inputs", () => {
  it("trims and treats empty as unset", () => {
    const i = inputs({ a: "  x  ", b: "   " });
    expect(i.optional("a")).toBe("x");
    expect(i.optional("b")).toBeUndefined();
    expect(i.string("b", "fallback")).toBe("fallback");
  });

  it("names the input, the value and the fix for a missing required input", () => {
    expect(() => inputs({}).required("model-path")).toThrow(
      /^Input 'model-path' is required but empty \(got ""\)\. Set 'model-path' under 'with:' in the step\.$/,
    );
  });

  it("parses booleans the way YAML users write them and rejects anything else", () => {
    const i = inputs({ a: "TRUE", b: "no", c: "maybe" });
    expect(i.boolean("a", false)).toBe(true);
    expect(i.boolean("b", true)).toBe(false);
    expect(i.boolean("unset", true)).toBe(true);
    expect(() => i.boolean("c", false)).toThrow(
      "Input 'c' is not a boolean (got \"maybe\"). Use 'true' or 'false'.",
    );
  });

  it("checks numbers, integers and ranges", () => {
    const i = inputs({ n: "2.5", days: "0", bad: "ten" });
    expect(i.number("n")).toBe(2.5);
    expect(() => i.number("n", { integer: true })).toThrow("is not a whole number");
    expect(() => i.number("days", { integer: true, min: 1, max: 90 })).toThrow(
      "Input 'days' is out of range (got \"0\"). Give a whole number from 1 to 90.",
    );
    expect(() => i.number("bad")).toThrow(InputError);
  });

  it("accepts a choice case-insensitively and lists the choices otherwise", () => {
    const i = inputs({ mode: "Always", other: "sometimes" });
    expect(i.choice("mode", ["auto", "always", "never"], "auto")).toBe("always");
    expect(() => i.choice("other", ["auto", "always", "never"], "auto")).toThrow(
      "Use one of: auto, always, never.",
    );
  });

  it("splits lines, dropping blanks and comments", () => {
    expect(inputs({ l: "a\n\n  # note\r\nb  \n" }).lines("l")).toEqual(["a", "b"]);
  });
});
