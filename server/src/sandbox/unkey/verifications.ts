/**
 * Verification events: the raw table plus the per-day and per-month rollups, kept consistent on
 * every insert (single verifications from keys.verifyKey, or bulk history from the seeder).
 */
import type Database from "better-sqlite3";
import type { VerificationRow } from "../core/contracts";

export interface StoredVerification {
  time: number;
  requestId: string | null;
  keySpaceId: string;
  keyId: string;
  externalId: string;
  outcome: VerificationRow["outcome"];
  region: string;
  tags: string[];
  spentCredits: number;
}

const DAY_MS = 86_400_000;

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function startOfUtcMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Tags are stored as a JSON array in the order given (ClickHouse rolls up equal arrays, order included). */
function encodeTags(tags: string[]): string {
  return JSON.stringify(tags);
}

export class VerificationStore {
  private readonly insertRaw: Database.Statement;
  private readonly upsertDay: Database.Statement;
  private readonly upsertMonth: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertRaw = db.prepare(
      `INSERT INTO unkey_verifications (time, request_id, key_space_id, key_id, external_id, outcome, region, tags, spent_credits)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsert = (table: string) =>
      db.prepare(
        `INSERT INTO ${table} (time, key_space_id, key_id, external_id, outcome, tags, count, spent_credits)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (time, key_id, outcome, external_id, tags)
         DO UPDATE SET count = count + excluded.count, spent_credits = spent_credits + excluded.spent_credits`,
      );
    this.upsertDay = upsert("unkey_verifications_per_day");
    this.upsertMonth = upsert("unkey_verifications_per_month");
  }

  insert(v: StoredVerification): void {
    const tags = encodeTags(v.tags);
    this.db.transaction(() => {
      this.insertRaw.run(
        v.time,
        v.requestId,
        v.keySpaceId,
        v.keyId,
        v.externalId,
        v.outcome,
        v.region,
        tags,
        v.spentCredits,
      );
      this.upsertDay.run(
        startOfUtcDay(v.time),
        v.keySpaceId,
        v.keyId,
        v.externalId,
        v.outcome,
        tags,
        1,
        v.spentCredits,
      );
      this.upsertMonth.run(
        startOfUtcMonth(v.time),
        v.keySpaceId,
        v.keyId,
        v.externalId,
        v.outcome,
        tags,
        1,
        v.spentCredits,
      );
    })();
  }

  /**
   * Bulk insert in one transaction. Rollups are aggregated in memory first so a million events
   * become a few hundred thousand upserts instead of two million.
   */
  insertMany(rows: Iterable<StoredVerification>): number {
    let n = 0;
    this.db.transaction(() => {
      type Agg = {
        time: number;
        ks: string;
        key: string;
        ext: string;
        outcome: string;
        tags: string;
        count: number;
        spent: number;
      };
      const day = new Map<string, Agg>();
      const month = new Map<string, Agg>();
      const monthStartCache = new Map<number, number>();
      const add = (map: Map<string, Agg>, time: number, v: StoredVerification, tags: string) => {
        const k = `${time}|${v.keyId}|${v.outcome}|${v.externalId}|${tags}`;
        const a = map.get(k);
        if (a) {
          a.count++;
          a.spent += v.spentCredits;
        } else {
          map.set(k, {
            time,
            ks: v.keySpaceId,
            key: v.keyId,
            ext: v.externalId,
            outcome: v.outcome,
            tags,
            count: 1,
            spent: v.spentCredits,
          });
        }
      };
      for (const v of rows) {
        const tags = encodeTags(v.tags);
        this.insertRaw.run(
          v.time,
          v.requestId,
          v.keySpaceId,
          v.keyId,
          v.externalId,
          v.outcome,
          v.region,
          tags,
          v.spentCredits,
        );
        const d = startOfUtcDay(v.time);
        let m = monthStartCache.get(d);
        if (m === undefined) {
          m = startOfUtcMonth(d);
          monthStartCache.set(d, m);
        }
        add(day, d, v, tags);
        add(month, m, v, tags);
        n++;
      }
      for (const a of day.values())
        this.upsertDay.run(a.time, a.ks, a.key, a.ext, a.outcome, a.tags, a.count, a.spent);
      for (const a of month.values())
        this.upsertMonth.run(a.time, a.ks, a.key, a.ext, a.outcome, a.tags, a.count, a.spent);
    })();
    return n;
  }

  list(filter: { keyId?: string; fromMs?: number; toMs?: number } = {}): VerificationRow[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.keyId !== undefined) {
      where.push("key_id = ?");
      params.push(filter.keyId);
    }
    if (filter.fromMs !== undefined) {
      where.push("time >= ?");
      params.push(filter.fromMs);
    }
    if (filter.toMs !== undefined) {
      where.push("time < ?");
      params.push(filter.toMs);
    }
    const sql = `SELECT time, key_id, outcome, tags, spent_credits, region FROM unkey_verifications
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY time, rowid`;
    const rows = this.db.prepare(sql).all(...params) as {
      time: number;
      key_id: string;
      outcome: VerificationRow["outcome"];
      tags: string;
      spent_credits: number;
      region: string;
    }[];
    return rows.map((r) => ({
      time: r.time,
      keyId: r.key_id,
      outcome: r.outcome,
      tags: JSON.parse(r.tags) as string[],
      spentCredits: r.spent_credits,
      region: r.region,
    }));
  }
}
