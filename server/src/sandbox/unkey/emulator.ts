/**
 * The stateful Unkey v2 emulator: a plain request → response function over a better-sqlite3
 * database, served over HTTP by core/http.ts (which also injects faults) or called in-process
 * with `call()` by the demo-world seeder and the traffic simulator.
 */
import type Database from "better-sqlite3";
import type { SandboxClock } from "../core/clock";
import type { EmulatorDeps, UnkeyEmulatorApi, VerificationRow } from "../core/contracts";
import type { FaultRule } from "../core/faults";
import type { EmulatorRequest, EmulatorResponse } from "../core/http";
import { AnalyticsEngine } from "./analytics/engine";
import { UnkeyApiError, errorResponse, errorTypes, faultTypeFor } from "./errors";
import { getVerifications } from "./handlers/analytics";
import type { Handler, HandlerContext } from "./handlers/context";
import { createIdentity, getIdentity, listIdentities, updateIdentity } from "./handlers/identities";
import {
  createKey,
  deleteKey,
  getKey,
  listKeys,
  updateCredits,
  updateKey,
  verifyKey,
} from "./handlers/keys";
import { IdFactory, base58, sha256 } from "./ids";
import { RatelimitWindows } from "./ratelimit";
import { RefillScheduler } from "./refill";
import { allTables, migrate } from "./schema";
import { UnkeyStore } from "./store";
import { VerificationStore } from "./verifications";

export interface UnkeyEmulatorOptions extends EmulatorDeps {
  /** Bearer root key the emulator accepts (default `unkey_sandbox_root`). */
  rootKey?: string;
  /** The single API (keyspace) the emulator hosts (default `api_sandbox`). */
  apiId?: string;
  /** Analytics queries allowed per rolling hour (default 1000, as in Unkey). */
  queriesPerHour?: number;
}

const routes: Record<string, Handler> = {
  "keys.createKey": createKey,
  "keys.getKey": getKey,
  "keys.updateKey": updateKey,
  "keys.updateCredits": updateCredits,
  "keys.verifyKey": verifyKey,
  "keys.deleteKey": deleteKey,
  "apis.listKeys": listKeys,
  "identities.createIdentity": createIdentity,
  "identities.getIdentity": getIdentity,
  "identities.listIdentities": listIdentities,
  "identities.updateIdentity": updateIdentity,
  "analytics.getVerifications": getVerifications,
};

/** The endpoints this emulator implements (`keys.createKey`, …). */
export const unkeyEndpoints = Object.keys(routes);

/** The keyspace id behind an API id (analytics' `key_space_id`), stable across resets. */
export function keyspaceIdFor(apiId: string): string {
  return `ks_${base58(sha256(`unkey-sandbox:keyspace:${apiId}`)).slice(0, 22)}`;
}

export class UnkeyEmulator implements UnkeyEmulatorApi {
  readonly name = "unkey";
  readonly rootKey: string;
  readonly apiId: string;
  readonly keyspaceId: string;

  private readonly db: Database.Database;
  private readonly clock: SandboxClock;
  private readonly ids: IdFactory;
  private readonly store: UnkeyStore;
  private readonly verificationStore: VerificationStore;
  private readonly refills: RefillScheduler;
  private readonly ratelimits = new RatelimitWindows();
  private readonly analytics: AnalyticsEngine;
  private readonly unsubscribe: () => void;

  constructor(opts: UnkeyEmulatorOptions) {
    this.db = opts.db;
    this.clock = opts.clock;
    this.rootKey = opts.rootKey ?? "unkey_sandbox_root";
    this.apiId = opts.apiId ?? "api_sandbox";
    this.keyspaceId = keyspaceIdFor(this.apiId);
    migrate(this.db);
    this.ids = new IdFactory(this.db);
    this.store = new UnkeyStore(this.db, this.ids);
    this.verificationStore = new VerificationStore(this.db);
    this.refills = new RefillScheduler(this.db);
    this.analytics = new AnalyticsEngine(this.db, opts.queriesPerHour ?? 1000);
    this.init();
    // Crossing a midnight by advancing the clock refills immediately; real time passing is caught
    // up lazily on the next request.
    this.unsubscribe = this.clock.onAdvance((from, to) => {
      if (to > from) this.refills.run(from, to);
    });
  }

  private init(): void {
    const now = this.clock.now();
    this.store.ensureApi(this.apiId, this.keyspaceId, "Sandbox API", now);
    this.refills.lastProcessed(now);
  }

  /** Stop listening to the clock (the database stays open; it belongs to the caller). */
  close(): void {
    this.unsubscribe();
  }

