/**
 * Compiles the parsed ClickHouse subset to one SQLite statement over the emulator's tables.
 *
 * Values keep ClickHouse types at compile time (SqlType) so semantics follow ClickHouse:
 * DateTime/Date are carried as unix milliseconds; compared with or added to plain numbers they act
 * as seconds (DateTime) or days (Date), exactly like ClickHouse, so a query that is wrong against
 * production (`time >= now() - INTERVAL 7 DAY` on the Int64-millisecond raw `time`) is equally
 * wrong here instead of silently "working" in the sandbox.
 */
import {
  childExprs,
  type Expr,
  type Query,
  type Select,
  type SelectItem,
  type TableRef,
} from "./ast";
import { invalidQuery, unsupported } from "./errors";
import { aggregateFunctions } from "./functions";

export type SqlType = "int" | "float" | "string" | "datetime" | "date" | "array" | "bool" | "null";

interface C {
  sql: string;
  type: SqlType | "interval";
  /** Contains an aggregate call. */
  agg: boolean;
  /** Depends on no column (safe to evaluate once, e.g. for pushdown). */
  constant: boolean;
  /** For intervals: the unit; `sql` is then the amount. */
  unit?: string;
  /** Set when this is a plain string literal (for date parsing at compile time). */
  literal?: string;
}

export interface CompiledQuery {
  sql: string;
  columns: { name: string; type: SqlType }[];
}

interface Column {
  sql: string;
  type: SqlType;
}

interface Source {
  columns: Map<string, Column>;
  /** Names for `SELECT *`, in table order. */
  star: string[];
  names: Set<string>;
  from(bounds: { lower: string[]; upper: string[] }): string;
  /** For derived (bucketed) rollups: bucket size, so WHERE bounds on `time` can be pushed down. */
  bucketMs?: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WORKSPACE_ID = "ws_sandbox";

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

function rawColumns(): Map<string, Column> {
  return new Map<string, Column>([
    // Bulk-loaded history has no stored request id; one is derived from the row id.
    ["request_id", { sql: "coalesce(v.request_id, 'req_hist_' || v.rowid)", type: "string" }],
    ["time", { sql: "v.time", type: "int" }],
    ["workspace_id", { sql: q(WORKSPACE_ID), type: "string" }],
    ["key_space_id", { sql: "v.key_space_id", type: "string" }],
    ["external_id", { sql: "v.external_id", type: "string" }],
    ["key_id", { sql: "v.key_id", type: "string" }],
    ["outcome", { sql: "v.outcome", type: "string" }],
    ["region", { sql: "v.region", type: "string" }],
    ["source", { sql: "'api'", type: "string" }],
    ["app_id", { sql: "''", type: "string" }],
    ["tags", { sql: "v.tags", type: "array" }],
    ["spent_credits", { sql: "v.spent_credits", type: "int" }],
  ]);
}

function rollupColumns(timeType: SqlType): Map<string, Column> {
  return new Map<string, Column>([
    ["time", { sql: "v.time", type: timeType }],
    ["workspace_id", { sql: q(WORKSPACE_ID), type: "string" }],
    ["key_space_id", { sql: "v.key_space_id", type: "string" }],
    ["external_id", { sql: "v.external_id", type: "string" }],
    ["key_id", { sql: "v.key_id", type: "string" }],
    ["outcome", { sql: "v.outcome", type: "string" }],
    ["source", { sql: "'api'", type: "string" }],
    ["app_id", { sql: "''", type: "string" }],
    ["tags", { sql: "v.tags", type: "array" }],
    ["count", { sql: "v.count", type: "int" }],
    ["spent_credits", { sql: "v.spent_credits", type: "int" }],
  ]);
}

function tableSource(name: string): Source {
  const mk = (columns: Map<string, Column>, from: Source["from"], bucketMs?: number): Source => ({
    columns,
    star: [...columns.keys()],
    names: new Set([name]),
    from,
    bucketMs,
  });
  switch (name) {
    case "key_verifications_v1":
      return mk(rawColumns(), () => "unkey_verifications AS v");
    case "key_verifications_per_day_v1":
      return mk(rollupColumns("date"), () => "unkey_verifications_per_day AS v");
    case "key_verifications_per_month_v1":
      return mk(rollupColumns("date"), () => "unkey_verifications_per_month AS v");
    case "key_verifications_per_minute_v1":
    case "key_verifications_per_hour_v1": {
      const b = name === "key_verifications_per_hour_v1" ? HOUR : MINUTE;
      // Derived from raw events: the WHERE bounds on `time` are pushed into the inner scan.
      return mk(
        rollupColumns("datetime"),
        ({ lower, upper }) => {
          const where = [...lower.map((x) => `time >= ${x}`), ...upper.map((x) => `time < ${x}`)];
          return `(SELECT (time / ${b}) * ${b} AS time, key_space_id, key_id, external_id, outcome, tags,
              count(*) AS count, sum(spent_credits) AS spent_credits
            FROM unkey_verifications ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
            GROUP BY 1, key_space_id, key_id, external_id, outcome, tags) AS v`;
        },
        b,
      );
    }
    default:
      throw invalidQuery(`Unknown table '${name}'`);
  }
}

/** ClickHouse-style default names for unaliased expressions (`count()`, `plus(a, b)`). */
const binaryNames: Record<string, string> = {
  "+": "plus",
  "-": "minus",
  "*": "multiply",
  "/": "divide",
  "%": "modulo",
  "=": "equals",
  "!=": "notEquals",
  "<": "less",
  "<=": "lessOrEquals",
  ">": "greater",
  ">=": "greaterOrEquals",
  AND: "and",
  OR: "or",
  "||": "concat",
};

export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case "number":
      return e.text;
    case "string":
      return q(e.value);
    case "null":
      return "NULL";
    case "bool":
      return e.value ? "true" : "false";
    case "column":
      return e.name;
    case "star":
      return "*";
    case "call": {
      const lname = e.name.toLowerCase();
      const name = aggregateFunctions.has(lname) ? canonicalAggregate(lname) : e.name;
      const args = e.args
        .filter((a) => a.kind !== "star")
        .map(formatExpr)
        .join(", ");
      const params = e.params ? `(${e.params.map(formatExpr).join(", ")})` : "";
      return `${name}${params}(${e.distinct ? "DISTINCT " : ""}${args})`;
    }
    case "binary":
      return `${binaryNames[e.op]}(${formatExpr(e.left)}, ${formatExpr(e.right)})`;
    case "unary":
      return `${e.op === "-" ? "negate" : "not"}(${formatExpr(e.operand)})`;
    case "between":
      return `${e.negated ? "not" : ""}between(${formatExpr(e.operand)}, ${formatExpr(e.low)}, ${formatExpr(e.high)})`;
    case "in":
      return `${e.negated ? "notIn" : "in"}(${formatExpr(e.operand)}, (${(e.list ?? []).map(formatExpr).join(", ")}))`;
    case "like":
      return `${e.negated ? "not" : ""}${e.caseInsensitive ? "ilike" : "like"}(${formatExpr(e.operand)}, ${formatExpr(e.pattern)})`;
    case "isNull":
      return `${e.negated ? "isNotNull" : "isNull"}(${formatExpr(e.operand)})`;
    case "interval":
      return `toInterval${e.unit[0]}${e.unit.slice(1).toLowerCase()}(${formatExpr(e.value)})`;
    case "case":
      return "caseWithExpression(…)";
    case "array":
      return `[${e.items.map(formatExpr).join(", ")}]`;
    case "tuple":
      return `(${e.items.map(formatExpr).join(", ")})`;
    case "subquery":
      return "_subquery";
    case "cast":
      return `CAST(${formatExpr(e.operand)}, ${q(e.type)})`;
    case "lambda":
      return "lambda(…)";
    case "index":
      return `arrayElement(${formatExpr(e.operand)}, ${formatExpr(e.index)})`;
  }
}

