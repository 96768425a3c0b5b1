// The rig's parsers against the runner's rules: environment files, workflow commands, masking, expressions.
import { describe, expect, it } from "vitest";
import { evaluateCondition, evaluateTemplate } from "../../../testing/rig/expressions.ts";
import { parseKeyValueFile, parsePathFile } from "../../../testing/rig/file-commands.ts";
import { CommandProcessor, parseCommand, SecretMasker } from "../../../testing/rig/workflow-commands.ts";

describe("parseKeyValueFile", () => {
  it("reads NAME=value lines, keeping '=' in values and skipping empty lines", () => {
    expect(parseKeyValueFile("a=1\n\nb=x=y\nc=\n", "output")).toEqual({ a: "1", b: "x=y", c: "" });
  });

  it("reads heredocs up to the newline before the delimiter, blank lines included", () => {
    const text = "report<<EOF\nline 1\n\nline 3\n\nEOF\nafter=1\nempty<<E2\nE2\n";
    expect(parseKeyValueFile(text, "output")).toEqual({
      report: "line 1\n\nline 3\n",
      after: "1",
      empty: "",
    });
  });

  it("decides the form by whichever of '=' and '<<' comes first", () => {
    expect(parseKeyValueFile("a=b<<c\n", "output")).toEqual({ a: "b<<c" });
    expect(parseKeyValueFile("a<<=D\nv\n=D\n", "output")).toEqual({ a: "v" });
  });

  it("throws the runner's errors for an unclosed heredoc, a missing name and a line without a form", () => {
    expect(() => parseKeyValueFile("x<<EOF\nvalue\n", "output")).toThrow(
      "Matching delimiter not found 'EOF'",
    );
    expect(() => parseKeyValueFile("=v\n", "output")).toThrow("Name must not be empty");
    expect(() => parseKeyValueFile("just words\n", "output")).toThrow("Invalid output format 'just words'");
  });

  it("reads GITHUB_PATH one directory a line", () => {
    expect(parsePathFile("/a\n\n/b\n")).toEqual(["/a", "/b"]);
  });
});

describe("parseCommand", () => {
  it("unescapes data and properties like the runner", () => {
    expect(parseCommand("::error file=a%2Cb.py,line=3,title=x%3Ay::50%25%0Adone")).toEqual({
      command: "error",
      properties: { file: "a,b.py", line: "3", title: "x:y" },
      data: "50%\ndone",
    });
  });

  it("ignores unknown commands, text around and properties without a value", () => {
    expect(parseCommand("::not-a-command::x")).toBeUndefined();
    expect(parseCommand("say ::error::x")).toBeUndefined();
    expect(parseCommand("  ::warning title=,line=2::x")).toEqual({
      command: "warning",
      properties: { line: "2" },
      data: "x",
    });
  });
});

describe("CommandProcessor", () => {
  it("masks from the moment a value is registered, and makes workspace files relative", () => {
    const masker = new SecretMasker();
    const processor = new CommandProcessor(masker, "/ws");
    expect(processor.processLine("token abc123")).toBe("token abc123");
    expect(processor.processLine("::add-mask::abc123")).toBe("::add-mask::***");
    expect(processor.processLine("token abc123 again")).toBe("token *** again");
    processor.processLine("::error file=/ws/src/a.py,line=4,col=2::bad abc123");
    expect(processor.effects.annotations).toEqual([
      { level: "error", message: "bad ***", file: "src/a.py", line: 4, col: 2 },
    ]);
  });

  it("warns on the deprecated ::set-output and fails the step when it has no name", () => {
    const processor = new CommandProcessor(new SecretMasker(), "/ws");
    processor.processLine("::set-output name=a::1");
    expect(processor.effects.outputs).toEqual({ a: "1" });
    expect(processor.effects.annotations[0]?.message).toMatch(/`set-output` command is deprecated/);
    expect(processor.effects.failed).toBe(false);
    processor.processLine("::set-output::1");
    expect(processor.effects.failed).toBe(true);
  });
});

describe("SecretMasker", () => {
  it("masks JSON- and URL-escaped forms and each line of a multi-line secret", () => {
    const masker = new SecretMasker();
    masker.add('p@ss "word"\nline two');
    expect(masker.mask('{"v":"p@ss \\"word\\"\\nline two"}')).toBe('{"v":"***"}');
    expect(masker.mask("u=p%40ss%20%22word%22%0Aline%20two")).toBe("u=***");
    expect(masker.mask("line two alone")).toBe("*** alone");
  });
});

describe("expressions", () => {
  const contexts = { github: { token: "t", repository: "o/r" }, runner: { temp: "/tmp/rt" } };

  it("expands templates, including '}}' inside string literals", () => {
    expect(evaluateTemplate("${{ runner.temp }}/m-${{ github.repository }}", contexts)).toBe("/tmp/rt/m-o/r");
    expect(evaluateTemplate("${{ format('{{{0}}}', github.token) }}", contexts)).toBe("{t}");
    expect(evaluateTemplate("plain", contexts)).toBe("plain");
    expect(() => evaluateTemplate("${{ nope.x }}", contexts)).toThrow(/nope/);
  });

  it("evaluates post-if with status functions, adding success() when none is called", () => {
    expect(evaluateCondition("always()", contexts, "failure")).toBe(true);
    expect(evaluateCondition("failure()", contexts, "failure")).toBe(true);
    expect(evaluateCondition("${{ success() }}", contexts, "failure")).toBe(false);
    expect(evaluateCondition("github.token == 't'", contexts, "failure")).toBe(false);
    expect(evaluateCondition("github.token == 't'", contexts, "success")).toBe(true);
    expect(evaluateCondition("cancelled()", contexts, "cancelled")).toBe(true);
  });
});
