/**
 * Unit tests for the pure parts: form decoding, the search query parser, period arithmetic.
 */
import { describe, expect, it } from "vitest";
import { decodeForm, encodeForm } from "./form";
import { addIntervals, periodAt } from "./periods";
import { matchesQuery, parseQuery, validateQuery, type SearchFields } from "./search-query";

describe("decodeForm", () => {
  it("decodes nested objects, indexed and pushed arrays", () => {
    const body =
      "items[1][price]=p2&items[0][price]=p1&items[0][quantity]=2&expand[]=customer&expand[]=latest_invoice" +
      "&recurring[interval]=month&metadata[0]=zero&metadata[k%20ey]=&payload[value]=25&name=a%26b";
    expect(decodeForm(body)).toEqual({
      items: [{ price: "p1", quantity: "2" }, { price: "p2" }],
      expand: ["customer", "latest_invoice"],
      recurring: { interval: "month" },
      metadata: { "0": "zero", "k ey": "" },
      payload: { value: "25" },
      name: "a&b",
    });
  });

  it("round-trips what encodeForm (SDK-style) produces", () => {
    const params = { a: { b: [{ c: "1" }, { c: "2" }] }, d: "x y", e: ["f"] };
    expect(decodeForm(encodeForm(params))).toEqual(params);
  });

  it("rejects a key that is both a value and an object", () => {
    expect(() => decodeForm("a=1&a[b]=2")).toThrow(/mixes a value and nested fields/);
  });
});

describe("search query parser", () => {
  type Row = { email: string | null; created: number; metadata: Record<string, string> };
  const fields: SearchFields<Row> = {
    email: { kind: "string", get: (r) => r.email },
    created: { kind: "number", get: (r) => r.created },
    metadata: { kind: "metadata", get: (r) => r.metadata },
  };
  const row: Row = {
    email: "Amy@x.test",
    created: 100,
    metadata: { plan: "growth", "odd key": 'v"q' },
  };
  const m = (q: string) => {
    const query = parseQuery(q);
    validateQuery(query, fields, "customers");
    return matchesQuery(query, row, fields);
  };

  it("parses clauses, quotes with escapes, negation and combinators", () => {
    expect(parseQuery(`-metadata['odd key']:"v\\"q" OR created>=5`)).toEqual({
      combinator: "OR",
      clauses: [
        { field: "metadata", key: "odd key", operator: ":", value: 'v"q', negated: true },
        { field: "created", operator: ">=", value: 5, negated: false },
      ],
    });
    expect(m('metadata["odd key"]:"v\\"q"')).toBe(true);
    expect(m('email:"amy@x.test" created:100')).toBe(true);
    expect(m('email:"amy@x.test" created<100')).toBe(false);
    expect(m("created<100 OR created=100")).toBe(true);
    expect(m('email~"x.t"')).toBe(true);
  });

  it("rejects malformed queries", () => {
    for (const q of [
      'email:"open',
      "email",
      'email:"a" AND',
      'metadata[plan]:"x"',
      "created:abc",
    ]) {
      expect(() => m(q), q).toThrow(/Invalid query/);
    }
  });
});

describe("billing periods", () => {
  const at = (y: number, mo: number, d: number) => Date.UTC(y, mo, d, 0, 0, 0) / 1000;

  it("keeps the anchor's day of month, clamped to short months", () => {
    const jan31 = at(2026, 0, 31);
    expect(addIntervals(jan31, "month", 1, 1)).toBe(at(2026, 1, 28));
    expect(addIntervals(jan31, "month", 1, 2)).toBe(at(2026, 2, 31));
    expect(addIntervals(at(2027, 11, 31), "month", 1, 2)).toBe(at(2028, 1, 29));
    expect(addIntervals(at(2028, 1, 29), "year", 1, 1)).toBe(at(2029, 1, 28));
  });

  it("finds the period containing an instant, and the partial first period before an anchor", () => {
    const jan31 = at(2026, 0, 31);
    expect(periodAt(jan31, jan31, "month", 1, at(2026, 2, 1))).toEqual({
      start: at(2026, 1, 28),
      end: at(2026, 2, 31),
    });
    expect(periodAt(jan31, jan31, "month", 1, at(2026, 2, 31))).toEqual({
      start: at(2026, 2, 31),
      end: at(2026, 3, 30),
    });
    expect(periodAt(jan31, jan31, "week", 2, jan31 + 15 * 86_400)).toEqual({
      start: jan31 + 14 * 86_400,
      end: jan31 + 28 * 86_400,
    });
    expect(periodAt(at(2026, 1, 1), at(2026, 0, 20), "month", 1, at(2026, 0, 25))).toEqual({
      start: at(2026, 0, 20),
      end: at(2026, 1, 1),
    });
  });
});
