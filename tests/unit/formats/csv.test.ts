import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../src/formats/errors.ts";
import { CsvParser, parseCsv } from "../../../src/formats/csv.ts";

const fields = (text: string): string[][] => parseCsv(text, "t.csv").map((r) => r.fields);

describe("CSV parser (RFC 4180)", () => {
  it("handles quotes, doubled quotes, delimiters and line breaks inside quotes, CRLF", () => {
    const text = 'a,"b,c","say ""hi"""\r\n"multi\r\nline",,x\r\n';
    expect(fields(text)).toEqual([
      ["a", "b,c", 'say "hi"'],
      ["multi\r\nline", "", "x"],
    ]);
  });

  it("gives the starting line of each row, counting breaks inside quotes", () => {
    const rows = parseCsv('h\n"a\nb"\nc\n', "t.csv");
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it("reads the last row without a final line break, drops blank lines and a BOM", () => {
    expect(fields("\uFEFFa,b\n\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("gives the same rows however the text is split into chunks", () => {
    const text = 'x,"y ""q"", z"\r\n"1\r\n2",3\r\n4,""\r\n';
    const whole = fields(text);
    for (let size = 1; size <= 7; size++) {
      const parser = new CsvParser("t.csv");
      const rows = [];
      for (let i = 0; i < text.length; i += size) rows.push(...parser.push(text.slice(i, i + size)));
      rows.push(...parser.end());
      expect(rows.map((r) => r.fields)).toEqual(whole);
    }
  });

  it("keeps a stray quote inside an unquoted field, as Python's csv does", () => {
    expect(fields('a"b,c\n')).toEqual([['a"b', "c"]]);
  });

  it("rejects text after a closing quote and an unterminated quote, naming the line", () => {
    expect(() => parseCsv('a\n"b"x,c\n', "d.csv")).toThrow(
      /^d\.csv:2: malformed CSV: text after the closing quote/,
    );
    try {
      parseCsv('a\nb,"c\nd\n', "d.csv");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/unterminated quoted field \(opened on line 2\)/);
    }
  });

  it("supports another delimiter", () => {
    expect(parseCsv("a\tb\n1\t2\n", "t.tsv", "\t").map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });
});
