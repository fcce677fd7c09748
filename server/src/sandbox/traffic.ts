/**
 * Keeps the demo alive: verifies seeded keys at a modest rate through the Unkey emulator's own
 * `keys.verifyKey`, so credits drain, ratelimits trip and analytics charts move while someone
 * watches the console. Keys are picked in proportion to how busy their customer is in the seeded
 * history; the three fixtures are left alone so tests and demos can rely on their balances.
 */
import type Database from "better-sqlite3";
import type { SandboxClock } from "./core/clock";
import type { UnkeyEmulatorApi } from "./core/contracts";
import { Rng } from "./world/random";

export interface TrafficOptions {
  /** Verifications per second (default 5). */
  ratePerSecond?: number;
  /** Also verify the fixtures' keys (default false: their balances stay as seeded). */
  includeFixtures?: boolean;
  /** Seed of the simulator's own PRNG. */
  seed?: number;
  /** Timer period in ms (default 200). */
  tickMs?: number;
}

export interface TrafficStats {
  sent: number;
  errors: number;
  /** Verification codes seen, e.g. `{VALID: 120, USAGE_EXCEEDED: 3}`. */
  codes: Record<string, number>;
}

interface TrafficKey {
  plaintext: string;
  cumulative: number;
}

const paths: readonly (readonly [string, number])[] = [
  ["/v1/search", 0.5],
  ["/v1/documents", 0.25],
  ["/v1/embeddings", 0.17],
  ["/v1/batch", 0.08],
];

export class TrafficSimulator {
  private readonly rate: number;
  private readonly tickMs: number;
  private readonly includeFixtures: boolean;
  private readonly rng: Rng;
  private keys: TrafficKey[] = [];
  private total = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastTick = 0;
  /** Fractional calls carried between ticks, so low rates still average out right. */
  private owed = 0;
  private busy = false;
  readonly stats: TrafficStats = { sent: 0, errors: 0, codes: {} };

  constructor(
    private readonly deps: {
      db: Database.Database;
      unkey: UnkeyEmulatorApi;
      clock: SandboxClock;
      log?: (msg: string) => void;
    },
    opts: TrafficOptions = {},
  ) {
    this.rate = Math.max(0, opts.ratePerSecond ?? 5);
    this.tickMs = Math.max(10, opts.tickMs ?? 200);
    this.includeFixtures = opts.includeFixtures ?? false;
    this.rng = new Rng(opts.seed ?? 7);
    this.reload();
  }

  get running(): boolean {
    return this.timer !== null;
  }

  get ratePerSecond(): number {
    return this.rate;
  }

  /** Re-read the key list (after a reset reseeded the world). */
  reload(): void {
    const rows = this.deps.db
      .prepare(
        `SELECT plaintext, weight FROM sandbox_traffic_keys ${this.includeFixtures ? "" : "WHERE fixture = 0"} ORDER BY key_id`,
      )
      .all() as { plaintext: string; weight: number }[];
    let acc = 0;
    this.keys = [];
    for (const r of rows) {
      if (r.weight <= 0) continue;
      acc += r.weight;
      this.keys.push({ plaintext: r.plaintext, cumulative: acc });
    }
    this.total = acc;
  }

  start(): void {
    if (this.timer || this.rate === 0) return;
    this.lastTick = Date.now();
    this.timer = setInterval(() => {
      // A timer callback must never reject: the sandbox would die on an unhandled rejection.
      this.tick().catch((err: unknown) => {
        this.stats.errors++;
        this.deps.log?.(`traffic: ${(err as Error).message}`);
      });
    }, this.tickMs);
    // The simulator alone must not keep a process (a test run, the CLI after close) alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.owed = 0;
  }

  /** Send the calls owed since the last tick (exposed for tests; the timer calls it). */
  async tick(): Promise<void> {
    if (this.busy) return;
    const now = Date.now();
    this.owed += ((now - this.lastTick) / 1000) * this.rate;
    this.lastTick = now;
    // After a long pause (a laptop sleeping) do not fire a burst of thousands of calls.
    this.owed = Math.min(this.owed, this.rate * 2 + 1);
    const n = Math.floor(this.owed);
    this.owed -= n;
    if (n > 0) await this.send(n);
  }

  /** Verify `n` random keys now. */
  async send(n: number): Promise<void> {
    if (this.keys.length === 0) return;
    this.busy = true;
    try {
      for (let i = 0; i < n; i++) {
        const key = this.pick();
        if (!key) return;
        try {
          const res = await this.deps.unkey.call("keys.verifyKey", {
            key: key.plaintext,
            tags: [`path:${this.rng.weighted(paths)}`, "source:traffic"],
          });
          this.stats.sent++;
          const code =
            (res.body as { data?: { code?: string } }).data?.code ?? `HTTP_${res.status}`;
          this.stats.codes[code] = (this.stats.codes[code] ?? 0) + 1;
        } catch (err) {
          this.stats.errors++;
          this.deps.log?.(`traffic: verify failed: ${(err as Error).message}`);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private pick(): TrafficKey | undefined {
    const target = this.rng.next() * this.total;
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.keys[mid]?.cumulative ?? 0) <= target) lo = mid + 1;
      else hi = mid;
    }
    return this.keys[lo];
  }
}
