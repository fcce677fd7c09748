/**
 * The Stripe emulator's state in the sandbox database. Objects are stored whole as JSON (the
 * emulator reads them back exactly as it answered them), with the few columns lists filter and
 * sort on pulled out. Meter events get their own table because summaries aggregate over them by
 * customer and time, and idempotency keys theirs because they outlive nothing but 24 hours.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";

export interface StoredObject {
  id: string;
  object: string;
  /** Most objects have `created`; invoice items only a `date`. Lists order by either. */
  created?: number;
  date?: number;
  [key: string]: unknown;
}

export interface MeterEventRow {
  identifier: string;
  eventName: string;
  customer: string;
  value: number;
  /** Event time, unix seconds. */
  timestamp: number;
  /** Ingestion time, unix seconds. */
  created: number;
  payload: Record<string, string>;
}

export interface IdempotencyRow {
  fingerprint: string;
  status: number;
  body: string;
  requestId: string;
  created: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS stripe_objects (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  seq INTEGER NOT NULL,
  created INTEGER NOT NULL,
  customer TEXT,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stripe_objects_type_order ON stripe_objects (type, created DESC, seq DESC);
CREATE INDEX IF NOT EXISTS stripe_objects_customer ON stripe_objects (type, customer);
CREATE TABLE IF NOT EXISTS stripe_meter_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  identifier TEXT NOT NULL,
  event_name TEXT NOT NULL,
  customer TEXT NOT NULL,
  value REAL NOT NULL,
  timestamp INTEGER NOT NULL,
  created INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stripe_meter_events_lookup ON stripe_meter_events (event_name, customer, timestamp);
CREATE INDEX IF NOT EXISTS stripe_meter_events_identifier ON stripe_meter_events (identifier, created);
CREATE TABLE IF NOT EXISTS stripe_idempotency (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  request_id TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stripe_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Stripe-like id bodies per prefix (customers are short, prices long), from a hash of the
 * sequence number, so a given sequence of operations always yields the same ids. */
const ID_LENGTH: Record<string, number> = {
  cus: 14,
  si: 14,
  prod: 14,
  mtr: 28,
  credgr: 24,
  il: 24,
  mtrusg: 32,
};

export function hashId(prefix: string, seed: string, length = ID_LENGTH[prefix] ?? 24): string {
  const digest = createHash("sha256").update(`${prefix}:${seed}`).digest();
  let body = "";
  for (let i = 0; body.length < length; i++) body += BASE62[(digest[i % digest.length] ?? 0) % 62];
  return `${prefix}_${body}`;
}

function prepareStatements(db: Database.Database) {
  return {
    nextSeq: db.prepare(
      `INSERT INTO stripe_meta (key, value) VALUES ('seq', 1)
         ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`,
    ),
    insert: db.prepare(
      `INSERT INTO stripe_objects (id, type, seq, created, customer, data) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    update: db.prepare(`UPDATE stripe_objects SET data = ?, customer = ? WHERE id = ?`),
    get: db.prepare(`SELECT data FROM stripe_objects WHERE id = ?`),
    listType: db.prepare(
      `SELECT data FROM stripe_objects WHERE type = ? ORDER BY created DESC, seq DESC`,
    ),
    listCustomer: db.prepare(
      `SELECT data FROM stripe_objects WHERE type = ? AND customer = ? ORDER BY created DESC, seq DESC`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO stripe_meter_events (identifier, event_name, customer, value, timestamp, created, payload)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    recentIdentifier: db.prepare(
      `SELECT 1 FROM stripe_meter_events WHERE identifier = ? AND created > ? LIMIT 1`,
    ),
    events: db.prepare(
      `SELECT identifier, event_name AS eventName, customer, value, timestamp, created, payload
         FROM stripe_meter_events WHERE event_name = ? AND customer = ? AND timestamp >= ? AND timestamp < ?
         ORDER BY timestamp, seq`,
    ),
    getIdem: db.prepare(
      `SELECT fingerprint, status, body, request_id AS requestId, created FROM stripe_idempotency WHERE key = ?`,
    ),
    putIdem: db.prepare(
      `INSERT OR REPLACE INTO stripe_idempotency (key, fingerprint, status, body, request_id, created)
         VALUES (?, ?, ?, ?, ?, ?)`,
    ),
  };
}

export class StripeStore {
  private readonly stmts: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmts = prepareStatements(db);
  }

  /** Next value of the persistent operation counter (ids and ordering derive from it). */
  nextSeq(): number {
    return (this.stmts.nextSeq.get() as { value: number }).value;
  }

  newId(prefix: string): { id: string; seq: number } {
    const seq = this.nextSeq();
    return { id: hashId(prefix, String(seq)), seq };
  }

  insert(obj: StoredObject, seq: number, customer: string | null = null): void {
    this.stmts.insert.run(
      obj.id,
      obj.object,
      seq,
      obj.created ?? obj.date ?? 0,
      customer,
      JSON.stringify(obj),
    );
  }

  update(obj: StoredObject, customer: string | null = null): void {
    this.stmts.update.run(JSON.stringify(obj), customer, obj.id);
  }

  get<T extends StoredObject = StoredObject>(id: string, type?: string): T | undefined {
    const row = this.stmts.get.get(id) as { data: string } | undefined;
    if (!row) return undefined;
    const obj = JSON.parse(row.data) as T;
    return type === undefined || obj.object === type ? obj : undefined;
  }

  /** All objects of a type, newest first (Stripe's list order). */
  list<T extends StoredObject = StoredObject>(type: string, customer?: string): T[] {
    const rows = (
      customer === undefined
        ? this.stmts.listType.all(type)
        : this.stmts.listCustomer.all(type, customer)
    ) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as T);
  }

  insertMeterEvent(e: MeterEventRow): void {
    this.stmts.insertEvent.run(
      e.identifier,
      e.eventName,
      e.customer,
      e.value,
      e.timestamp,
      e.created,
      JSON.stringify(e.payload),
    );
  }

  /** Whether an event with this identifier was ingested after `since` (unix seconds). */
  hasRecentIdentifier(identifier: string, since: number): boolean {
    return this.stmts.recentIdentifier.get(identifier, since) !== undefined;
  }

  /** Meter events of one customer with `from <= timestamp < to`, oldest first. */
  meterEvents(eventName: string, customer: string, from: number, to: number): MeterEventRow[] {
    const rows = this.stmts.events.all(eventName, customer, from, to) as (Omit<
      MeterEventRow,
      "payload"
    > & {
      payload: string;
    })[];
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, string> }));
  }

  getIdempotency(key: string): IdempotencyRow | undefined {
    return this.stmts.getIdem.get(key) as IdempotencyRow | undefined;
  }

  putIdempotency(key: string, row: IdempotencyRow): void {
    this.stmts.putIdem.run(key, row.fingerprint, row.status, row.body, row.requestId, row.created);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  reset(): void {
    this.db.exec(
      `DELETE FROM stripe_objects; DELETE FROM stripe_meter_events; DELETE FROM stripe_idempotency; DELETE FROM stripe_meta;
       DELETE FROM sqlite_sequence WHERE name = 'stripe_meter_events';`,
    );
  }
}
