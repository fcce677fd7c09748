import { describe, expect, it } from "vitest";
import {
  directoryCsvUrl,
  directorySearchSchema,
  hasFilters,
  nextSort,
  toDirectoryQuery,
} from "./search";
import { pagesFor } from "./paging";

const parse = (input: unknown) => directorySearchSchema.parse(input);

describe("directory search params", () => {
  it("parses a full view", () => {
    expect(
      parse({
        q: " acme ",
        plans: ["pro", "free"],
        statuses: ["low", "overage"],
        sort: "credits_left",
        dir: "desc",
      }),
    ).toEqual({
      q: "acme",
      plans: ["pro", "free"],
      statuses: ["low", "overage"],
      sort: "credits_left",
      dir: "desc",
    });
  });

  it("keeps an empty URL empty", () => {
    const parsed = parse({});
    expect(Object.values(parsed).every((v) => v === undefined)).toBe(true);
  });

  it("accepts comma-separated lists typed by hand", () => {
    expect(parse({ plans: "pro,free", statuses: "low,exhausted" })).toMatchObject({
      plans: ["pro", "free"],
      statuses: ["low", "exhausted"],
    });
  });

  it("drops malformed values one by one instead of failing the page", () => {
    const parsed = parse({
      q: 42,
      plans: ["pro", 7, "", "pro"],
      statuses: ["low", "bogus"],
      sort: "plan",
      dir: "sideways",
    });
    expect(parsed.q).toBeUndefined();
    expect(parsed.plans).toEqual(["pro"]);
    expect(parsed.statuses).toEqual(["low"]);
    expect(parsed.sort).toBeUndefined();
    expect(parsed.dir).toBeUndefined();
    expect(parse({ statuses: ["bogus"] }).statuses).toBeUndefined();
    expect(parse({ plans: [] }).plans).toBeUndefined();
    expect(parse({ q: "x".repeat(500) }).q).toBeUndefined();
  });

  it("fills in the default sort for the query", () => {
    expect(toDirectoryQuery({})).toEqual({ sort: "name", dir: "asc" });
    expect(toDirectoryQuery({ sort: "last_used" })).toEqual({ sort: "last_used", dir: "desc" });
    expect(toDirectoryQuery({ q: "", plans: [], sort: "forecast", dir: "desc" })).toEqual({
      sort: "forecast",
      dir: "desc",
    });
  });

  it("flips the sorted column and starts a new one in its natural direction", () => {
    expect(nextSort({}, "name")).toEqual({ sort: "name", dir: "desc" });
    expect(nextSort({ sort: "name", dir: "desc" }, "name")).toEqual({
      sort: undefined,
      dir: undefined,
    });
    expect(nextSort({}, "credits_left")).toEqual({ sort: "credits_left", dir: undefined });
    expect(nextSort({ sort: "credits_left" }, "credits_left")).toEqual({
      sort: "credits_left",
      dir: "desc",
    });
    expect(nextSort({ sort: "credits_left" }, "last_used")).toEqual({
      sort: "last_used",
      dir: undefined,
    });
  });

  it("knows when a view is filtered", () => {
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ sort: "forecast" })).toBe(false);
    expect(hasFilters({ statuses: ["low"] })).toBe(true);
  });
});

describe("CSV export URL", () => {
  it("carries the same search, filters and sort, without a window", () => {
    const url = directoryCsvUrl({
      q: "acme corp",
      plans: ["pro"],
      statuses: ["low"],
      sort: "percent_left",
      dir: "desc",
    });
    const parsed = new URL(url, "http://console.test");
    expect(parsed.pathname).toBe("/export/directory.csv");
    expect(JSON.parse(parsed.searchParams.get("input") ?? "")).toEqual({
      q: "acme corp",
      plans: ["pro"],
      statuses: ["low"],
      sort: "percent_left",
      dir: "desc",
    });
    expect(url).not.toMatch(/offset|limit/);
  });

  it("exports everything, sorted by default, for a plain view", () => {
    const parsed = new URL(directoryCsvUrl({}), "http://console.test");
    expect(JSON.parse(parsed.searchParams.get("input") ?? "")).toEqual({
      sort: "name",
      dir: "asc",
    });
  });

  it("encodes characters that would break the query string", () => {
    const url = directoryCsvUrl({ q: "a&b=c#d" });
    expect(url).not.toContain("&b=");
    expect(url).not.toContain("#");
    const input = new URL(url, "http://console.test").searchParams.get("input") ?? "";
    expect(JSON.parse(input)).toMatchObject({ q: "a&b=c#d" });
  });
});

describe("directory window pages", () => {
  it("covers the visible rows, page 0 excluded", () => {
    expect(pagesFor(0, 40)).toEqual([]);
    expect(pagesFor(90, 130)).toEqual([1]);
    expect(pagesFor(80_000, 80_040)).toEqual([800]);
    expect(pagesFor(199, 401)).toEqual([1, 2, 3, 4]);
    expect(pagesFor(10, 5)).toEqual([]);
  });
});