function canonicalAggregate(lname: string): string {
  const map: Record<string, string> = {
    countif: "countIf",
    sumif: "sumIf",
    uniqexact: "uniqExact",
    grouparray: "groupArray",
    groupuniqarray: "groupUniqArray",
  };
  return map[lname] ?? lname;
}

/** Parse a ClickHouse date/datetime string literal to unix ms (UTC). */
export function parseDateLiteral(s: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?(Z|[+-]00:?00)?$/.exec(
      s.trim(),
    );
  if (!m) return undefined;
  const ms = Date.UTC(
    +m[1]!,
    +m[2]! - 1,
    +m[3]!,
    +(m[4] ?? 0),
    +(m[5] ?? 0),
    +(m[6] ?? 0),
    +(m[7] ?? "0").padEnd(3, "0"),
  );
  return Number.isNaN(ms) ? undefined : ms;
}

const isTime = (t: C["type"]) => t === "datetime" || t === "date";
const isNumeric = (t: C["type"]) => t === "int" || t === "float" || t === "bool";

interface Scope {
  source?: Source;
  /** Select-list aliases of the current SELECT (and WITH `expr AS name`). */
  aliases: Map<string, Expr>;
  withAliases: Map<string, Expr>;
  /** Aliases being expanded: inside `sum(count) AS count`, `count` is the column, not the alias. */
  resolving: Set<string>;
  /** Inside an aggregate's arguments (nested aggregates are an error). */
  inAggregate: boolean;
}

export class Compiler {
  private readonly ctes = new Map<string, Query>();

  constructor(private readonly now: number) {}

  compile(query: Query): CompiledQuery {
    return this.query(query, new Map());
  }

  private query(query: Query, outerWith: Map<string, Expr>): CompiledQuery {
    if (query.compound.length > 0) throw unsupported("UNION / EXCEPT / INTERSECT");
    const withAliases = new Map(outerWith);
    for (const w of query.with) {
      if (w.kind === "cte") this.ctes.set(w.name, w.query);
      else withAliases.set(w.name, w.expr);
    }
    return this.select(query.body, withAliases);
  }

  private source(ref: TableRef | undefined, withAliases: Map<string, Expr>): Source | undefined {
    if (!ref) return undefined;
    const withAlias = (s: Source) => {
      if (ref.alias) s.names.add(ref.alias);
      return s;
    };
    if (ref.kind === "tableFunction") throw unsupported("Table functions");
    if (ref.kind === "table" && !ref.database && this.ctes.has(ref.name)) {
      const s = this.derived(this.ctes.get(ref.name)!, withAliases);
      s.names.add(ref.name);
      return withAlias(s);
    }
    if (ref.kind === "table") return withAlias(tableSource(ref.name));
    return withAlias(this.derived(ref.query, withAliases));
  }

  private derived(query: Query, withAliases: Map<string, Expr>): Source {
    const inner = this.query(query, withAliases);
    const columns = new Map<string, Column>();
    inner.columns.forEach((c, i) => columns.set(c.name, { sql: `v.c${i}`, type: c.type }));
    return {
      columns,
      star: inner.columns.map((c) => c.name),
      names: new Set(),
      from: () => `(${inner.sql}) AS v`,
    };
  }

