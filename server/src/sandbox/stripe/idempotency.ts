/**
 * Idempotency-Key replay for POST requests, as Stripe does it: the first answer for a key is kept
 * for 24 hours and replayed for a repeat of the same request (with `Idempotent-Replayed: true`);
 * the same key with different parameters, or on another endpoint, is an `idempotency_error`.
 * Answers that failed validation (4xx) are not kept, so a corrected retry with the same key runs;
 * successes and server errors are.
 */
import { createHash } from "node:crypto";
import { StripeError } from "./errors";
import type { FormParams } from "./form";
import type { IdempotencyRow, StripeStore } from "./store";

const TTL_SECONDS = 24 * 3600;
const MAX_KEY_LENGTH = 255;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Same request = same method, path and decoded params (key order and encoding do not matter). */
export function fingerprint(method: string, path: string, params: FormParams): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${canonical(params)}`)
    .digest("hex");
}

export type IdempotencyLookup = { kind: "new" } | { kind: "replay"; row: IdempotencyRow };

export function checkIdempotencyKey(
  store: StripeStore,
  key: string,
  print: string,
  now: number,
): IdempotencyLookup {
  if (key.length > MAX_KEY_LENGTH) {
    throw new StripeError(400, {
      message: `Invalid Idempotency-Key: must be at most ${MAX_KEY_LENGTH} characters long.`,
    });
  }
  const row = store.getIdempotency(key);
  if (!row || row.created <= now - TTL_SECONDS) return { kind: "new" };
  if (row.fingerprint !== print) {
    throw new StripeError(400, {
      type: "idempotency_error",
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    });
  }
  return { kind: "replay", row };
}

export function shouldKeep(status: number): boolean {
  return status < 400 || status >= 500;
}
