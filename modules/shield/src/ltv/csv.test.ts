import { describe, expect, it } from "vitest";
import { CsvLineError, parseCsv } from "./csv.ts";

describe("parseCsv", () => {
  it("reads CRLF or LF lines, without a final newline, skipping blank lines and a BOM", () => {
    const t = parseCsv("\uFEFFID,x\r\n1, 2\r\n\r\n3,4");
    expect(t.header).toEqual(["ID", "x"]);
    expect(t.rows).toEqual([
      { line: 2, cells: ["1", "2"] },
      { line: 4, cells: ["3", "4"] },
    ]);
  });

  it("unquotes quoted cells, commas and doubled quotes inside included", () => {
    const t = parseCsv('id,name\n"a,1", "say ""hi"""\n');
    expect(t.rows[0]?.cells).toEqual(["a,1", 'say "hi"']);
  });

  it("names the line of an unclosed quote, and refuses an empty file", () => {
    expect(() => parseCsv('id\nok\n"broken\n')).toThrow(
      new CsvLineError(3, "a quoted cell is not closed"),
    );
    expect(() => parseCsv("\n\n")).toThrow(/line 1: the file is empty/);
  });
});
