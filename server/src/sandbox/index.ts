/**
 * The sandbox: Unkey and Stripe emulators on loopback ports over one SQLite database, a seeded demo
 * world, a traffic simulator and the control API. The only entry the rest of the server (sandbox
 * mode) and the tests use.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { loadPlanCatalog, type PlanCatalog } from "../plans/catalog";
import { SandboxClock } from "./core/clock";
import { FaultInjector } from "./core/faults";
import { startEmulatorServer, type RunningEmulator } from "./core/http";
import { clockState, createControlHandler } from "./control";
import { StripeEmulator } from "./stripe";
import { TrafficSimulator, type TrafficOptions } from "./traffic";
import { UnkeyEmulator } from "./unkey";
import { defaultWorldOptions, type WorldOptions } from "./world/blueprint";
import { Rng } from "./world/random";
import {
  getMeta,
  migrateSandboxTables,
  setMeta,
  WORLD_SCHEMA_VERSION,
} from "./world/sandbox-tables";
import { seedWorld, type WorldStats } from "./world/seed-world";
import { obtainTemplate, templatePath } from "./world/template";

export const sandboxCredentials = {
  unkeyRootKey: "unkey_sandbox_root",
  unkeyApiId: "api_sandbox",
  stripeSecretKey: "sk_test_sandbox",
} as const;

export type SandboxCredentials = typeof sandboxCredentials;

export interface SandboxOptions {
  /** Folder for `sandbox.sqlite`; null keeps everything in memory (tests). */
  dataDir: string | null;
  /** World seed (default 42). */
  seed?: number;
  /** Loopback address to bind (default 127.0.0.1); anything else is refused. */
  host?: string;
  /** 0 or omitted = a free port. */
  unkeyPort?: number;
  stripePort?: number;
  /** Background verifications; default `{ratePerSecond: 5}`, false = none. */
  traffic?: false | TrafficOptions;
  /** World size; defaults: 300 customers, 90 days of history. */
  world?: { customers?: number; historyDays?: number };
  /**
   * The instant (ISO or unix ms) a fresh world is built at; the clock starts there. Default: now.
   * Tests pin it so fixtures' periods and refills are known.
   */
  startAt?: number | string;
  /**
   * Seed through a cached template in the OS temp folder (first load seeds it, later loads copy
   * it). Default: true for in-memory sandboxes, false for a data folder.
   */
  template?: boolean;
  /** Delete the data folder's state first and reseed. */
  reset?: boolean;
  /** Plan catalog file (default server/config/plans.json). */
  planCatalogPath?: string;
  log?: (msg: string) => void;
}

export interface SandboxInfo {
  unkeyUrl: string;
  stripeUrl: string;
  credentials: SandboxCredentials;
  seed: number;
  world: WorldOptions & { builtAt: string; stats: WorldStats | null };
  clock: ReturnType<typeof clockState>;
  counts: Record<string, number>;
  dataFile: string | null;
  traffic: { running: boolean; ratePerSecond: number; sent: number } | null;
  controlApi: string[];
}

export interface Sandbox {
  unkeyUrl: string;
  stripeUrl: string;
  credentials: SandboxCredentials;
  clock: SandboxClock;
  unkey: UnkeyEmulator;
  stripe: StripeEmulator;
  faults: { unkey: FaultInjector; stripe: FaultInjector };
  traffic: TrafficSimulator | null;
  db: Database.Database;
  catalog: PlanCatalog;
  /** How this start got its world: reopened from disk, copied from a template, or seeded now. */
  loadedFrom: "existing" | "template" | "seeded";
  /** Milliseconds spent getting the world (open, copy or seed). */
  loadMs: number;
  info(): SandboxInfo;
  /** Wipe all emulator state and reseed from the seed at the clock's current instant. */
  reset(): Promise<WorldStats>;
  close(): Promise<void>;
}

const loopback = new Set(["127.0.0.1", "::1", "localhost"]);