  private select(s: Select, withAliases: Map<string, Expr>): CompiledQuery {
    if (s.unsupported.length > 0) throw unsupported(s.unsupported[0]!);
    if (!s.from) throw invalidQuery("Query must have a FROM clause");
    const source = this.source(s.from, withAliases)!;

    // Expand `*` and collect aliases.
    const items: SelectItem[] = [];
    for (const item of s.items) {
      if (item.expr.kind === "star") {
        if (item.expr.qualifier && !source.names.has(item.expr.qualifier)) {
          throw invalidQuery(`Unknown table expression identifier '${item.expr.qualifier}'`);
        }
        for (const name of source.star) items.push({ expr: { kind: "column", name } });
      } else items.push(item);
    }
    const aliases = new Map<string, Expr>();
    for (const item of items) if (item.alias) aliases.set(item.alias, item.expr);
    const scope: Scope = { source, aliases, withAliases, resolving: new Set(), inAggregate: false };

    const cols = items.map((item) => {
      if (item.alias) scope.resolving.add(item.alias);
      try {
        return { item, c: this.expr(item.expr, scope) };
      } finally {
        if (item.alias) scope.resolving.delete(item.alias);
      }
    });
    for (const { c } of cols)
      if (c.type === "interval") throw invalidQuery("An INTERVAL cannot be returned as a column");

    const bounds: { lower: string[]; upper: string[] } = { lower: [], upper: [] };
    let where: C | undefined;
    if (s.where) {
      where = this.expr(s.where, scope);
      if (where.agg) throw invalidQuery("Aggregate function found in WHERE");
      if (source.bucketMs) this.pushdown(s.where, scope, source.bucketMs, bounds);
    }

    const groupKeys = s.groupBy.map((g) => this.groupExpr(g, items, scope));
    const orderScope = scope;
    const having = s.having ? this.expr(s.having, orderScope) : undefined;
    const aggregated =
      groupKeys.length > 0 || cols.some(({ c }) => c.agg) || (having?.agg ?? false);
    if (aggregated) {
      const keys = new Set(groupKeys.map((g) => g.sql));
      for (const { item } of cols) this.checkGrouped(item.expr, keys, scope);
    }

    const outNames = cols.map(({ item }) => item.alias ?? formatExpr(item.expr));
    const order = s.orderBy.map((o) => {
      const e = o.expr;
      let sql: string;
      if (e.kind === "number" && e.isInt) {
        if (e.value < 1 || e.value > cols.length)
          throw invalidQuery(`ORDER BY position ${e.value} is out of range`);
        sql = `c${e.value - 1}`;
      } else if (e.kind === "column" && !e.qualifier && outNames.includes(e.name)) {
        sql = `c${outNames.lastIndexOf(e.name)}`;
      } else {
        const c = this.expr(e, orderScope);
        if (aggregated && !c.agg)
          this.checkGrouped(e, new Set(groupKeys.map((g) => g.sql)), orderScope);
        sql = c.sql;
      }
      return `${sql} ${o.desc ? "DESC" : "ASC"}`;
    });

    let sql = `SELECT ${s.distinct ? "DISTINCT " : ""}${cols.map(({ c }, i) => `${this.output(c)} AS c${i}`).join(", ")}`;
    sql += ` FROM ${source.from(bounds)}`;
    if (where) sql += ` WHERE ${where.sql}`;
    if (groupKeys.length) sql += ` GROUP BY ${groupKeys.map((g) => g.sql).join(", ")}`;
    if (having) sql += ` HAVING ${having.sql}`;
    if (order.length) sql += ` ORDER BY ${order.join(", ")}`;
    const limit = s.limit ? this.constInt(s.limit, "LIMIT") : undefined;
    const offset = s.offset ? this.constInt(s.offset, "OFFSET") : undefined;
    if (limit !== undefined || offset !== undefined)
      sql += ` LIMIT ${limit ?? -1} OFFSET ${offset ?? 0}`;

    return {
      sql,
      columns: cols.map(({ c }, i) => ({ name: outNames[i]!, type: c.type as SqlType })),
    };
  }

  /** Arrays are stored as JSON text; wrap so nested JSON functions see arrays, not strings. */
  private output(c: C): string {
    return c.sql;
  }

  private constInt(e: Expr, what: string): number {
    if (e.kind === "number" && e.isInt) return e.value;
    throw unsupported(`A non-literal ${what}`);
  }

  private groupExpr(g: Expr, items: SelectItem[], scope: Scope): C {
    if (g.kind === "number" && g.isInt) {
      const item = items[g.value - 1];
      if (!item) throw invalidQuery(`GROUP BY position ${g.value} is out of range`);
      return this.expr(item.expr, scope);
    }
    const c = this.expr(g, scope);
    if (c.agg) throw invalidQuery("Aggregate function found in GROUP BY");
    return c;
  }

  /** ClickHouse rejects a column that is neither aggregated nor (part of) a GROUP BY key. */
  private checkGrouped(e: Expr, keys: Set<string>, scope: Scope): void {
    if (e.kind === "call" && aggregateFunctions.has(e.name.toLowerCase())) return;
    const c = this.expr(e, scope);
    if (c.constant || keys.has(c.sql)) return;
    const rec = (x: Expr | undefined) => x && this.checkGrouped(x, keys, scope);
    switch (e.kind) {
      case "column": {
        const alias = this.aliasFor(e, scope);
        if (alias && !scope.resolving.has(e.name)) {
          scope.resolving.add(e.name);
          try {
            this.checkGrouped(alias, keys, scope);
          } finally {
            scope.resolving.delete(e.name);
          }
          return;
        }
        throw invalidQuery(
          `Column \`${e.name}\` is not under aggregate function and not in GROUP BY keys`,
        );
      }
      default:
        // Aggregates returned early above; anything else is grouped when its parts are.
        childExprs(e).forEach(rec);
        return;
    }
  }

