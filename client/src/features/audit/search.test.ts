import { describe, expect, it } from "vitest";
import { auditCsvUrl, auditFilters, auditSearchSchema, changedKeys } from "./search";

describe("auditSearchSchema", () => {
  it("keeps valid filters and drops malformed ones", () => {
    expect(
      auditSearchSchema.parse({
        actor: " a@b.c ",
        target: "",
        action: "grant",
        from: "2026-11-01",
        to: "nope",
        page: "3",
      }),
    ).toEqual({
      actor: "a@b.c",
      target: undefined,
      action: "grant",
      from: "2026-11-01",
      to: undefined,
      page: 3,
    });
  });
});

describe("auditFilters", () => {
  it("turns days into an inclusive UTC range", () => {
    expect(auditFilters({ from: "2026-11-01", to: "2026-11-02" })).toEqual({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-02T23:59:59.999Z",
    });
  });
  it("builds the CSV link with the same filters", () => {
    expect(auditCsvUrl({ action: "grant" })).toBe(
      `/export/audit.csv?input=${encodeURIComponent('{"action":"grant"}')}`,
    );
  });
});

describe("changedKeys", () => {
  it("lists keys whose values differ", () => {
    expect(changedKeys({ a: 1, b: 2 }, { a: 1, b: 3, c: 4 })).toEqual(["b", "c"]);
    expect(changedKeys(null, { x: 1 })).toEqual(["x"]);
  });
});
