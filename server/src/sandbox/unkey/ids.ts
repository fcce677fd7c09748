/**
 * Deterministic identifiers. Every id is derived from a per-kind counter persisted in the sandbox
 * database, hashed so ids look like Unkey's (`key_2cGKbMxRyIzhCxo1Idjz8q`) while the same sequence
 * of operations from an empty database always yields the same ids (the demo world is seeded).
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return out;
}

export function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export class IdFactory {
  private readonly bump: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.bump = db.prepare(
      `INSERT INTO unkey_meta (k, v) VALUES (?, '1')
       ON CONFLICT (k) DO UPDATE SET v = CAST(CAST(v AS INTEGER) + 1 AS TEXT)
       RETURNING v`,
    );
  }

  /** Next value of the named counter (1, 2, …). */
  next(kind: string): number {
    const row = this.bump.get(`seq:${kind}`) as { v: string };
    return Number(row.v);
  }

  /** A new id such as `key_…`, `id_…`, `rl_…`, `req_…`. */
  id(prefix: string): string {
    const n = this.next(prefix);
    return `${prefix}_${base58(sha256(`unkey-sandbox:${prefix}:${n}`)).slice(0, 22)}`;
  }

  /** Secret part of a new API key; `bytes` mirrors the API's byteLength (16 → ~22 chars). */
  secret(bytes: number): string {
    const n = this.next("secret");
    let out = "";
    let round = 0;
    const want = Math.ceil((bytes * 8) / Math.log2(58));
    while (out.length < want) out += base58(sha256(`unkey-sandbox:secret:${n}:${round++}`));
    return out.slice(0, want);
  }
}