  /**
   * Push `time <op> constant` bounds from the top-level AND of WHERE into the raw scan of a
   * derived per-minute/per-hour rollup. Bounds are widened to whole buckets, so they only ever
   * admit a superset; the outer WHERE still decides.
   */
  private pushdown(
    e: Expr,
    scope: Scope,
    bucket: number,
    bounds: { lower: string[]; upper: string[] },
  ): void {
    if (e.kind === "binary" && e.op === "AND") {
      this.pushdown(e.left, scope, bucket, bounds);
      this.pushdown(e.right, scope, bucket, bounds);
      return;
    }
    const isTimeCol = (x: Expr) =>
      x.kind === "column" &&
      x.name === "time" &&
      (x.qualifier ? scope.source?.names.has(x.qualifier) === true : !this.aliasFor(x, scope));
    const asMs = (x: Expr): string | undefined => {
      const c = this.expr(x, scope);
      if (!c.constant || c.agg) return undefined;
      if (isTime(c.type)) return `(${c.sql})`;
      if (c.literal !== undefined) {
        const ms = parseDateLiteral(c.literal);
        return ms === undefined ? undefined : String(ms);
      }
      if (isNumeric(c.type)) return `((${c.sql}) * 1000)`;
      return undefined;
    };
    const add = (op: string, other: Expr) => {
      const ms = asMs(other);
      if (ms === undefined) return;
      if (op === ">=" || op === ">" || op === "=") bounds.lower.push(ms);
      if (op === "<=" || op === "<" || op === "=") bounds.upper.push(`(${ms} + ${bucket})`);
    };
    const flip: Record<string, string> = { ">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "=" };
    if (e.kind === "binary" && e.op in flip) {
      if (isTimeCol(e.left)) add(e.op, e.right);
      else if (isTimeCol(e.right)) add(flip[e.op]!, e.left);
    } else if (e.kind === "between" && !e.negated && isTimeCol(e.operand)) {
      add(">=", e.low);
      add("<=", e.high);
    }
  }

  private aliasFor(e: Extract<Expr, { kind: "column" }>, scope: Scope): Expr | undefined {
    if (e.qualifier) return undefined;
    return scope.aliases.get(e.name) ?? scope.withAliases.get(e.name);
  }

  private column(e: Extract<Expr, { kind: "column" }>, scope: Scope): C {
    const src = scope.source;
    if (e.qualifier && !src?.names.has(e.qualifier)) {
      throw invalidQuery(`Unknown identifier '${e.qualifier}.${e.name}'`);
    }
    const col = src?.columns.get(e.name);
    const alias = this.aliasFor(e, scope);
    if (alias !== undefined && !scope.resolving.has(e.name)) {
      // ClickHouse lets an alias be used anywhere in the query, and prefers it over a column of
      // the same name (except inside its own definition); inline its expression.
      scope.resolving.add(e.name);
      try {
        return this.expr(alias, scope);
      } finally {
        scope.resolving.delete(e.name);
      }
    }
    if (!col) throw invalidQuery(`Unknown identifier '${e.name}'`);
    return { sql: col.sql, type: col.type, agg: false, constant: false };
  }

  expr(e: Expr, scope: Scope): C {
    switch (e.kind) {
      case "number":
        return { sql: e.text, type: e.isInt ? "int" : "float", agg: false, constant: true };
      case "string":
        return { sql: q(e.value), type: "string", agg: false, constant: true, literal: e.value };
      case "null":
        return { sql: "NULL", type: "null", agg: false, constant: true };
      case "bool":
        return { sql: e.value ? "1" : "0", type: "bool", agg: false, constant: true };
      case "column":
        return this.column(e, scope);
      case "star":
        throw invalidQuery("'*' is only allowed as a whole select item or in count(*)");
      case "call":
        return this.call(e, scope);
      case "binary":
        return this.binary(e.op, this.expr(e.left, scope), this.expr(e.right, scope));
      case "unary": {
        const x = this.expr(e.operand, scope);
        if (e.op === "NOT")
          return { ...x, sql: `(NOT ${this.bool(x)})`, type: "bool", literal: undefined };
        if (!isNumeric(x.type)) throw invalidQuery("Unary minus needs a number");
        return { ...x, sql: `(-${x.sql})`, literal: undefined };
      }
      case "between": {
        const x = this.expr(e.operand, scope);
        const lo = this.binary(">=", x, this.expr(e.low, scope));
        const hi = this.binary("<=", x, this.expr(e.high, scope));
        const both = this.binary("AND", lo, hi);
        return e.negated ? { ...both, sql: `(NOT ${both.sql})` } : both;
      }
      case "in": {
        const x = this.expr(e.operand, scope);
        let list: string;
        let agg = x.agg;
        let constant = x.constant;
        if (e.subquery) {
          const sub = new Compiler(this.now);
          for (const [k, v] of this.ctes) sub.ctes.set(k, v);
          const inner = sub.query(e.subquery, scope.withAliases);
          if (inner.columns.length !== 1)
            throw invalidQuery("IN (SELECT …) must return exactly one column");
          list = `SELECT c0 FROM (${inner.sql})`;
          constant = false;
        } else {
          const items = (e.list ?? []).map((i) => {
            const c = this.expr(i, scope);
            agg ||= c.agg;
            constant &&= c.constant;
            return this.coerceAgainst(x, c);
          });
          if (items.length === 0)
            return { sql: e.negated ? "1" : "0", type: "bool", agg, constant: true };
          list = items.join(", ");
        }
        return {
          sql: `(${this.comparable(x)} ${e.negated ? "NOT IN" : "IN"} (${list}))`,
          type: "bool",
          agg,
          constant,
        };
      }
      case "like": {
        const x = this.expr(e.operand, scope);
        const p = this.expr(e.pattern, scope);
        const sql = `ch_like(${x.sql}, ${p.sql}, ${e.caseInsensitive ? 1 : 0})`;
        return {
          sql: e.negated ? `(NOT ${sql})` : sql,
          type: "bool",
          agg: x.agg || p.agg,
          constant: x.constant && p.constant,
        };
      }
      case "isNull": {
        const x = this.expr(e.operand, scope);
        return {
          ...x,
          sql: `(${x.sql} IS ${e.negated ? "NOT " : ""}NULL)`,
          type: "bool",
          literal: undefined,
        };
      }
      case "interval": {
        const x = this.expr(e.value, scope);
        if (!isNumeric(x.type)) throw invalidQuery("INTERVAL needs a number");
        return { sql: x.sql, type: "interval", unit: e.unit, agg: x.agg, constant: x.constant };
      }
      case "case": {
        const operand = e.operand ? this.expr(e.operand, scope) : undefined;
        let agg = operand?.agg ?? false;
        let constant = operand?.constant ?? true;
        let type: C["type"] = "null";
        const parts: string[] = [];
        for (const b of e.branches) {
          const w = this.expr(b.when, scope);
          const t = this.expr(b.then, scope);
          agg ||= w.agg || t.agg;
          constant &&= w.constant && t.constant;
          type = unify(type, t.type);
          parts.push(
            `WHEN ${operand ? this.coerceAgainst(operand, w) : this.bool(w)} THEN ${t.sql}`,
          );
        }
        let elseSql = "NULL";
        if (e.else) {
          const el = this.expr(e.else, scope);
          agg ||= el.agg;
          constant &&= el.constant;
          type = unify(type, el.type);
          elseSql = el.sql;
        }
        return {
          sql: `(CASE ${operand ? this.comparable(operand) + " " : ""}${parts.join(" ")} ELSE ${elseSql} END)`,
          type,
          agg,
          constant,
        };
      }
      case "array": {
        const items = e.items.map((i) => this.expr(i, scope));
        return {
          sql: `json_array(${items.map((i) => i.sql).join(", ")})`,
          type: "array",
          agg: items.some((i) => i.agg),
          constant: items.every((i) => i.constant),
        };
      }
      case "cast":
        return this.cast(e.operand, e.type, scope);
      case "tuple":
        throw unsupported("Tuples");
      case "subquery":
        throw unsupported("Scalar subqueries");
      case "lambda":
        throw unsupported("Lambda functions");
      case "index":
        throw unsupported("Array indexing");
    }
  }

  private bool(c: C): string {
    return c.sql;
  }

  /** The SQL to compare a value with: DateTime/Date compare as ms among themselves. */
  private comparable(c: C): string {
    return c.sql;
  }

  /** Render `other` so it compares correctly with `x` (string dates → ms, numbers vs DateTime). */
  private coerceAgainst(x: C, other: C): string {
    return this.comparePair(x, other)[1];
  }

  private comparePair(a: C, b: C): [string, string] {
    const lit = (t: C, against: C): string | undefined => {
      if (t.literal === undefined || !isTime(against.type)) return undefined;
      const ms = parseDateLiteral(t.literal);
      if (ms === undefined)
        throw invalidQuery(
          `Cannot parse '${t.literal}' as ${against.type === "date" ? "Date" : "DateTime"}`,
        );
      return String(against.type === "date" ? Math.floor(ms / DAY) * DAY : ms);
    };
    const la = lit(a, b);
    if (la !== undefined) return [la, b.sql];
    const lb = lit(b, a);
    if (lb !== undefined) return [a.sql, lb];
    // DateTime vs number compares seconds, Date vs number compares days (ClickHouse semantics).
    if (isTime(a.type) && isNumeric(b.type)) return [this.numeric(a), b.sql];
    if (isTime(b.type) && isNumeric(a.type)) return [a.sql, this.numeric(b)];
    if (isTime(a.type) && b.type === "string") return [a.sql, `(unixepoch(${b.sql}) * 1000)`];
    if (isTime(b.type) && a.type === "string") return [`(unixepoch(${a.sql}) * 1000)`, b.sql];
    return [a.sql, b.sql];
  }

  /** A value in numeric context: DateTime → seconds, Date → days. */
  private numeric(c: C): string {
    if (c.type === "datetime") return `(${c.sql} / 1000)`;
    if (c.type === "date") return `(${c.sql} / ${DAY})`;
    return c.sql;
  }

  private binary(op: string, a: C, b: C): C {
    const agg = a.agg || b.agg;
    const constant = a.constant && b.constant;
    switch (op) {
      case "AND":
      case "OR":
        return { sql: `(${this.bool(a)} ${op} ${this.bool(b)})`, type: "bool", agg, constant };
      case "=":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=": {
        if (a.type === "interval" || b.type === "interval")
          throw invalidQuery("Cannot compare an INTERVAL");
        const [x, y] = this.comparePair(a, b);
        return { sql: `(${x} ${op === "!=" ? "<>" : op} ${y})`, type: "bool", agg, constant };
      }
      case "||":
        return { sql: `(${this.str(a)} || ${this.str(b)})`, type: "string", agg, constant };
      case "+":
      case "-": {
        if (b.type === "interval" && isTime(a.type))
          return this.addInterval(a, b, op === "-" ? -1 : 1);
        if (a.type === "interval" && isTime(b.type) && op === "+") return this.addInterval(b, a, 1);
        if (a.type === "interval" || b.type === "interval")
          throw unsupported("This INTERVAL arithmetic");
        if (isTime(a.type) && isNumeric(b.type)) {
          // DateTime ± n adds seconds; Date ± n adds days.
          const unit = a.type === "date" ? DAY : 1000;
          return { sql: `(${a.sql} ${op} (${b.sql}) * ${unit})`, type: a.type, agg, constant };
        }
        if (isTime(a.type) && isTime(b.type) && op === "-") {
          const unit = a.type === "date" && b.type === "date" ? DAY : 1000;
          return { sql: `((${a.sql} - ${b.sql}) / ${unit})`, type: "int", agg, constant };
        }
        return this.arith(op, a, b);
      }
      case "*":
      case "%":
        return this.arith(op, a, b);
      case "/":
        // ClickHouse `/` is always floating-point division.
        this.requireNumbers(a, b, op);
        return {
          sql: `(CAST(${this.numeric(a)} AS REAL) / ${this.numeric(b)})`,
          type: "float",
          agg,
          constant,
        };
      default:
        throw invalidQuery(`Unknown operator ${op}`);
    }
  }

