/**
 * What the sandbox orchestration (world seeding, traffic, control API) needs from each emulator,
 * beyond serving HTTP. Both emulators run the same code path for an in-process `call` as for an
 * HTTP request (minus transport and faults), so the demo world is built through the emulated API
 * itself and stays consistent with what the SDKs see.
 */
import type Database from "better-sqlite3";
import type { SandboxClock } from "./clock";
import type { Emulator, EmulatorResponse } from "./http";

export interface EmulatorDeps {
  /** The sandbox database (a file in the data folder, or `:memory:` in tests). Each emulator owns
   * its own tables, prefixed `unkey_` / `stripe_`, and creates them if missing. */
  db: Database.Database;
  clock: SandboxClock;
}

/** One stored verification, as the seeder writes history and as tests read it back. */
export interface VerificationRow {
  /** Unix ms. */
  time: number;
  keyId: string;
  outcome:
    | "VALID"
    | "RATE_LIMITED"
    | "INVALID"
    | "EXPIRED"
    | "DISABLED"
    | "INSUFFICIENT_PERMISSIONS"
    | "FORBIDDEN"
    | "USAGE_EXCEEDED";
  tags: string[];
  spentCredits: number;
  region?: string;
}

export interface UnkeyEmulatorApi extends Emulator {
  readonly rootKey: string;
  readonly apiId: string;
  /** Same semantics as `POST /v2/<endpoint>` with the sandbox root key, e.g. `call("keys.createKey", {...})`. */
  call(endpoint: string, body: unknown): Promise<EmulatorResponse>;
  /** Bulk-insert history (identity/externalId/keySpace are taken from the key). Returns rows written. */
  insertVerifications(rows: Iterable<VerificationRow>): number;
  /** Every stored verification in time order (tests compare analytics answers with these). */
  verifications(filter?: { keyId?: string; fromMs?: number; toMs?: number }): VerificationRow[];
  /** Run refills for every 00:00 UTC crossed in (fromMs, toMs]. Called on clock advance. */
  runRefills(fromMs: number, toMs: number): number;
  /** Reset the analytics query quota (tests). */
  resetQuota(): void;
  /** Delete all Unkey state (tables stay). */
  reset(): void;
}

export interface StripeEmulatorApi extends Emulator {
  readonly secretKey: string;
  /** Same semantics as the HTTP API with decoded params, e.g. `call("POST", "/v1/customers", {email})`. */
  call(method: string, path: string, params?: Record<string, unknown>): Promise<EmulatorResponse>;
  /** Delete all Stripe state (tables stay). */
  reset(): void;
}
