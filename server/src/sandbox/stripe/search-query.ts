/**
 * Stripe's search query language (https://docs.stripe.com/search#search-query-language), as a
 * tokenizer, a parser to a small AST, and an evaluator over resource-specific fields:
 *
 *   email:"amy@example.com"            exact match (case-insensitive for string fields)
 *   name~"acme"                        substring (string fields only, at least 3 characters)
 *   metadata["plan"]:"growth"          metadata key exact match (case-sensitive tokens)
 *   created>1700000000                 numeric comparators > < >= <= = and :
 *   -email:"x@y.z"                     negation
 *   email:null / -metadata["k"]:null   absence
 *   a:"1" b:"2", a:"1" AND b:"2", a:"1" OR b:"2"   (AND and OR cannot be mixed; no parentheses)
 */
import { StripeError } from "./errors";

export type Operator = ":" | "~" | ">" | "<" | ">=" | "<=" | "=";

export interface Clause {
  field: string;
  /** For `metadata["key"]`. */
  key?: string;
  operator: Operator;
  value: string | number | null;
  negated: boolean;
}

export interface Query {
  combinator: "AND" | "OR";
  clauses: Clause[];
}

export type FieldKind = "string" | "number" | "metadata" | "token";

export interface SearchField<T> {
  kind: FieldKind;
  /** The value to compare; for `metadata`, the whole map. */
  get(obj: T): unknown;
}

export type SearchFields<T> = Record<string, SearchField<T>>;

type Token =
  | { t: "word"; v: string; pos: number }
  | { t: "string"; v: string; pos: number }
  | { t: "op"; v: Operator; pos: number }
  | { t: "lbracket" | "rbracket" | "minus" | "paren"; pos: number };

const queryError = (message: string): StripeError =>
  new StripeError(400, { message, param: "query", code: "parameter_invalid_string" });

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] ?? "";
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      const start = i++;
      let v = "";
      while (i < q.length && q[i] !== c) {
        if (q[i] === "\\" && i + 1 < q.length) i++;
        v += q[i];
        i++;
      }
      if (i >= q.length)
        throw queryError(`Invalid query: unterminated string starting at position ${start}.`);
      i++;
      out.push({ t: "string", v, pos: start });
    } else if (c === "[" || c === "]") {
      out.push({ t: c === "[" ? "lbracket" : "rbracket", pos: i++ });
    } else if (c === "(" || c === ")") {
      out.push({ t: "paren", pos: i++ });
    } else if (c === "-" && (out.length === 0 || out.at(-1)?.t !== "op")) {
      out.push({ t: "minus", pos: i++ });
    } else if (c === ":" || c === "~" || c === "=") {
      out.push({ t: "op", v: c, pos: i++ });
    } else if (c === ">" || c === "<") {
      const op = q[i + 1] === "=" ? (`${c}=` as Operator) : c;
      out.push({ t: "op", v: op, pos: i });
      i += op.length;
    } else {
      const start = i;
      while (i < q.length && /[^\s"'[\]():~=<>]/.test(q[i] ?? "")) i++;
      out.push({ t: "word", v: q.slice(start, i), pos: start });
    }
  }
  return out;
}

export function parseQuery(q: string): Query {
  const tokens = tokenize(q);
  if (tokens.length === 0) throw queryError("Invalid query: the query is empty.");
  const clauses: Clause[] = [];
  let combinator: "AND" | "OR" | undefined;
  let i = 0;
  const peek = () => tokens[i];
  const fail = (tok: Token | undefined, what: string): never => {
    throw queryError(
      tok
        ? `Invalid query: ${what} at position ${tok.pos}.`
        : `Invalid query: ${what} at the end of the query.`,
    );
  };

  while (i < tokens.length) {
    if (clauses.length > 0) {
      const tok = peek();
      if (tok?.t === "word" && /^(and|or)$/i.test(tok.v)) {
        const c = tok.v.toUpperCase() as "AND" | "OR";
        if (combinator && combinator !== c) {
          throw queryError(
            "Invalid query: AND and OR operators cannot be combined in the same query.",
          );
        }
        combinator = c;
        i++;
      } else {
        // Clauses separated by whitespace are combined with AND.
        if (combinator === "OR") {
          throw queryError(
            "Invalid query: AND and OR operators cannot be combined in the same query.",
          );
        }
        combinator = "AND";
      }
    }
    let tok = peek();
    if (tok?.t === "paren") throw queryError("Invalid query: parentheses are not supported.");
    let negated = false;
    if (tok?.t === "minus") {
      negated = true;
      i++;
      tok = peek();
    }
    if (tok?.t !== "word") return fail(tok, "expected a field name");
    const field = tok.v;
    i++;
    let key: string | undefined;
    if (peek()?.t === "lbracket") {
      i++;
      const k = peek();
      if (k?.t !== "string") return fail(k, "expected a quoted key");
      key = k.v;
      i++;
      const close = peek();
      if (close?.t !== "rbracket") return fail(close, "expected ']'");
      i++;
    }
    const op = peek();
    if (op?.t !== "op") return fail(op, "expected an operator (:, ~, >, <, >=, <=, =)");
    i++;
    const val = peek();
    let value: string | number | null;
    if (val?.t === "string") value = val.v;
    else if (val?.t === "word" && val.v === "null") value = null;
    else if (val?.t === "word" && /^-?\d+(\.\d+)?$/.test(val.v)) value = Number(val.v);
    else if (val?.t === "minus" && tokens[i + 1]?.t === "word") {
      const w = tokens[i + 1] as { v: string };
      if (!/^\d+(\.\d+)?$/.test(w.v)) return fail(val, "expected a value");
      value = -Number(w.v);
      i++;
    } else return fail(val, "expected a quoted string, a number or null");
    i++;
    clauses.push({ field, ...(key !== undefined ? { key } : {}), operator: op.v, value, negated });
  }
  return { combinator: combinator ?? "AND", clauses };
}