  private requireNumbers(a: C, b: C, op: string): void {
    for (const x of [a, b]) {
      if (!(isNumeric(x.type) || isTime(x.type) || x.type === "null")) {
        throw invalidQuery(`Illegal types of arguments for operator ${op}`);
      }
    }
  }

  private arith(op: string, a: C, b: C): C {
    this.requireNumbers(a, b, op);
    const type: SqlType = a.type === "float" || b.type === "float" ? "float" : "int";
    return {
      sql: `(${this.numeric(a)} ${op} ${this.numeric(b)})`,
      type,
      agg: a.agg || b.agg,
      constant: a.constant && b.constant,
    };
  }

  private addInterval(t: C, iv: C, sign: 1 | -1): C {
    const unit = iv.unit!;
    const agg = t.agg || iv.agg;
    const constant = t.constant && iv.constant;
    const fixed: Record<string, number> = {
      NANOSECOND: 1e-6,
      MICROSECOND: 1e-3,
      MILLISECOND: 1,
      SECOND: 1000,
      MINUTE: MINUTE,
      HOUR: HOUR,
      DAY: DAY,
      WEEK: 7 * DAY,
    };
    const ms = fixed[unit];
    // Adding a sub-day interval to a Date yields a DateTime in ClickHouse.
    const type: SqlType =
      t.type === "date" && (unit === "DAY" || unit === "WEEK" || !ms) ? "date" : "datetime";
    if (ms !== undefined) {
      const delta = ms >= 1 ? `(${iv.sql}) * ${ms}` : `CAST((${iv.sql}) * ${ms} AS INTEGER)`;
      return { sql: `(${t.sql} ${sign < 0 ? "-" : "+"} ${delta})`, type, agg, constant };
    }
    const months = unit === "MONTH" ? 1 : unit === "QUARTER" ? 3 : 12;
    // Calendar months clamp to the month's last day, like ClickHouse ('floor' modifier).
    const sql = `(unixepoch(${t.sql} / 1000, 'unixepoch', printf('%+d months', ${sign} * (${iv.sql}) * ${months}), 'floor') * 1000 + ${t.sql} % 1000)`;
    return { sql, type, agg, constant };
  }

