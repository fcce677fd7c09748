/**
 * Ratelimits applied during keys.verifyKey: fixed windows aligned to multiples of `duration` on
 * the emulator clock (Unkey uses a sliding-window approximation; fixed windows make the sandbox's
 * behaviour exact and testable while keeping "N per window" semantics). Counters live in memory:
 * like Unkey's own, they are not durable state.
 */
import type { RatelimitRow } from "./store";

export interface RatelimitCheck {
  /** Counter scope: the owner (`key:<id>` or `identity:<id>`) plus the limit name. */
  scope: string;
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
  cost: number;
}

export interface RatelimitOutcome {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
  exceeded: boolean;
  remaining: number;
  /** Milliseconds until the current window resets. */
  reset: number;
}

export interface RequestedRatelimit {
  name: string;
  cost?: number;
  limit?: number;
  duration?: number;
}

/**
 * Which limits a verification applies: every autoApply limit plus the ones named in the request;
 * a key's limit overrides an identity's limit of the same name. Returns the names requested but
 * not configured anywhere (the API rejects those).
 */
export function selectRatelimits(
  keyId: string,
  keyLimits: RatelimitRow[],
  identityId: string | null,
  identityLimits: RatelimitRow[],
  requested: RequestedRatelimit[] | undefined,
): { checks: RatelimitCheck[]; unknown: string[] } {
  const byName = new Map<string, { row: RatelimitRow; scope: string }>();
  for (const row of identityLimits)
    byName.set(row.name, { row, scope: `identity:${identityId}:${row.name}` });
  for (const row of keyLimits) byName.set(row.name, { row, scope: `key:${keyId}:${row.name}` });

  const checks = new Map<string, RatelimitCheck>();
  for (const { row, scope } of byName.values()) {
    if (row.auto_apply !== 1) continue;
    checks.set(row.name, {
      scope,
      id: row.id,
      name: row.name,
      limit: row.lim,
      duration: row.duration,
      autoApply: true,
      cost: 1,
    });
  }
  const unknown: string[] = [];
  for (const req of requested ?? []) {
    const found = byName.get(req.name);
    if (!found) {
      unknown.push(req.name);
      continue;
    }
    checks.set(req.name, {
      scope: found.scope,
      id: found.row.id,
      name: req.name,
      limit: req.limit ?? found.row.lim,
      duration: req.duration && req.duration > 0 ? req.duration : found.row.duration,
      autoApply: found.row.auto_apply === 1,
      cost: req.cost ?? 1,
    });
  }
  return { checks: [...checks.values()], unknown };
}

export class RatelimitWindows {
  private readonly windows = new Map<string, { start: number; duration: number; used: number }>();

  /**
   * Check all limits at `now`; tokens are taken only if every limit passes, so a rejected
   * verification does not eat into the other windows.
   */
  apply(checks: RatelimitCheck[], now: number): RatelimitOutcome[] {
    const states = checks.map((c) => {
      const start = Math.floor(now / c.duration) * c.duration;
      const w = this.windows.get(c.scope);
      const used = w && w.start === start && w.duration === c.duration ? w.used : 0;
      return { c, start, used, exceeded: used + c.cost > c.limit };
    });
    const anyExceeded = states.some((s) => s.exceeded);
    return states.map(({ c, start, used, exceeded }) => {
      const after = anyExceeded ? used : used + c.cost;
      if (!anyExceeded) this.windows.set(c.scope, { start, duration: c.duration, used: after });
      return {
        id: c.id,
        name: c.name,
        limit: c.limit,
        duration: c.duration,
        autoApply: c.autoApply,
        exceeded,
        remaining: Math.max(0, c.limit - after),
        // The spec bounds `reset` to >= 1000 ms; a window closing sooner reports 1000.
        reset: Math.max(1000, start + c.duration - now),
      };
    });
  }

  clear(): void {
    this.windows.clear();
  }
}
