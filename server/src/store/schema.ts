/**
 * Table types of the console's own store. Instants are integer unix milliseconds so the same
 * schema maps onto PostgreSQL (bigint) without date-type differences between dialects.
 */
import type { Generated, Insertable, Selectable } from "kysely";

export const roles = ["admin", "account_manager", "support", "finance"] as const;
export type Role = (typeof roles)[number];

export interface StaffTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  disabled_at: number | null;
  created_at: number;
}

export interface SessionTable {
  /** SHA-256 of the cookie token: a leaked database does not yield usable sessions. */
  id: string;
  staff_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface LoginAttemptTable {
  id: Generated<number>;
  /** "email:<lowercased>" or "ip:<address>". */
  bucket: string;
  at: number;
  ok: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_id: string | null;
  actor_email: string | null;
  actor_role: string | null;
  action: string;
  target: string | null;
  before_json: string | null;
  after_json: string | null;
  meta_json: string | null;
  prev_hash: string;
  hash: string;
}

export interface Database {
  staff: StaffTable;
  sessions: SessionTable;
  login_attempts: LoginAttemptTable;
  audit_log: AuditLogTable;
}

export type Staff = Selectable<StaffTable>;
export type NewStaff = Insertable<StaffTable>;
export type Session = Selectable<SessionTable>;
export type AuditEntry = Selectable<AuditLogTable>;
