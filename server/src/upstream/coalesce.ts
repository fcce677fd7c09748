/**
 * Sharing upstream reads without serving stale answers.
 *
 * `WriteEpoch` counts the writes an upstream client sends: it moves when a write starts and again
 * when it settles (succeeded, failed or timed out). A read remembers the epoch it started in;
 * `SingleFlightCache` shares a read — in flight, or settled within its TTL — only with callers
 * that arrive in the same epoch. So a caller that comes after one of the console's own writes has
 * finished never receives an answer that was requested before that write finished: it starts a
 * fresh read. Writes made elsewhere (another console, the Stripe dashboard) are bounded by the TTL,
 * which is why the TTLs stay short for anything a write can change.
 */

export class WriteEpoch {
  private n = 0;

  get current(): number {
    return this.n;
  }

  /** Runs a write, moving the epoch before it is sent and after it settles either way. */
  async around<T>(write: () => Promise<T>): Promise<T> {
    this.n++;
    try {
      return await write();
    } finally {
      this.n++;
    }
  }
}

interface Entry<V> {
  value: Promise<V>;
  /** The epoch the read started in; the entry serves callers of that epoch only. */
  epoch: number;
  expiresAt: number;
}

export interface SingleFlightOptions<V> {
  now: () => number;
  /** How long a settled answer is reused; 0 = only while in flight. Failures are never kept. */
  ttlMs: (value: V) => number;
  /** The writes that can change the answer (see `WriteEpoch`); omitted = none. */
  epoch?: () => number;
  maxEntries?: number;
}

/** A TTL map of promises: concurrent callers share one read; rejected reads are dropped. */
export class SingleFlightCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly maxEntries: number;

  constructor(private readonly opts: SingleFlightOptions<V>) {
    this.maxEntries = opts.maxEntries ?? 5_000;
  }

  private epoch(): number {
    return this.opts.epoch?.() ?? 0;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const epoch = this.epoch();
    const hit = this.entries.get(key);
    if (hit && hit.epoch === epoch && hit.expiresAt > this.opts.now()) return hit.value;
    if (hit) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.prune();
    const value = load();
    // Until it settles, the entry lives "forever" so concurrent callers join it.
    const entry: Entry<V> = { value, epoch, expiresAt: Number.POSITIVE_INFINITY };
    this.entries.set(key, entry);
    value.then(
      (v) => {
        entry.expiresAt = this.opts.now() + this.opts.ttlMs(v);
        if (entry.expiresAt <= this.opts.now() && this.entries.get(key) === entry) {
          this.entries.delete(key);
        }
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(): void {
    const now = this.opts.now();
    const epoch = this.epoch();
    for (const [k, e] of this.entries) {
      if (e.expiresAt <= now || e.epoch !== epoch) this.entries.delete(k);
    }
    // Still full (a burst of distinct keys): drop the oldest half, insertion order.
    if (this.entries.size >= this.maxEntries) {
      let drop = Math.floor(this.entries.size / 2);
      for (const k of this.entries.keys()) {
        if (drop-- <= 0) break;
        this.entries.delete(k);
      }
    }
  }
}

/** Both outcomes of a promise as a value, so a read started early never rejects unobserved. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}
