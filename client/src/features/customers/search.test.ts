import { describe, expect, it } from "vitest";
import { customersSearchSchema } from "./search";

describe("customers search params", () => {
  it("keeps a trimmed query", () => {
    expect(customersSearchSchema.parse({ q: "  acme " })).toEqual({ q: "acme" });
    expect(customersSearchSchema.parse({})).toEqual({});
  });

  it("drops malformed values instead of failing the page", () => {
    expect(customersSearchSchema.parse({ q: 42 }).q).toBeUndefined();
    expect(customersSearchSchema.parse({ q: "x".repeat(500) }).q).toBeUndefined();
  });
});
