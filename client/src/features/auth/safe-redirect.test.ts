import { describe, expect, it } from "vitest";
import { safeRedirect } from "./safe-redirect";

describe("safeRedirect", () => {
  it("keeps same-origin paths with their search", () => {
    expect(safeRedirect("/customers/acme-corp")).toBe("/customers/acme-corp");
    expect(safeRedirect("/customers?q=acme")).toBe("/customers?q=acme");
  });

  it("falls back to the directory for anything else", () => {
    for (const bad of [
      undefined,
      "",
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "javascript:alert(1)",
      "/\u0000//evil",
      "/sign-in",
      "/sign-in?redirect=%2Fcustomers",
    ]) {
      expect(safeRedirect(bad)).toBe("/customers");
    }
  });
});
