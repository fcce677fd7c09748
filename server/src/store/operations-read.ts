/**
 * Read-only questions over the operations ledger for usage charts and finance, built on the
 * operations repository's own `list` (newest first). Nothing here writes.
 *
 * - `customerOperations`: every grant and plan change of one customer (a few per month).
 * - `billableGrantUnits`: credits of billable grants whose Stripe meter event is recorded, per
 *   customer, attributed to the meter event's own `timestamp` (what Stripe bills by). Rows are read
 *   newest first and the scan stops once rows were *created* more than `lookbackMs` before the
 *   earliest period asked about: an operation's meter timestamp is never before its creation, and an
 *   approval waits at most that long in practice (a grant approved later than that is missed).
 */
import type { OperationRow } from "./schema";
import type { operationsRepo } from "./operations";

type OperationsRepo = Pick<ReturnType<typeof operationsRepo>, "list">;

const PAGE = 2_000;

export async function customerOperations(
  ops: OperationsRepo,
  externalId: string,
  max = 5_000,
): Promise<OperationRow[]> {
  const out: OperationRow[] = [];
  for (let offset = 0; offset < max; offset += PAGE) {
    const { rows } = await ops.list({ externalId, limit: PAGE, offset });
    out.push(...rows);
    if (rows.length < PAGE) break;
  }
  return out;
}

function json(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** When a billable grant's meter event counts (ms), or null if it is not a recorded billable one. */
export function meterEventTime(row: OperationRow): number | null {
  if (row.kind !== "grant" || row.amount === null) return null;
  if (json(row.input_json).kind !== "billable") return null;
  const stripe = json(row.steps_json).stripe as { timestamp?: unknown } | undefined;
  return typeof stripe?.timestamp === "number" ? stripe.timestamp * 1000 : row.updated_at;
}

export interface BillableUnits {
  /** Per period asked: externalId → units. */
  periods: Map<string, number>[];
  /** Ledger rows read. */
  scanned: number;
}

/** States whose meter event Stripe has recorded. */
const RECORDED = ["stripe_applied", "done"] as const;

export async function billableGrantUnits(
  ops: OperationsRepo,
  periods: { from: number; to: number }[],
  lookbackMs: number,
): Promise<BillableUnits> {
  const out: BillableUnits = { periods: periods.map(() => new Map<string, number>()), scanned: 0 };
  const stopBefore = Math.min(...periods.map((p) => p.from)) - lookbackMs;
  for (const state of RECORDED) {
    for (let offset = 0; ; offset += PAGE) {
      const { rows } = await ops.list({ kind: "grant", state, limit: PAGE, offset });
      out.scanned += rows.length;
      for (const row of rows) {
        const t = meterEventTime(row);
        if (t === null) continue;
        periods.forEach((p, i) => {
          if (t < p.from || t >= p.to) return;
          const m = out.periods[i]!;
          m.set(row.external_id, (m.get(row.external_id) ?? 0) + (row.amount ?? 0));
        });
      }
      const last = rows[rows.length - 1];
      if (rows.length < PAGE || !last || last.created_at < stopBefore) break;
    }
  }
  return out;
}