/** Check every clause against the resource's fields and operators (before touching data). */
export function validateQuery<T>(query: Query, fields: SearchFields<T>, resource: string): void {
  for (const c of query.clauses) {
    const f = fields[c.field];
    if (!f) {
      throw queryError(
        `Field \`${c.field}\` is an unsupported search field for resource \`${resource}\`. See https://stripe.com/docs/search#query-fields-for-${resource} for a list of supported fields.`,
      );
    }
    if (f.kind === "metadata" && c.key === undefined) {
      throw queryError(
        `Invalid query: \`${c.field}\` needs a key, as in ${c.field}["key"]:"value".`,
      );
    }
    if (f.kind !== "metadata" && c.key !== undefined) {
      throw queryError(`Invalid query: \`${c.field}\` does not take a key.`);
    }
    const numericOp = c.operator !== ":" && c.operator !== "~";
    if (f.kind === "number") {
      if (c.operator === "~")
        throw queryError(`Invalid query: substring matching is not supported for \`${c.field}\`.`);
      if (typeof c.value === "string")
        throw queryError(`Invalid query: \`${c.field}\` takes a number.`);
    } else {
      if (numericOp)
        throw queryError(`Invalid query: \`${c.operator}\` is only supported for numeric fields.`);
      if (c.operator === "~") {
        if (f.kind !== "string")
          throw queryError(
            `Invalid query: substring matching is not supported for \`${c.field}\`.`,
          );
        if (typeof c.value !== "string" || c.value.length < 3) {
          throw queryError(
            "Invalid query: substring matching requires a value of at least 3 characters.",
          );
        }
      }
      if (typeof c.value === "number") {
        throw queryError(
          `Invalid query: string values must be quoted, as in ${c.field}:"${c.value}".`,
        );
      }
    }
  }
}

function clauseMatches<T>(c: Clause, obj: T, f: SearchField<T>): boolean {
  let actual = f.get(obj);
  if (f.kind === "metadata") {
    const map = (actual ?? {}) as Record<string, string>;
    actual = c.key !== undefined && Object.hasOwn(map, c.key) ? map[c.key] : null;
  }
  if (c.value === null) return actual === null || actual === undefined || actual === "";
  if (actual === null || actual === undefined) return false;
  if (f.kind === "number") {
    const a = Number(actual);
    const v = c.value as number;
    switch (c.operator) {
      case ">":
        return a > v;
      case "<":
        return a < v;
      case ">=":
        return a >= v;
      case "<=":
        return a <= v;
      default:
        return a === v;
    }
  }
  const a =
    typeof actual === "string" || typeof actual === "number"
      ? String(actual)
      : JSON.stringify(actual);
  const v = String(c.value);
  if (c.operator === "~") return a.toLowerCase().includes(v.toLowerCase());
  return f.kind === "string" ? a.toLowerCase() === v.toLowerCase() : a === v;
}

export function matchesQuery<T>(query: Query, obj: T, fields: SearchFields<T>): boolean {
  const results = query.clauses.map((c) => {
    const f = fields[c.field];
    if (!f) return false;
    const m = clauseMatches(c, obj, f);
    return c.negated ? !m : m;
  });
  return query.combinator === "AND" ? results.every(Boolean) : results.some(Boolean);
}
