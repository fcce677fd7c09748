/**
 * Row-level access to the emulator's keys, identities and ratelimits (prepared statements only).
 * Handlers hold the API semantics; this module only knows tables.
 */
import type Database from "better-sqlite3";
import type { IdFactory } from "./ids";

export type RefillInterval = "daily" | "monthly";

export interface KeyRow {
  seq: number;
  id: string;
  api_id: string;
  hash: string;
  start: string;
  plaintext: string | null;
  name: string | null;
  meta: string | null;
  identity_id: string | null;
  enabled: number;
  expires: number | null;
  remaining: number | null;
  refill_interval: RefillInterval | null;
  refill_amount: number | null;
  refill_day: number | null;
  permissions: string;
  roles: string;
  created_at: number;
  updated_at: number | null;
  last_used_at: number | null;
  deleted_at: number | null;
}

export interface IdentityRow {
  seq: number;
  id: string;
  external_id: string;
  meta: string;
  created_at: number;
  updated_at: number | null;
}

export interface RatelimitRow {
  id: string;
  key_id: string | null;
  identity_id: string | null;
  name: string;
  lim: number;
  duration: number;
  auto_apply: number;
  position: number;
}

export interface RatelimitInput {
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

export interface ApiRow {
  id: string;
  keyspace_id: string;
  name: string;
  created_at: number;
}

/** Columns `updateKey` may change; anything else is a programming error. */
const updatableKeyColumns = new Set([
  "name",
  "meta",
  "identity_id",
  "enabled",
  "expires",
  "remaining",
  "refill_interval",
  "refill_amount",
  "refill_day",
  "permissions",
  "roles",
  "updated_at",
  "last_used_at",
  "deleted_at",
]);

export type KeyPatch = Partial<
  Omit<KeyRow, "seq" | "id" | "api_id" | "hash" | "start" | "plaintext" | "created_at">
>;

export class UnkeyStore {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly ids: IdFactory,
  ) {
    this.s = {
      api: db.prepare<[string], ApiRow>("SELECT * FROM unkey_apis WHERE id = ?"),
      insertApi: db.prepare(
        "INSERT OR IGNORE INTO unkey_apis (id, keyspace_id, name, created_at) VALUES (?, ?, ?, ?)",
      ),
      keyById: db.prepare<[string], KeyRow>("SELECT * FROM unkey_keys WHERE id = ?"),
      keyByHash: db.prepare<[string], KeyRow>("SELECT * FROM unkey_keys WHERE hash = ?"),
      insertKey: db.prepare(
        `INSERT INTO unkey_keys (id, api_id, hash, start, plaintext, name, meta, identity_id, enabled, expires,
           remaining, refill_interval, refill_amount, refill_day, permissions, roles, created_at)
         VALUES (@id, @api_id, @hash, @start, @plaintext, @name, @meta, @identity_id, @enabled, @expires,
           @remaining, @refill_interval, @refill_amount, @refill_day, @permissions, @roles, @created_at)`,
      ),
      deleteKey: db.prepare("DELETE FROM unkey_keys WHERE id = ?"),
      listKeys: db.prepare<[string, number, number], KeyRow>(
        "SELECT * FROM unkey_keys WHERE api_id = ? AND deleted_at IS NULL AND seq > ? ORDER BY seq LIMIT ?",
      ),
      listKeysByIdentity: db.prepare<[string, string, number, number], KeyRow>(
        `SELECT * FROM unkey_keys WHERE api_id = ? AND identity_id = ? AND deleted_at IS NULL AND seq > ?
         ORDER BY seq LIMIT ?`,
      ),
      identityById: db.prepare<[string], IdentityRow>(
        "SELECT * FROM unkey_identities WHERE id = ?",
      ),
      identityByExternal: db.prepare<[string], IdentityRow>(
        "SELECT * FROM unkey_identities WHERE external_id = ?",
      ),
      insertIdentity: db.prepare(
        "INSERT INTO unkey_identities (id, external_id, meta, created_at) VALUES (?, ?, ?, ?)",
      ),
      updateIdentityMeta: db.prepare(
        "UPDATE unkey_identities SET meta = ?, updated_at = ? WHERE id = ?",
      ),
      listIdentities: db.prepare<[number, number], IdentityRow>(
        "SELECT * FROM unkey_identities WHERE seq > ? ORDER BY seq LIMIT ?",
      ),
      searchIdentities: db.prepare<[number, string, string, number], IdentityRow>(
        // instr on lower() rather than LIKE: the search text may contain % and _.
        `SELECT * FROM unkey_identities WHERE seq > ?
           AND (instr(lower(id), ?) > 0 OR instr(lower(external_id), ?) > 0)
         ORDER BY seq LIMIT ?`,
      ),
      ratelimitsForKey: db.prepare<[string], RatelimitRow>(
        "SELECT * FROM unkey_ratelimits WHERE key_id = ? ORDER BY position",
      ),
      ratelimitsForIdentity: db.prepare<[string], RatelimitRow>(
        "SELECT * FROM unkey_ratelimits WHERE identity_id = ? ORDER BY position",
      ),
      deleteKeyRatelimits: db.prepare("DELETE FROM unkey_ratelimits WHERE key_id = ?"),
      deleteIdentityRatelimits: db.prepare("DELETE FROM unkey_ratelimits WHERE identity_id = ?"),
      insertRatelimit: db.prepare(
        `INSERT INTO unkey_ratelimits (id, key_id, identity_id, name, lim, duration, auto_apply, position)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  api(id: string): ApiRow | undefined {
    return this.s.api.get(id);
  }

  ensureApi(id: string, keyspaceId: string, name: string, now: number): void {
    this.s.insertApi.run(id, keyspaceId, name, now);
  }

  /** A live (not soft-deleted) key, or any key when `includeDeleted`. */
  key(id: string, includeDeleted = false): KeyRow | undefined {
    const row = this.s.keyById.get(id);
    if (!row || (!includeDeleted && row.deleted_at !== null)) return undefined;
    return row;
  }

  keyByHash(hash: string): KeyRow | undefined {
    return this.s.keyByHash.get(hash);
  }

  insertKey(row: Omit<KeyRow, "seq" | "updated_at" | "last_used_at" | "deleted_at">): void {
    this.s.insertKey.run(row);
  }

  updateKey(id: string, patch: KeyPatch): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    for (const c of cols)
      if (!updatableKeyColumns.has(c)) throw new Error(`not an updatable key column: ${c}`);
    const sql = `UPDATE unkey_keys SET ${cols.map((c) => `${c} = @${c}`).join(", ")} WHERE id = @id`;
    this.db.prepare(sql).run({ ...patch, id });
  }

  deleteKeyPermanently(id: string): void {
    this.s.deleteKeyRatelimits.run(id);
    this.s.deleteKey.run(id);
  }

  listKeys(apiId: string, afterSeq: number, limit: number, identityId?: string): KeyRow[] {
    return identityId === undefined
      ? this.s.listKeys.all(apiId, afterSeq, limit)
      : this.s.listKeysByIdentity.all(apiId, identityId, afterSeq, limit);
  }

  identity(id: string): IdentityRow | undefined {
    return this.s.identityById.get(id);
  }

  /** Identity by internal id or by externalId (the API accepts either). */
  identityByAny(idOrExternal: string): IdentityRow | undefined {
    return this.s.identityById.get(idOrExternal) ?? this.s.identityByExternal.get(idOrExternal);
  }

  identityByExternal(externalId: string): IdentityRow | undefined {
    return this.s.identityByExternal.get(externalId);
  }

  insertIdentity(externalId: string, meta: Record<string, unknown>, now: number): IdentityRow {
    const id = this.ids.id("id");
    this.s.insertIdentity.run(id, externalId, JSON.stringify(meta), now);
    return this.s.identityById.get(id)!;
  }

  updateIdentityMeta(id: string, meta: Record<string, unknown>, now: number): void {
    this.s.updateIdentityMeta.run(JSON.stringify(meta), now, id);
  }

  listIdentities(afterSeq: number, limit: number, search?: string): IdentityRow[] {
    if (search === undefined || search === "") return this.s.listIdentities.all(afterSeq, limit);
    const needle = search.toLowerCase();
    return this.s.searchIdentities.all(afterSeq, needle, needle, limit);
  }

  keyRatelimits(keyId: string): RatelimitRow[] {
    return this.s.ratelimitsForKey.all(keyId);
  }

  identityRatelimits(identityId: string): RatelimitRow[] {
    return this.s.ratelimitsForIdentity.all(identityId);
  }

  replaceRatelimits(
    owner: { keyId: string } | { identityId: string },
    limits: RatelimitInput[],
  ): void {
    const keyId = "keyId" in owner ? owner.keyId : null;
    const identityId = "identityId" in owner ? owner.identityId : null;
    if (keyId !== null) this.s.deleteKeyRatelimits.run(keyId);
    if (identityId !== null) this.s.deleteIdentityRatelimits.run(identityId);
    limits.forEach((l, i) => {
      this.s.insertRatelimit.run(
        this.ids.id("rl"),
        keyId,
        identityId,
        l.name,
        l.limit,
        l.duration,
        l.autoApply ? 1 : 0,
        i,
      );
    });
  }
}