function toMs(v: number | string): number {
  const ms = typeof v === "number" ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw new RangeError(`startAt: not a date: ${String(v)}`);
  return ms;
}

function openDb(source: string | Buffer): Database.Database {
  const db = new Database(source);
  if (typeof source === "string" && source !== ":memory:") {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
  }
  return db;
}

function hasWorld(db: Database.Database): boolean {
  migrateSandboxTables(db);
  return (
    getMeta(db, "world_now") !== undefined &&
    getMeta(db, "schema_version") === String(WORLD_SCHEMA_VERSION)
  );
}

function makeEmulators(db: Database.Database, clock: SandboxClock) {
  const unkey = new UnkeyEmulator({
    db,
    clock,
    rootKey: sandboxCredentials.unkeyRootKey,
    apiId: sandboxCredentials.unkeyApiId,
  });
  const stripe = new StripeEmulator({ db, clock, secretKey: sandboxCredentials.stripeSecretKey });
  return { unkey, stripe };
}

/** Seed into a fresh in-memory database at `at` and serialise it (a template). */
async function buildTemplate(
  catalog: PlanCatalog,
  options: WorldOptions,
  at: number,
): Promise<Buffer> {
  const db = openDb(":memory:");
  try {
    const clock = new SandboxClock(at - Date.now());
    clock.freeze();
    const emulators = makeEmulators(db, clock);
    await seedWorld({ db, catalog, ...emulators }, options, at);
    emulators.unkey.close();
    return db.serialize();
  } finally {
    db.close();
  }
}

/**
 * Replace everything in `db` with a world freshly built elsewhere. The world is seeded into a
 * separate in-memory database (requests keep hitting the old world meanwhile), then copied over in
 * one synchronous transaction, so no request ever sees a half-built world.
 */
async function reseedInPlace(
  db: Database.Database,
  emulators: { unkey: UnkeyEmulator; stripe: StripeEmulator },
  catalog: PlanCatalog,
  options: WorldOptions,
  at: number,
): Promise<WorldStats> {
  const data = await buildTemplate(catalog, options, at);
  const file = join(tmpdir(), `credits-console-reset-${process.pid}-${Date.now()}.sqlite`);
  writeFileSync(file, data);
  try {
    db.prepare("ATTACH DATABASE ? AS seed").run(file);
    try {
      db.transaction(() => {
        // Clears the emulators' in-memory state (ratelimit windows, counters) with their tables.
        emulators.unkey.reset();
        emulators.stripe.reset();
        const tables = db
          .prepare(
            "SELECT name FROM seed.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
          )
          .all() as { name: string }[];
        for (const { name } of tables) {
          const cols = (db.prepare(`PRAGMA seed.table_info("${name}")`).all() as { name: string }[])
            .map((c) => `"${c.name}"`)
            .join(", ");
          db.exec(`DELETE FROM main."${name}"`);
          db.exec(`INSERT INTO main."${name}" (${cols}) SELECT ${cols} FROM seed."${name}"`);
        }
        // AUTOINCREMENT counters travel with their tables.
        const hasSeq = db
          .prepare("SELECT 1 FROM seed.sqlite_master WHERE name = 'sqlite_sequence'")
          .get();
        if (hasSeq) {
          db.exec("DELETE FROM main.sqlite_sequence");
          db.exec(
            "INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM seed.sqlite_sequence",
          );
        }
      })();
    } finally {
      db.exec("DETACH DATABASE seed");
    }
  } finally {
    rmSync(file, { force: true });
  }
  const raw = getMeta(db, "world_stats");
  if (!raw) throw new Error("reseeded world has no stats");
  return JSON.parse(raw) as WorldStats;
}

