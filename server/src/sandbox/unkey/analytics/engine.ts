/**
 * analytics.getVerifications: parse → table allow-list → function allow-list → compile (rejecting
 * constructs outside the subset) → hourly quota → execute on SQLite → rows with ClickHouse-like
 * JSON values. Quota is counted only for queries that reach execution, as Unkey's quota lives in
 * ClickHouse and invalid queries never get there.
 */
import type Database from "better-sqlite3";
import { UnkeyApiError, errorTypes } from "../errors";
import { Compiler, type SqlType } from "./compile";
import { parseQuery } from "./parser";
import { validateQuery } from "./validate";

const HOUR_MS = 3_600_000;

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\" && i + 1 < pattern.length)
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, caseInsensitive ? "i" : "");
}

export class AnalyticsEngine {
  private readonly countSince: Database.Statement<[number]>;
  private readonly record: Database.Statement<[number]>;
  private readonly prune: Database.Statement<[number]>;
  private readonly clear: Database.Statement;
  private readonly likeCache = new Map<string, RegExp>();

  constructor(
    private readonly db: Database.Database,
    private readonly queriesPerHour: number,
  ) {
    this.countSince = db.prepare(
      "SELECT count(*) AS n FROM unkey_analytics_queries WHERE time > ?",
    );
    this.record = db.prepare("INSERT INTO unkey_analytics_queries (time) VALUES (?)");
    this.prune = db.prepare("DELETE FROM unkey_analytics_queries WHERE time <= ?");
    this.clear = db.prepare("DELETE FROM unkey_analytics_queries");
    // ClickHouse LIKE is case-sensitive (SQLite's is not), so LIKE/ILIKE go through this.
    db.function(
      "ch_like",
      { deterministic: true },
      (value: string | number | null, pattern: string | number | null, ci: number) => {
        if (value === null || pattern === null) return null;
        // SQLite hands UDFs only scalars (text, numbers, null), so String() is safe here.
        const key = `${Number(ci)}:${String(pattern)}`;
        let re = this.likeCache.get(key);
        if (!re) {
          re = likeToRegExp(String(pattern), ci === 1);
          if (this.likeCache.size > 1000) this.likeCache.clear();
          this.likeCache.set(key, re);
        }
        return re.test(String(value)) ? 1 : 0;
      },
    );
  }

  resetQuota(): void {
    this.clear.run();
  }

  /** Compile without executing (tests, diagnostics). */
  compile(sql: string, now: number) {
    const ast = parseQuery(sql);
    validateQuery(ast);
    return new Compiler(now).compile(ast);
  }

  run(sql: string, now: number): Record<string, unknown>[] {
    const compiled = this.compile(sql, now);

    // A rolling hour of the emulator clock.
    this.prune.run(now - HOUR_MS);
    const used = (this.countSince.get(now - HOUR_MS) as { n: number }).n;
    if (used >= this.queriesPerHour) {
      throw new UnkeyApiError(
        429,
        errorTypes.queryQuotaExceeded,
        `Workspace has exceeded its analytics query quota of ${this.queriesPerHour} queries per hour. Batch queries (e.g. GROUP BY external_id) and cache results.`,
      );
    }
    this.record.run(now);

    let rows: unknown[][];
    try {
      rows = this.db.prepare(compiled.sql).raw(true).all() as unknown[][];
    } catch (err) {
      throw new UnkeyApiError(
        400,
        errorTypes.analyticsQuery,
        `Query execution failed: ${(err as Error).message}`,
        [{ location: "body.query", message: (err as Error).message }],
      );
    }
    const convert = compiled.columns.map((c) => converter(c.type));
    return rows.map((r) => {
      const out: Record<string, unknown> = {};
      compiled.columns.forEach((c, i) => {
        out[c.name] = convert[i]!(r[i]);
      });
      return out;
    });
  }
}

/**
 * JSON values per ClickHouse type. Following the spec's example rows (`count: 1234`,
 * `time: 1696118400000`), integers are numbers and DateTime/Date values are unix milliseconds.
 */
function converter(type: SqlType): (v: unknown) => unknown {
  switch (type) {
    case "array":
      return (v) => (typeof v === "string" ? (JSON.parse(v) as unknown) : v === null ? [] : v);
    case "bool":
      return (v) => (v === null ? null : Number(v));
    case "string":
      return (v) =>
        v === null || typeof v === "string"
          ? v
          : typeof v === "number" || typeof v === "bigint"
            ? String(v)
            : JSON.stringify(v);
    case "int":
    case "datetime":
    case "date":
      return (v) => (typeof v === "number" ? Math.trunc(v) : typeof v === "bigint" ? Number(v) : v);
    default:
      return (v) => v;
  }
}
