import { describe, expect, it } from "vitest";
import { SingleFlightCache, WriteEpoch, settle } from "./coalesce";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A cache over a fake clock and a write epoch, and a loader that counts and can be held open. */
function setup(ttlMs = 1_000) {
  let now = 0;
  const writes = new WriteEpoch();
  const cache = new SingleFlightCache<string>({
    now: () => now,
    ttlMs: () => ttlMs,
    epoch: () => writes.current,
  });
  const loads: { key: string; d: ReturnType<typeof deferred<string>> }[] = [];
  const load = (key: string) => () => {
    const d = deferred<string>();
    loads.push({ key, d });
    return d.promise;
  };
  return {
    cache,
    writes,
    loads,
    get: (key: string) => cache.get(key, load(key)),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("SingleFlightCache", () => {
  it("coalesces concurrent identical reads into one", async () => {
    const t = setup();
    const a = t.get("sub:cus_1");
    const b = t.get("sub:cus_1");
    const c = t.get("sub:cus_2");
    expect(t.loads.map((l) => l.key)).toEqual(["sub:cus_1", "sub:cus_2"]);
    t.loads[0]!.d.resolve("one");
    t.loads[1]!.d.resolve("two");
    await expect(Promise.all([a, b, c])).resolves.toEqual(["one", "one", "two"]);
  });

  it("reuses a settled answer within its TTL, then reads again", async () => {
    const t = setup(1_000);
    const first = t.get("k");
    t.loads[0]!.d.resolve("v1");
    await first;
    t.advance(999);
    await expect(t.get("k")).resolves.toBe("v1");
    expect(t.loads).toHaveLength(1);
    t.advance(1);
    const again = t.get("k");
    expect(t.loads).toHaveLength(2);
    t.loads[1]!.d.resolve("v2");
    await expect(again).resolves.toBe("v2");
  });

  it("with a TTL of 0 shares in-flight reads only", async () => {
    const t = setup(0);
    const a = t.get("k");
    const b = t.get("k");
    t.loads[0]!.d.resolve("v1");
    await expect(Promise.all([a, b])).resolves.toEqual(["v1", "v1"]);
    const c = t.get("k");
    expect(t.loads).toHaveLength(2);
    t.loads[1]!.d.resolve("v2");
    await expect(c).resolves.toBe("v2");
    expect(t.cache.size).toBe(0);
  });

  it("never keeps a failure: concurrent callers share it, the next caller reads again", async () => {
    const t = setup();
    const a = t.get("k");
    const b = t.get("k");
    t.loads[0]!.d.reject(new Error("503"));
    await expect(a).rejects.toThrow("503");
    await expect(b).rejects.toThrow("503");
    const c = t.get("k");
    expect(t.loads).toHaveLength(2);
    t.loads[1]!.d.resolve("ok");
    await expect(c).resolves.toBe("ok");
  });

  it("does not hand a read started before a write to a caller who comes after the write", async () => {
    const t = setup();
    const before = t.get("k"); // in flight when the write starts and finishes
    await t.writes.around(async () => {});
    const after = t.get("k");
    expect(t.loads).toHaveLength(2);
    t.loads[0]!.d.resolve("old");
    t.loads[1]!.d.resolve("new");
    await expect(before).resolves.toBe("old");
    await expect(after).resolves.toBe("new");
    // The new read is the one kept.
    await expect(t.get("k")).resolves.toBe("new");
    expect(t.loads).toHaveLength(2);
  });

  it("does not share a read with callers that come while a write is under way", async () => {
    const t = setup();
    const before = t.get("k");
    const write = deferred<void>();
    const writing = t.writes.around(() => write.promise);
    const during = t.get("k");
    write.resolve();
    await writing;
    const after = t.get("k");
    expect(t.loads).toHaveLength(3);
    for (const [i, l] of t.loads.entries()) l.d.resolve(`v${i}`);
    await expect(Promise.all([before, during, after])).resolves.toEqual(["v0", "v1", "v2"]);
  });

  it("drops a settled answer once a write has finished, even within its TTL", async () => {
    const t = setup(60_000);
    const first = t.get("k");
    t.loads[0]!.d.resolve("old");
    await first;
    await t.writes.around(async () => {});
    const next = t.get("k");
    expect(t.loads).toHaveLength(2);
    t.loads[1]!.d.resolve("new");
    await expect(next).resolves.toBe("new");
  });

  it("a write that fails or times out still counts as a write", async () => {
    const t = setup(60_000);
    const first = t.get("k");
    t.loads[0]!.d.resolve("old");
    await first;
    await expect(
      t.writes.around(() => Promise.reject(new Error("timeout: outcome unknown"))),
    ).rejects.toThrow("timeout");
    void t.get("k");
    expect(t.loads).toHaveLength(2);
  });

  it("delete forgets a key at once", async () => {
    const t = setup(60_000);
    const first = t.get("k");
    t.loads[0]!.d.resolve("v1");
    await first;
    t.cache.delete("k");
    void t.get("k");
    expect(t.loads).toHaveLength(2);
  });

  it("stays bounded: expired entries go first, then the oldest half", async () => {
    let now = 0;
    const cache = new SingleFlightCache<number>({ now: () => now, ttlMs: () => 10, maxEntries: 4 });
    for (let i = 0; i < 4; i++) await cache.get(`k${i}`, () => Promise.resolve(i));
    now = 11; // all four expired
    await cache.get("k4", () => Promise.resolve(4));
    expect(cache.size).toBe(1);
    for (let i = 5; i < 8; i++) await cache.get(`k${i}`, () => Promise.resolve(i));
    expect(cache.size).toBe(4);
    await cache.get("k8", () => Promise.resolve(8));
    expect(cache.size).toBe(3); // 4 live → oldest 2 dropped, then k8 added
    let reloaded = false;
    await cache.get("k4", () => {
      reloaded = true;
      return Promise.resolve(4);
    });
    expect(reloaded).toBe(true);
  });
});

describe("WriteEpoch", () => {
  it("moves when a write starts and again when it settles", async () => {
    const w = new WriteEpoch();
    const d = deferred<string>();
    const p = w.around(() => d.promise);
    expect(w.current).toBe(1);
    d.resolve("done");
    await expect(p).resolves.toBe("done");
    expect(w.current).toBe(2);
  });
});

describe("settle", () => {
  it("turns a rejection into a value, so an early read never rejects unobserved", async () => {
    await expect(settle(Promise.resolve(1))).resolves.toEqual({ ok: true, value: 1 });
    const err = new Error("x");
    await expect(settle(Promise.reject(err))).resolves.toEqual({ ok: false, error: err });
  });
});