  private str(c: C): string {
    switch (c.type) {
      case "datetime":
        return `strftime('%Y-%m-%d %H:%M:%S', ${c.sql} / 1000, 'unixepoch')`;
      case "date":
        return `strftime('%Y-%m-%d', ${c.sql} / 1000, 'unixepoch')`;
      case "string":
      case "null":
        return c.sql;
      default:
        return `CAST(${c.sql} AS TEXT)`;
    }
  }

  /** A time argument: DateTime/Date as is, a string literal parsed, anything else is an error. */
  private timeArg(c: C, fn: string): C {
    if (isTime(c.type)) return c;
    if (c.literal !== undefined) {
      const ms = parseDateLiteral(c.literal);
      if (ms !== undefined) return { ...c, sql: String(ms), type: "datetime", literal: undefined };
    }
    if (c.type === "string") return { ...c, sql: `(unixepoch(${c.sql}) * 1000)`, type: "datetime" };
    throw invalidQuery(
      `Illegal type ${chType(c.type)} of argument of function ${fn}; it expects a Date or DateTime`,
    );
  }

  private cast(operand: Expr, type: string, scope: Scope): C {
    const t = type.replace(/^Nullable\((.*)\)$/, "$1");
    const fn: Record<string, string> = {
      Int8: "toInt64",
      Int16: "toInt64",
      Int32: "toInt32",
      Int64: "toInt64",
      UInt8: "toInt64",
      UInt16: "toInt64",
      UInt32: "toInt64",
      UInt64: "toInt64",
      Float32: "toFloat64",
      Float64: "toFloat64",
      String: "toString",
      Date: "toDate",
      DateTime: "toDateTime",
    };
    const target = fn[t] ?? (t.startsWith("DateTime64") ? "toDateTime64" : undefined);
    if (!target) throw unsupported(`CAST to ${type}`);
    return this.call(
      { kind: "call", name: target, args: [operand], distinct: false, over: false },
      scope,
    );
  }

