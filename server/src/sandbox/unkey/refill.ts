/**
 * Credit refills at 00:00 UTC of the emulator clock. The last processed instant is persisted so a
 * restarted sandbox neither refills twice nor skips a midnight it slept through, and every path
 * that observes time (clock advance, each request) catches up through the same function.
 */
import type Database from "better-sqlite3";

export const DAY_MS = 86_400_000;

/** Every UTC midnight m with fromMs < m <= toMs, ascending. */
export function midnightsBetween(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let m = Math.floor(fromMs / DAY_MS) * DAY_MS + DAY_MS; m <= toMs; m += DAY_MS) out.push(m);
  return out;
}

export function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** Whether a key with this refill config refills at the given UTC midnight. */
export function refillsAt(
  midnightMs: number,
  refill: { interval: "daily" | "monthly"; refillDay?: number | null },
): boolean {
  if (refill.interval === "daily") return true;
  const d = new Date(midnightMs);
  const day = d.getUTCDate();
  const last = daysInMonth(d.getUTCFullYear(), d.getUTCMonth());
  const refillDay = refill.refillDay ?? 1;
  // A refillDay past the month's end (31 in April, 30/31 in February) refills on its last day.
  return day === Math.min(refillDay, last);
}

const LAST_KEY = "refill:last";

export class RefillScheduler {
  private readonly getLast: Database.Statement<[string]>;
  private readonly setLast: Database.Statement<[string, string]>;
  private readonly apply: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.getLast = db.prepare("SELECT v FROM unkey_meta WHERE k = ?");
    this.setLast = db.prepare(
      "INSERT INTO unkey_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
    );
    // Refill replaces rather than adds, and never lowers a balance that is already >= amount.
    this.apply = db.prepare(`
      UPDATE unkey_keys SET remaining = refill_amount, updated_at = @at
      WHERE deleted_at IS NULL AND refill_interval IS NOT NULL AND remaining IS NOT NULL
        AND remaining < refill_amount
        AND (refill_interval = 'daily'
             OR (refill_interval = 'monthly'
                 AND (refill_day = @day OR (@day = @lastDay AND refill_day > @lastDay))))`);
  }

  /** The instant up to which refills have been applied; initialised to `now` on first use. */
  lastProcessed(now: number): number {
    const row = this.getLast.get(LAST_KEY) as { v: string } | undefined;
    if (row) return Number(row.v);
    this.setLast.run(LAST_KEY, String(now));
    return now;
  }

  /**
   * Apply refills for every midnight in (fromMs, toMs] not yet processed. Ranges are clamped to
   * the persisted watermark, so overlapping calls (clock listener + lazy catch-up) are harmless.
   * Returns the number of key refills applied.
   */
  run(fromMs: number, toMs: number): number {
    return this.db.transaction(() => {
      const last = this.lastProcessed(fromMs);
      const start = Math.max(fromMs, last);
      if (toMs <= start) return 0;
      let changed = 0;
      for (const m of midnightsBetween(start, toMs)) {
        const d = new Date(m);
        changed += this.apply.run({
          at: m,
          day: d.getUTCDate(),
          lastDay: daysInMonth(d.getUTCFullYear(), d.getUTCMonth()),
        }).changes;
      }
      this.setLast.run(LAST_KEY, String(toMs));
      return changed;
    })();
  }

  /** Catch up to `now` from the persisted watermark. */
  catchUp(now: number): number {
    const last = this.lastProcessed(now);
    // Cheap check first: most requests do not cross a midnight, and need no write.
    if (Math.floor(now / DAY_MS) <= Math.floor(last / DAY_MS)) return 0;
    return this.run(last, now);
  }
}
