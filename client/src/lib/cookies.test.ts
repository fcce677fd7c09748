import { describe, expect, it } from "vitest";
import { readCookie } from "./cookies";

describe("readCookie", () => {
  it("finds a cookie among others", () => {
    expect(readCookie("a=1; csrf_token=abc%3D%3D; b=2", "csrf_token")).toBe("abc==");
    expect(readCookie("csrf_token=x", "csrf_token")).toBe("x");
  });

  it("does not match on a name suffix or a missing cookie", () => {
    expect(readCookie("xcsrf_token=nope", "csrf_token")).toBeUndefined();
    expect(readCookie("", "csrf_token")).toBeUndefined();
  });

  it("keeps a raw value that is not URI-encoded", () => {
    expect(readCookie("csrf_token=%E0%A4%A", "csrf_token")).toBe("%E0%A4%A");
  });
});