  private call(e: Extract<Expr, { kind: "call" }>, scope: Scope): C {
    const name = e.name.toLowerCase();
    if (e.over) throw unsupported("Window functions");
    const isAgg = aggregateFunctions.has(name);
    if (isAgg && scope.inAggregate)
      throw invalidQuery(`Aggregate function ${e.name} is found inside another aggregate function`);
    const argScope = isAgg ? { ...scope, inAggregate: true } : scope;
    const nonStar = e.args.filter((a) => a.kind !== "star");
    const args = nonStar.map((a) => this.expr(a, argScope));
    const agg = isAgg || args.some((a) => a.agg);
    const constant = !isAgg && args.every((a) => a.constant);
    const arity = (min: number, max = min) => {
      if (args.length < min || args.length > max) {
        throw invalidQuery(
          `Number of arguments for function ${e.name} doesn't match: passed ${args.length}`,
        );
      }
    };
    const a0 = () => args[0]!;
    const mk = (sql: string, type: C["type"], extra: Partial<C> = {}): C => ({
      sql,
      type,
      agg,
      constant,
      ...extra,
    });
    if (e.params && name !== "quantile")
      throw invalidQuery(`Function ${e.name} does not take parameters`);
    if (e.distinct && !["count", "sum", "avg", "uniq", "uniqexact", "grouparray"].includes(name)) {
      throw invalidQuery(`DISTINCT is not allowed in ${e.name}`);
    }
    const distinct = e.distinct ? "DISTINCT " : "";

    switch (name) {
      // ---- aggregates
      case "count":
        if (args.length === 0) return mk("count(*)", "int");
        arity(1);
        return mk(`count(${distinct}${a0().sql})`, "int");
      case "sum":
        arity(1);
        return mk(
          `coalesce(sum(${distinct}${this.numeric(a0())}), 0)`,
          a0().type === "float" ? "float" : "int",
        );
      case "avg":
        arity(1);
        return mk(`avg(${distinct}${this.numeric(a0())})`, "float");
      case "min":
      case "max":
        arity(1);
        return mk(`${name}(${a0().sql})`, a0().type);
      case "any":
        arity(1);
        return mk(`min(${a0().sql})`, a0().type);
      case "uniq":
      case "uniqexact":
        if (args.length !== 1) throw unsupported(`${e.name} with several arguments`);
        return mk(`count(DISTINCT ${a0().sql})`, "int");
      case "countif":
        arity(1);
        return mk(`coalesce(sum(CASE WHEN ${a0().sql} THEN 1 ELSE 0 END), 0)`, "int");
      case "sumif":
        arity(2);
        return mk(
          `coalesce(sum(CASE WHEN ${args[1]!.sql} THEN ${this.numeric(a0())} ELSE 0 END), 0)`,
          a0().type === "float" ? "float" : "int",
        );
      case "grouparray":
      case "groupuniqarray": {
        arity(1);
        const v = a0().type === "array" ? `json(${a0().sql})` : a0().sql;
        return mk(
          `json_group_array(${name === "groupuniqarray" || e.distinct ? "DISTINCT " : ""}${v})`,
          "array",
        );
      }
      case "quantile":
        throw unsupported("quantile");

      // ---- date/time
      case "now":
        arity(0, 1);
        return mk(String(Math.floor(this.now / 1000) * 1000), "datetime", { constant: true });
      case "now64":
        arity(0, 2);
        return mk(String(this.now), "datetime", { constant: true });
      case "today":
        arity(0);
        return mk(String(Math.floor(this.now / DAY) * DAY), "date", { constant: true });
      case "todate": {
        arity(1, 2);
        const x = a0();
        if (isNumeric(x.type)) return mk(`((${x.sql}) * 1000 / ${DAY} * ${DAY})`, "date");
        const t = this.timeArg(x, e.name);
        return mk(`(${t.sql} / ${DAY} * ${DAY})`, "date");
      }
      case "todatetime":
      case "todatetime64": {
        arity(1, 3);
        const tz = name === "todatetime" ? args[1] : args[2];
        if (tz && !(tz.literal === "UTC")) throw unsupported("Time zones other than UTC");
        const x = a0();
        if (isNumeric(x.type)) return mk(`CAST((${x.sql}) * 1000 AS INTEGER)`, "datetime");
        const t = this.timeArg(x, e.name);
        return mk(name === "todatetime" ? `(${t.sql} / 1000 * 1000)` : t.sql, "datetime");
      }
      case "tostartofminute":
      case "tostartofhour":
      case "tostartofday": {
        arity(1, 2);
        const b = name === "tostartofminute" ? MINUTE : name === "tostartofhour" ? HOUR : DAY;
        return mk(`(${this.timeArg(a0(), e.name).sql} / ${b} * ${b})`, "datetime");
      }
      case "tostartofweek": {
        arity(1, 3);
        const mode = args[1] ? Number(args[1].sql) : 0;
        if (!Number.isInteger(mode)) throw unsupported("A non-literal toStartOfWeek mode");
        // Day 0 (1970-01-01) was a Thursday: +4 makes Sunday 0, +3 makes Monday 0.
        const shift = mode % 2 === 1 ? 3 : 4;
        const days = `(${this.timeArg(a0(), e.name).sql} / ${DAY})`;
        return mk(`((${days} - ((${days} + ${shift}) % 7)) * ${DAY})`, "date");
      }
      case "tostartofmonth":
      case "tostartofyear": {
        arity(1, 2);
        const fmt = name === "tostartofmonth" ? "%Y-%m-01" : "%Y-01-01";
        return mk(
          `(unixepoch(strftime('${fmt}', ${this.timeArg(a0(), e.name).sql} / 1000, 'unixepoch')) * 1000)`,
          "date",
        );
      }
      case "date_trunc": {
        arity(2, 3);
        const unit = args[0]!.literal?.toLowerCase();
        const t = this.timeArg(args[1]!, e.name).sql;
        const fixed: Record<string, number> = {
          second: 1000,
          minute: MINUTE,
          hour: HOUR,
          day: DAY,
        };
        if (unit && fixed[unit]) return mk(`(${t} / ${fixed[unit]} * ${fixed[unit]})`, "datetime");
        if (unit === "week")
          return mk(`(((${t} / ${DAY}) - (((${t} / ${DAY}) + 3) % 7)) * ${DAY})`, "datetime");
        if (unit === "month")
          return mk(
            `(unixepoch(strftime('%Y-%m-01', ${t} / 1000, 'unixepoch')) * 1000)`,
            "datetime",
          );
        if (unit === "year")
          return mk(
            `(unixepoch(strftime('%Y-01-01', ${t} / 1000, 'unixepoch')) * 1000)`,
            "datetime",
          );
        if (unit === "quarter") {
          return mk(
            `(unixepoch(printf('%s-%02d-01', strftime('%Y', ${t} / 1000, 'unixepoch'), ((CAST(strftime('%m', ${t} / 1000, 'unixepoch') AS INTEGER) - 1) / 3) * 3 + 1)) * 1000)`,
            "datetime",
          );
        }
        throw unsupported(`date_trunc unit '${args[0]!.literal ?? "?"}'`);
      }
      case "formatdatetime": {
        arity(2, 3);
        const fmt = args[1]!.literal;
        if (fmt === undefined) throw unsupported("A non-literal formatDateTime format");
        return mk(
          `strftime(${q(this.strftimeFormat(fmt))}, ${this.timeArg(a0(), e.name).sql} / 1000.0, 'unixepoch')`,
          "string",
        );
      }
      case "fromunixtimestamp64milli":
        arity(1, 2);
        if (!isNumeric(a0().type))
          throw invalidQuery(`Illegal type ${chType(a0().type)} of argument of function ${e.name}`);
        return mk(a0().sql, "datetime");
      case "tounixtimestamp64milli":
        arity(1);
        return mk(this.timeArg(a0(), e.name).sql, "int");
      case "tointervalday":
      case "tointervalweek":
      case "tointervalmonth":
      case "tointervalyear":
      case "tointervalhour":
      case "tointervalminute":
      case "tointervalsecond":
      case "tointervalmillisecond":
      case "tointervalmicrosecond":
      case "tointervalnanosecond":
      case "tointervalquarter":
        arity(1);
        return mk(a0().sql, "interval", { unit: name.slice("tointerval".length).toUpperCase() });

      // ---- strings
      case "lower":
      case "upper":
      case "trim":
        arity(1);
        return mk(`${name}(${this.str(a0())})`, "string");
      case "substring":
        arity(2, 3);
        return mk(
          `substr(${this.str(a0())}, ${args[1]!.sql}${args[2] ? `, ${args[2].sql}` : ""})`,
          "string",
        );
      case "concat":
        if (args.length < 1) arity(1, 99);
        return mk(`(${args.map((a) => this.str(a)).join(" || ")})`, "string");
      case "length":
        arity(1);
        return mk(
          a0().type === "array"
            ? `json_array_length(${a0().sql})`
            : `length(CAST(${a0().sql} AS BLOB))`,
          "int",
        );
      case "startswith":
        arity(2);
        return mk(`(substr(${a0().sql}, 1, length(${args[1]!.sql})) = ${args[1]!.sql})`, "bool");
      case "endswith":
        arity(2);
        return mk(
          `(length(${args[1]!.sql}) = 0 OR substr(${a0().sql}, -length(${args[1]!.sql})) = ${args[1]!.sql})`,
          "bool",
        );
      case "jsonextractstring": {
        if (args.length < 2) arity(2, 99);
        const path = args.slice(1).map((k) => {
          if (k.literal === undefined) throw unsupported("Non-literal JSONExtractString keys");
          return `."${k.literal.replace(/"/g, '\\"')}"`;
        });
        const j = a0().sql;
        return mk(
          `coalesce(CASE WHEN json_valid(${j}) AND json_type(${j}, ${q("$" + path.join(""))}) = 'text' THEN json_extract(${j}, ${q("$" + path.join(""))}) END, '')`,
          "string",
        );
      }

      // ---- math
      case "round":
        arity(1, 2);
        if (a0().type === "int") return mk(a0().sql, "int");
        return mk(`round(${this.numeric(a0())}${args[1] ? `, ${args[1].sql}` : ""})`, "float");
      case "floor":
      case "ceil":
        arity(1, 2);
        if (args[1]) throw unsupported(`${e.name} with a precision`);
        return mk(
          a0().type === "int" ? a0().sql : `${name}(${this.numeric(a0())})`,
          a0().type === "int" ? "int" : "float",
        );
      case "abs":
        arity(1);
        return mk(`abs(${this.numeric(a0())})`, a0().type === "float" ? "float" : "int");

      // ---- conditionals
      case "if":
        arity(3);
        return mk(
          `(CASE WHEN ${a0().sql} THEN ${args[1]!.sql} ELSE ${args[2]!.sql} END)`,
          unify(args[1]!.type, args[2]!.type),
        );
      case "coalesce":
        if (args.length < 1) arity(1, 99);
        return mk(
          `coalesce(${args.map((a) => a.sql).join(", ")})`,
          args.reduce<C["type"]>((t, a) => unify(t, a.type), "null"),
        );
      case "case":
        throw unsupported("case() as a function (use CASE … END)");

      // ---- conversions
      case "tostring":
        arity(1, 2);
        return mk(this.str(a0()), "string");
      case "toint32":
      case "toint64":
        arity(1);
        return mk(`CAST(${this.numeric(a0())} AS INTEGER)`, "int");
      case "tofloat64":
        arity(1);
        return mk(`CAST(${this.numeric(a0())} AS REAL)`, "float");

      // ---- arrays
      case "has":
        arity(2);
        this.requireArray(a0(), e.name);
        return mk(
          `EXISTS (SELECT 1 FROM json_each(${a0().sql}) WHERE value = ${args[1]!.sql})`,
          "bool",
        );
      case "hasany":
        arity(2);
        this.requireArray(a0(), e.name);
        this.requireArray(args[1]!, e.name);
        return mk(
          `EXISTS (SELECT 1 FROM json_each(${a0().sql}) AS x WHERE x.value IN (SELECT value FROM json_each(${args[1]!.sql})))`,
          "bool",
        );
      case "hasall":
        arity(2);
        this.requireArray(a0(), e.name);
        this.requireArray(args[1]!, e.name);
        return mk(
          `NOT EXISTS (SELECT 1 FROM json_each(${args[1]!.sql}) AS y WHERE y.value NOT IN (SELECT value FROM json_each(${a0().sql})))`,
          "bool",
        );
      case "arrayjoin":
        throw unsupported("arrayJoin");
      case "arrayfilter":
        throw unsupported("arrayFilter");
      default:
        throw unsupported(`Function ${e.name}`);
    }
  }