function countOf(db: Database.Database, sql: string): number {
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } catch {
    return -1;
  }
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? "127.0.0.1";
  if (!loopback.has(host)) throw new Error(`the sandbox binds to loopback only, not ${host}`);
  const catalog = loadPlanCatalog(opts.planCatalogPath);
  let options: WorldOptions = {
    seed: opts.seed ?? defaultWorldOptions.seed,
    customers: opts.world?.customers ?? defaultWorldOptions.customers,
    historyDays: opts.world?.historyDays ?? defaultWorldOptions.historyDays,
  };
  const useTemplate = opts.template ?? opts.dataDir === null;
  const startAt = opts.startAt === undefined ? undefined : toMs(opts.startAt);
  const dataFile = opts.dataDir === null ? null : join(opts.dataDir, "sandbox.sqlite");

  const loadStarted = performance.now();
  if (dataFile && opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    if (opts.reset)
      for (const suffix of ["", "-wal", "-shm"]) rmSync(dataFile + suffix, { force: true });
  }

  let loadedFrom: Sandbox["loadedFrom"] = "existing";
  let db: Database.Database | undefined;
  if (dataFile && existsSync(dataFile)) {
    db = openDb(dataFile);
    if (!hasWorld(db)) {
      // A file from an older world version or an interrupted first run: start over.
      log(`sandbox: ${dataFile} holds no current world; reseeding`);
      db.close();
      db = undefined;
      for (const suffix of ["", "-wal", "-shm"]) rmSync(dataFile + suffix, { force: true });
    }
  }
  if (!db) {
    // A fresh world is always built in memory and written out whole: seeding a million rows
    // straight into a WAL file takes about twice as long.
    let data: Buffer | undefined;
    if (useTemplate) {
      const when =
        startAt !== undefined ? `at:${startAt}` : `day:${new Date().toISOString().slice(0, 10)}`;
      const path = templatePath(options, when, catalog);
      const t = performance.now();
      const got = await obtainTemplate(path, () =>
        buildTemplate(catalog, options, startAt ?? Date.now()),
      );
      data = got.data;
      if (got.built) {
        log(`sandbox: seeded template ${path} in ${Math.round(performance.now() - t)} ms`);
      }
      loadedFrom = "template";
    } else {
      const t = performance.now();
      data = await buildTemplate(catalog, options, startAt ?? Date.now());
      log(`sandbox: seeded the demo world in ${Math.round(performance.now() - t)} ms`);
      loadedFrom = "seeded";
    }
    if (dataFile) {
      writeFileSync(dataFile, data);
      db = openDb(dataFile);
    } else {
      db = openDb(data);
    }
  }
  migrateSandboxTables(db);
  // A reopened state keeps the world it was seeded with; reset reseeds that same world.
  const stored = getMeta(db, "world_options");
  if (stored) {
    const was = JSON.parse(stored) as WorldOptions;
    if (loadedFrom === "existing" && JSON.stringify(was) !== JSON.stringify(options)) {
      log(
        `sandbox: ${dataFile} holds the world ${JSON.stringify(was)}, not ${JSON.stringify(options)}; ` +
          "keeping it (start with reset to reseed)",
      );
    }
    options = was;
  }

  // The clock resumes where this state left it: the persisted offset, or a template's own instant.
  const storedOffset = getMeta(db, "clock_offset");
  const worldNow = getMeta(db, "world_now");
  const offset =
    storedOffset !== undefined
      ? Number(storedOffset)
      : (loadedFrom === "template" || startAt !== undefined) && worldNow !== undefined
        ? Number(worldNow) - Date.now()
        : 0;
  // Persist "now − real now" rather than the raw offset, so a frozen or advanced clock never
  // restarts in its own past after a restart.
  const persistClock = () => setMeta(db, "clock_offset", String(clock.now() - Date.now()));
  const clock: SandboxClock = new SandboxClock(offset, () => persistClock());
  clock.onAdvance(() => persistClock());

  const emulators = makeEmulators(db, clock);
  const { unkey, stripe } = emulators;
  persistClock();
  const loadMs = Math.round(performance.now() - loadStarted);

  // Probability-based faults draw from a seeded stream so a flaky-fault test replays the same way.
  const faultRng = new Rng(options.seed).fork("faults");
  const faults = {
    unkey: new FaultInjector(() => faultRng.next()),
    stripe: new FaultInjector(() => faultRng.next()),
  };

  const traffic =
    opts.traffic === false
      ? null
      : new TrafficSimulator({ db, unkey, clock, log }, { seed: options.seed, ...opts.traffic });

  let unkeyServer: RunningEmulator | undefined;
  let stripeServer: RunningEmulator | undefined;
  let resetting: Promise<WorldStats> | null = null;

  const storedStats = (): WorldStats | null => {
    const raw = getMeta(db, "world_stats");
    return raw ? (JSON.parse(raw) as WorldStats) : null;
  };

  const info = (): SandboxInfo => ({
    unkeyUrl: unkeyServer?.url ?? "",
    stripeUrl: stripeServer?.url ?? "",
    credentials: sandboxCredentials,
    seed: options.seed,
    world: {
      ...options,
      builtAt: new Date(Number(getMeta(db, "world_now") ?? 0)).toISOString(),
      stats: storedStats(),
    },
    clock: clockState(clock),
    counts: {
      identities: countOf(db, "SELECT count(*) AS n FROM unkey_identities"),
      keys: countOf(db, "SELECT count(*) AS n FROM unkey_keys WHERE deleted_at IS NULL"),
      verifications: countOf(db, "SELECT count(*) AS n FROM unkey_verifications"),
      trafficKeys: countOf(db, "SELECT count(*) AS n FROM sandbox_traffic_keys"),
      worldCustomers: countOf(db, "SELECT count(*) AS n FROM sandbox_world_customers"),
    },
    dataFile,
    traffic: traffic
      ? { running: traffic.running, ratePerSecond: traffic.ratePerSecond, sent: traffic.stats.sent }
      : null,
    controlApi: [
      "GET  /_sandbox/info",
      "GET  /_sandbox/clock",
      "POST /_sandbox/clock/advance {ms} | {to}",
      "POST /_sandbox/clock/freeze {at?}",
      "POST /_sandbox/clock/unfreeze",
      "GET|POST|DELETE /_sandbox/faults",
      "POST /_sandbox/reset",
      "POST /_sandbox/quota/reset",
    ],
  });

  const reset = (): Promise<WorldStats> => {
    // Two resets at once would seed two worlds into one transaction; the second waits instead.
    resetting ??= (async () => {
      const wasRunning = traffic?.running ?? false;
      traffic?.stop();
      try {
        faults.unkey.clear();
        faults.stripe.clear();
        const s = await reseedInPlace(db, emulators, catalog, options, clock.now());
        unkey.resetQuota();
        persistClock();
        traffic?.reload();
        log(`sandbox: reset and reseeded in ${s.timings.totalMs} ms`);
        return s;
      } finally {
        if (wasRunning) traffic?.start();
        resetting = null;
      }
    })();
    return resetting;
  };

  const control = createControlHandler({ clock, faults, unkey, reset, info });
  try {
    unkeyServer = await startEmulatorServer({
      emulator: unkey,
      faults: faults.unkey,
      control,
      host,
      port: opts.unkeyPort ?? 0,
    });
    stripeServer = await startEmulatorServer({
      emulator: stripe,
      faults: faults.stripe,
      control,
      host,
      port: opts.stripePort ?? 0,
    });
  } catch (err) {
    await unkeyServer?.close();
    db.close();
    throw err;
  }
  traffic?.start();

  let closed = false;
  return {
    unkeyUrl: unkeyServer.url,
    stripeUrl: stripeServer.url,
    credentials: sandboxCredentials,
    clock,
    unkey,
    stripe,
    faults,
    traffic,
    db,
    catalog,
    loadedFrom,
    loadMs,
    info,
    reset,
    close: async () => {
      if (closed) return;
      closed = true;
      traffic?.stop();
      await Promise.all([unkeyServer?.close(), stripeServer?.close()]);
      if (resetting) await resetting.catch(() => undefined);
      persistClock();
      unkey.close();
      db.close();
    },
  };
}
