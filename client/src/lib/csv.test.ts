import { describe, expect, it } from "vitest";
import { csvField, csvFilename, toCsv } from "./csv";

describe("csvField", () => {
  it("quotes only when needed", () => {
    expect(csvField("Initech")).toBe("Initech");
    expect(csvField("Initech, Inc.")).toBe('"Initech, Inc."');
    expect(csvField('The "Big" One')).toBe('"The ""Big"" One"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
  });
  it("writes numbers raw and nulls empty", () => {
    expect(csvField(-12.5)).toBe("-12.5");
    expect(csvField(0)).toBe("0");
    expect(csvField(null)).toBe("");
    expect(csvField(Number.NaN)).toBe("");
  });
  it("defuses spreadsheet formulas in text", () => {
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("@sum, x")).toBe('"\'@sum, x"');
  });
});

describe("toCsv", () => {
  it("writes a header and one CRLF line per row", () => {
    const csv = toCsv(
      [
        { header: "Customer", value: (r: { name: string; n: number }) => r.name },
        { header: "Verifications", value: (r) => r.n },
      ],
      [
        { name: "Initech", n: 1200 },
        { name: "Acme, Ltd", n: 3 },
      ],
    );
    expect(csv).toBe('Customer,Verifications\r\nInitech,1200\r\n"Acme, Ltd",3\r\n');
  });
});

describe("csvFilename", () => {
  it("slugs the parts", () => {
    expect(csvFilename("Top customers by usage", "2026-11")).toBe(
      "top-customers-by-usage-2026-11.csv",
    );
    expect(csvFilename("")).toBe("export.csv");
  });
});
