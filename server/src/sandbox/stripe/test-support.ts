/**
 * Test helpers: a Stripe emulator served over real HTTP (port 0, in-memory database, frozen
 * clock) with the real SDK pointed at it, and a shape check against Stripe's own example objects
 * (fixtures3.json from stripe/openapi).
 */
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import Stripe from "stripe";
import { SandboxClock } from "../core/clock";
import { FaultInjector } from "../core/faults";
import { startEmulatorServer, type RunningEmulator } from "../core/http";
import { StripeEmulator } from "./index";

/** 2026-01-15 12:00:00 UTC: mid-month, so periods and prorations are not on trivial boundaries. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface StripeSandbox {
  stripe: Stripe;
  emulator: StripeEmulator;
  server: RunningEmulator;
  clock: SandboxClock;
  faults: FaultInjector;
  db: Database.Database;
  /** A client with another key, for auth failures. */
  client(key: string): Stripe;
  close(): Promise<void>;
}

export async function startStripeSandbox(at = T0): Promise<StripeSandbox> {
  const db = new Database(":memory:");
  const clock = new SandboxClock();
  clock.freeze(at);
  const emulator = new StripeEmulator({ db, clock });
  const faults = new FaultInjector();
  const server = await startEmulatorServer({ emulator, faults });
  const client = (key: string) =>
    new Stripe(key, {
      host: "127.0.0.1",
      port: server.port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
  return {
    stripe: client(emulator.secretKey),
    emulator,
    server,
    clock,
    faults,
    db,
    client,
    close: async () => {
      await server.close();
      db.close();
    },
  };
}

const FIXTURES = new URL("../../../../specs/stripe/fixtures3.json", import.meta.url);
let fixtureCache: Record<string, unknown> | undefined;

/** Stripe's example object for a resource (`customer`, `billing.meter`, …). */
export function fixture(resource: string): Record<string, unknown> {
  fixtureCache ??= (
    JSON.parse(readFileSync(FIXTURES, "utf8")) as { resources: Record<string, unknown> }
  ).resources;
  const f = fixtureCache[resource];
  if (f === undefined || f === null || typeof f !== "object")
    throw new Error(`no fixture for ${resource}`);
  return f as Record<string, unknown>;
}

type Kind = "null" | "array" | "object" | "string" | "number" | "boolean" | "other";

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  // The SDK turns `*_decimal` strings into its Decimal class; on the wire they are strings.
  if (typeof v === "object" && typeof (v as { toFixed?: unknown }).toFixed === "function")
    return "string";
  if (typeof v === "object") return "object";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return Number.isNaN(v) ? "other" : "number";
  if (typeof v === "boolean") return "boolean";
  return "other";
}

/** Keys whose values are free-form maps: their keys are data, not shape. */
const OPEN_MAPS = new Set(["metadata", "payload"]);

/**
 * Differences between an emulator object and Stripe's example: every key of the example must be
 * present, and where both values are non-null their kinds must agree (recursing into objects and
 * first array elements). Null on either side is accepted (optional sub-objects), and an id string
 * where the example shows an expanded object (`customer`) too.
 */
export function shapeMismatches(
  actual: unknown,
  expected: unknown,
  path = "$",
  ignore: readonly string[] = [],
): string[] {
  const ka = kindOf(actual);
  const ke = kindOf(expected);
  if (ka === "null" || ke === "null") return [];
  const isExpandable = (v: unknown) => v !== null && typeof v === "object" && "id" in v;
  // An id where the example shows the expanded object, or the other way round (`expand[]`).
  if (ka === "string" && ke === "object" && isExpandable(expected)) return [];
  if (ka === "object" && ke === "string" && isExpandable(actual)) return [];
  if (ka !== ke) return [`${path}: expected ${ke}, got ${ka}`];
  if (ka === "array") {
    const a = actual as unknown[];
    const e = expected as unknown[];
    return a.length > 0 && e.length > 0 ? shapeMismatches(a[0], e[0], `${path}[0]`, ignore) : [];
  }
  if (ka !== "object") return [];
  const out: string[] = [];
  const a = actual as Record<string, unknown>;
  for (const [k, ev] of Object.entries(expected as Record<string, unknown>)) {
    if (ignore.includes(`${path}.${k}`)) continue;
    if (!(k in a)) {
      out.push(`${path}.${k}: missing`);
      continue;
    }
    if (OPEN_MAPS.has(k)) continue;
    out.push(...shapeMismatches(a[k], ev, `${path}.${k}`, ignore));
  }
  return out;
}

/**
 * Keys of the examples (fixtures3.json, 2026-08) that the SDK's types for its pinned API version
 * no longer declare; the emulator follows the types. `invoice.subscription` moved to
 * `invoice.parent.subscription_details.subscription` in 2025-03-31.basil.
 */
export const NOT_IN_PINNED_VERSION: Record<string, readonly string[]> = {
  invoice: ["$.subscription"],
};

/** Call `fn`, expect it to reject, and return the error for assertions. */
export async function rejection(fn: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await fn();
  } catch (err) {
    return err as Stripe.errors.StripeError;
  }
  throw new Error("expected the call to fail");
}
