/** Console-side shapes of upstream objects: nothing outside upstream/ sees SDK types. */
export interface Pool {
  name: string;
  limit: number;
  durationMs: number;
  autoApply: boolean;
}

export interface Refill {
  interval: "daily" | "monthly";
  amount: number;
  refillDay: number | null;
}

export interface Credits {
  /** null = unlimited. */
  remaining: number | null;
  refill: Refill | null;
}

export interface UpstreamIdentity {
  id: string;
  externalId: string;
  meta: Record<string, unknown>;
  ratelimits: Pool[];
}

export interface UpstreamKey {
  keyId: string;
  start: string;
  name: string | null;
  enabled: boolean;
  createdAt: number | null;
  lastUsedAt: number | null;
  expires: number | null;
  meta: Record<string, unknown>;
  /** null = the key has no credit limit configured at all. */
  credits: Credits | null;
  identity: { id: string; externalId: string } | null;
  ratelimits: Pool[];
}

export interface Page<T> {
  items: T[];
  cursor: string | null;
}