  endpointOf(req: Pick<EmulatorRequest, "method" | "path">): string {
    return req.path.startsWith("/v2/") ? req.path.slice(4) : req.path;
  }

  faultResponse(status: number, rule: FaultRule): EmulatorResponse {
    return errorResponse(
      this.ids.id("req"),
      status,
      faultTypeFor(status),
      `Injected sandbox fault ${rule.id} on ${rule.endpoint}: the service answered ${status}.`,
    );
  }

  handle(req: EmulatorRequest): EmulatorResponse {
    const requestId = this.ids.id("req");
    const endpoint = this.endpointOf(req);
    const route = routes[endpoint];
    if (req.method !== "POST" || !req.path.startsWith("/v2/") || !route) {
      return errorResponse(
        requestId,
        404,
        errorTypes.routeNotFound,
        `No route for ${req.method} ${req.path}.`,
      );
    }
    const auth = req.headers.authorization;
    if (!auth) {
      return errorResponse(
        requestId,
        401,
        errorTypes.authMissing,
        "Authorization header is required but was not provided.",
      );
    }
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) {
      return errorResponse(
        requestId,
        401,
        errorTypes.authMalformed,
        "Authorization header must use the format: Bearer <token>.",
      );
    }
    if (m[1] !== this.rootKey) {
      return errorResponse(
        requestId,
        401,
        errorTypes.authKeyNotFound,
        "The provided root key is invalid.",
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return errorResponse(
        requestId,
        400,
        errorTypes.invalidInput,
        "The request body is not valid JSON.",
        [{ location: "body", message: "invalid JSON" }],
      );
    }
    return this.dispatch(route, body, requestId);
  }

  private dispatch(route: Handler, body: unknown, requestId: string): EmulatorResponse {
    const now = this.clock.now();
    this.refills.catchUp(now);
    const ctx: HandlerContext = {
      now,
      requestId,
      apiId: this.apiId,
      keyspaceId: this.keyspaceId,
      store: this.store,
      ids: this.ids,
      ratelimits: this.ratelimits,
      verifications: this.verificationStore,
      analytics: this.analytics,
    };
    try {
      const result = route(ctx, body);
      const out: Record<string, unknown> = { meta: { requestId }, data: result.data };
      if (result.pagination) out.pagination = result.pagination;
      return { status: 200, body: out };
    } catch (err) {
      if (err instanceof UnkeyApiError)
        return errorResponse(requestId, err.status, err.type, err.detail, err.errors);
      throw err;
    }
  }

  async call(endpoint: string, body: unknown): Promise<EmulatorResponse> {
    const requestId = this.ids.id("req");
    const route = routes[endpoint];
    if (!route)
      return errorResponse(requestId, 404, errorTypes.routeNotFound, `No route for ${endpoint}.`);
    try {
      return this.dispatch(route, body, requestId);
    } catch (err) {
      console.error(`[sandbox:unkey] ${endpoint} failed`, err);
      return errorResponse(requestId, 500, errorTypes.unexpected, "An unexpected error occurred.");
    }
  }

  insertVerifications(rows: Iterable<VerificationRow>): number {
    const keys = new Map<string, { externalId: string }>();
    const lookup = (keyId: string) => {
      let k = keys.get(keyId);
      if (!k) {
        const row = this.store.key(keyId, true);
        if (!row) throw new Error(`insertVerifications: unknown key ${keyId}`);
        const identity =
          row.identity_id === null ? undefined : this.store.identity(row.identity_id);
        k = { externalId: identity?.external_id ?? "" };
        keys.set(keyId, k);
      }
      return k;
    };
    const keyspaceId = this.keyspaceId;
    function* stored() {
      for (const r of rows) {
        yield {
          time: r.time,
          requestId: null,
          keySpaceId: keyspaceId,
          keyId: r.keyId,
          externalId: lookup(r.keyId).externalId,
          outcome: r.outcome,
          region: r.region ?? "local",
          tags: r.tags,
          spentCredits: r.spentCredits,
        };
      }
    }
    return this.verificationStore.insertMany(stored());
  }

  verifications(filter?: { keyId?: string; fromMs?: number; toMs?: number }): VerificationRow[] {
    return this.verificationStore.list(filter);
  }

  runRefills(fromMs: number, toMs: number): number {
    return this.refills.run(fromMs, toMs);
  }

  resetQuota(): void {
    this.analytics.resetQuota();
  }

  reset(): void {
    this.db.transaction(() => {
      for (const t of allTables) this.db.prepare(`DELETE FROM ${t}`).run();
    })();
    this.ratelimits.clear();
    this.init();
  }
}
