import { formatNumber, formatRateLimit } from "../../lib/format";

type Refill = { interval: "daily" | "monthly"; amount: number; refillDay: number | null };
type Pool = { name: string; limit: number; durationMs: number; scope: "identity" | "key" };

/** "10,000 daily", "50,000 monthly on day 1", "None". */
export function formatRefill(refill: Refill | null): string {
  if (!refill) return "None";
  const n = formatNumber(refill.amount);
  if (refill.interval === "daily") return `${n} daily`;
  return refill.refillDay === null
    ? `${n} monthly (subscription day)`
    : `${n} monthly on day ${refill.refillDay}`;
}

export type PoolChange = { name: string; scope: string; before: string; after: string };

/** Pools matched by name: what each one was and becomes ("—" when absent). */
export function poolChanges(before: Pool[], after: Pool[]): PoolChange[] {
  const names = [...new Set([...before.map((p) => p.name), ...after.map((p) => p.name)])];
  const fmt = (p: Pool | undefined) => (p ? formatRateLimit(p.limit, p.durationMs) : "—");
  return names.map((name) => {
    const b = before.find((p) => p.name === name);
    const a = after.find((p) => p.name === name);
    return { name, scope: (a ?? b)?.scope ?? "identity", before: fmt(b), after: fmt(a) };
  });
}