  private requireArray(c: C, fn: string): void {
    if (c.type !== "array")
      throw invalidQuery(
        `Illegal type ${chType(c.type)} of argument of function ${fn}; it expects an Array`,
      );
  }

  private strftimeFormat(fmt: string): string {
    const map: Record<string, string> = {
      Y: "%Y",
      m: "%m",
      d: "%d",
      H: "%H",
      M: "%M",
      S: "%S",
      F: "%Y-%m-%d",
      T: "%H:%M:%S",
      j: "%j",
      w: "%w",
      "%": "%%",
      D: "%m/%d/%y",
      y: "%y",
      R: "%H:%M",
      e: "%e",
      u: "%u",
      I: "%I",
      p: "%p",
      s: "%S",
      i: "%M",
      n: "\n",
      t: "\t",
    };
    return fmt.replace(/%(.)/g, (_, ch: string) => {
      const r = map[ch];
      if (!r) throw unsupported(`formatDateTime specifier %${ch}`);
      return r;
    });
  }
}

function unify(a: C["type"], b: C["type"]): C["type"] {
  if (a === "null") return b;
  if (b === "null" || a === b) return a;
  if ((a === "int" && b === "float") || (a === "float" && b === "int")) return "float";
  if (isNumeric(a) && isNumeric(b)) return "int";
  if (isTime(a) && isTime(b)) return "datetime";
  return a;
}

function chType(t: C["type"]): string {
  const names: Record<C["type"], string> = {
    int: "Int64",
    float: "Float64",
    string: "String",
    datetime: "DateTime",
    date: "Date",
    array: "Array(String)",
    bool: "UInt8",
    null: "Nullable(Nothing)",
    interval: "Interval",
  };
  return names[t];
}
