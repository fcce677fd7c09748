/** keys.* and apis.listKeys. */
import { UnkeyApiError, badRequest, errorTypes } from "../errors";
import { sha256Hex } from "../ids";
import { evaluatePermissionQuery, parsePermissionQuery } from "../permissions";
import { selectRatelimits, type RatelimitOutcome } from "../ratelimit";
import type { KeyPatch, KeyRow, UnkeyStore } from "../store";
import {
  createKeyBody,
  deleteKeyBody,
  getKeyBody,
  listKeysBody,
  parseBody,
  updateCreditsBody,
  updateKeyBody,
  verifyKeyBody,
} from "../validation";
import { creditsView, identityView, keyView } from "../views";
import { decodeCursor, page, type Handler, type HandlerContext } from "./context";

function keyNotFound(): UnkeyApiError {
  return new UnkeyApiError(404, errorTypes.keyNotFound, "The specified key was not found.");
}

function requireApi(ctx: HandlerContext, apiId: string): void {
  if (!ctx.store.api(apiId)) {
    throw new UnkeyApiError(404, errorTypes.apiNotFound, "The specified API was not found.");
  }
}

function requireKey(ctx: HandlerContext, keyId: string): KeyRow {
  const key = ctx.store.key(keyId);
  if (!key) throw keyNotFound();
  return key;
}

/** createKey/updateKey link a key to an identity by externalId, creating the identity if needed. */
function identityFor(store: UnkeyStore, externalId: string, now: number): string {
  return (store.identityByExternal(externalId) ?? store.insertIdentity(externalId, {}, now)).id;
}

export const createKey: Handler = (ctx, raw) => {
  const body = parseBody(createKeyBody, raw);
  requireApi(ctx, body.apiId);
  const refill = body.credits?.refill;
  if (refill?.interval === "monthly" && refill.refillDay === undefined) {
    throw badRequest(
      "`refillDay` must be provided when the refill interval is `monthly`.",
      "body.credits.refill.refillDay",
    );
  }
  if (refill && body.credits?.remaining === null) {
    throw badRequest(
      "`credits.remaining` must be set when a refill is configured.",
      "body.credits.remaining",
    );
  }
  const secret = ctx.ids.secret(body.byteLength ?? 16);
  const key = body.prefix ? `${body.prefix}_${secret}` : secret;
  const keyId = ctx.ids.id("key");
  ctx.store.transaction(() => {
    ctx.store.insertKey({
      id: keyId,
      api_id: body.apiId,
      hash: sha256Hex(key),
      start: key.slice(0, (body.prefix ? body.prefix.length + 1 : 0) + 4),
      plaintext: body.recoverable ? key : null,
      name: body.name ?? null,
      meta: body.meta ? JSON.stringify(body.meta) : null,
      identity_id: body.externalId ? identityFor(ctx.store, body.externalId, ctx.now) : null,
      enabled: body.enabled === false ? 0 : 1,
      expires: body.expires ?? null,
      remaining: body.credits?.remaining ?? null,
      refill_interval: refill?.interval ?? null,
      refill_amount: refill?.amount ?? null,
      // The API ignores refillDay on daily refills.
      refill_day: refill?.interval === "monthly" ? (refill.refillDay ?? null) : null,
      permissions: JSON.stringify(body.permissions ?? []),
      roles: JSON.stringify(body.roles ?? []),
      created_at: ctx.now,
    });
    if (body.ratelimits?.length) ctx.store.replaceRatelimits({ keyId }, body.ratelimits);
  });
  return { data: { keyId, key } };
};

export const getKey: Handler = (ctx, raw) => {
  const body = parseBody(getKeyBody, raw);
  return { data: keyView(ctx.store, requireKey(ctx, body.keyId), { decrypt: body.decrypt }) };
};

export const updateKey: Handler = (ctx, raw) => {
  const body = parseBody(updateKeyBody, raw);
  const key = requireKey(ctx, body.keyId);
  const patch: KeyPatch = { updated_at: ctx.now };
  if (body.name !== undefined) patch.name = body.name;
  if (body.meta !== undefined) patch.meta = body.meta === null ? null : JSON.stringify(body.meta);
  if (body.expires !== undefined) patch.expires = body.expires;
  if (body.enabled !== undefined) patch.enabled = body.enabled ? 1 : 0;
  if (body.roles !== undefined) patch.roles = JSON.stringify(body.roles);
  if (body.permissions !== undefined) patch.permissions = JSON.stringify(body.permissions);
  if (body.credits !== undefined) {
    if (body.credits === null) {
      Object.assign(patch, {
        remaining: null,
        refill_interval: null,
        refill_amount: null,
        refill_day: null,
      });
    } else {
      let remaining = key.remaining;
      let interval = key.refill_interval;
      let amount = key.refill_amount;
      let day = key.refill_day;
      if (body.credits.remaining !== undefined) {
        remaining = body.credits.remaining;
        // Unlimited credits clear the refill schedule.
        if (remaining === null) interval = amount = day = null;
      }
      const refill = body.credits.refill;
      if (refill === null) interval = amount = day = null;
      else if (refill !== undefined) {
        if (refill.interval === "monthly" && refill.refillDay === undefined) {
          throw badRequest(
            "`refillDay` must be provided when the refill interval is `monthly`.",
            "body.credits.refill.refillDay",
          );
        }
        if (refill.interval === "daily" && refill.refillDay !== undefined) {
          throw badRequest(
            "`refillDay` is only allowed with the `monthly` interval.",
            "body.credits.refill.refillDay",
          );
        }
        if (remaining === null) {
          throw badRequest(
            "Cannot configure refill settings when credits is null.",
            "body.credits.refill",
          );
        }
        interval = refill.interval;
        amount = refill.amount;
        day = refill.refillDay ?? null;
      }
      Object.assign(patch, {
        remaining,
        refill_interval: interval,
        refill_amount: amount,
        refill_day: day,
      });
    }
  }
  ctx.store.transaction(() => {
    if (body.externalId !== undefined) {
      patch.identity_id =
        body.externalId === null ? null : identityFor(ctx.store, body.externalId, ctx.now);
    }
    ctx.store.updateKey(key.id, patch);
    if (body.ratelimits !== undefined)
      ctx.store.replaceRatelimits({ keyId: key.id }, body.ratelimits);
  });
  return { data: {} };
};

export const updateCredits: Handler = (ctx, raw) => {
  const body = parseBody(updateCreditsBody, raw);
  const key = requireKey(ctx, body.keyId);
  const value = body.value ?? null;
  let patch: KeyPatch;
  if (body.operation === "set") {
    patch =
      value === null
        ? { remaining: null, refill_interval: null, refill_amount: null, refill_day: null }
        : { remaining: value };
  } else {
    if (value === null) {
      throw badRequest(
        `\`value\` is required for the \`${body.operation}\` operation.`,
        "body.value",
      );
    }
    if (key.remaining === null) {
      throw badRequest(
        `Cannot ${body.operation} credits on a key with unlimited credits; use \`set\` to give it a balance first.`,
        "body.operation",
      );
    }
    patch = {
      remaining:
        body.operation === "increment" ? key.remaining + value : Math.max(0, key.remaining - value),
    };
  }
  patch.updated_at = ctx.now;
  ctx.store.updateKey(key.id, patch);
  return { data: creditsView(requireKey(ctx, key.id)) };
};

export const deleteKey: Handler = (ctx, raw) => {
  const body = parseBody(deleteKeyBody, raw);
  const key = requireKey(ctx, body.keyId);
  if (body.permanent) ctx.store.deleteKeyPermanently(key.id);
  else ctx.store.updateKey(key.id, { deleted_at: ctx.now, updated_at: ctx.now });
  return { data: {} };
};

export const listKeys: Handler = (ctx, raw) => {
  const body = parseBody(listKeysBody, raw);
  requireApi(ctx, body.apiId);
  const after = decodeCursor(body.cursor);
  if (after === undefined) throw badRequest("The cursor is not valid.", "body.cursor");
  const limit = body.limit ?? 100;
  let rows: KeyRow[] = [];
  if (body.externalId !== undefined) {
    const identity = ctx.store.identityByExternal(body.externalId);
    if (identity) rows = ctx.store.listKeys(body.apiId, after, limit + 1, identity.id);
  } else {
    rows = ctx.store.listKeys(body.apiId, after, limit + 1);
  }
  const { items, pagination } = page(rows, limit);
  return { data: items.map((k) => keyView(ctx.store, k, { decrypt: body.decrypt })), pagination };
};

type VerifyCode =
  | "VALID"
  | "NOT_FOUND"
  | "INSUFFICIENT_PERMISSIONS"
  | "USAGE_EXCEEDED"
  | "RATE_LIMITED"
  | "DISABLED"
  | "EXPIRED";

export const verifyKey: Handler = (ctx, raw) => {
  const body = parseBody(verifyKeyBody, raw);
  const permissionQuery =
    body.permissions === undefined ? undefined : parsePermissionQuery(body.permissions);
  const key = ctx.store.keyByHash(sha256Hex(body.key));
  if (!key || key.deleted_at !== null || key.api_id !== ctx.apiId) {
    // Unknown keys are not attributable to a key, so (as in Unkey) nothing is recorded.
    return { data: { valid: false, code: "NOT_FOUND" } };
  }
  const identity = key.identity_id === null ? undefined : ctx.store.identity(key.identity_id);
  const permissions = JSON.parse(key.permissions) as string[];

  let code: VerifyCode = "VALID";
  let ratelimitResults: RatelimitOutcome[] | undefined;
  let spent = 0;
  let remaining = key.remaining;

  if (key.enabled !== 1) code = "DISABLED";
  else if (key.expires !== null && key.expires <= ctx.now) code = "EXPIRED";
  else if (permissionQuery && !evaluatePermissionQuery(permissionQuery, permissions))
    code = "INSUFFICIENT_PERMISSIONS";

  if (code === "VALID") {
    const { checks, unknown } = selectRatelimits(
      key.id,
      ctx.store.keyRatelimits(key.id),
      identity?.id ?? null,
      identity ? ctx.store.identityRatelimits(identity.id) : [],
      body.ratelimits,
    );
    if (unknown.length > 0) {
      throw badRequest(
        `Ratelimit '${unknown[0]}' was requested but does not exist for key '${key.id}' nor its identity.`,
        "body.ratelimits",
      );
    }
    if (checks.length > 0) {
      ratelimitResults = ctx.ratelimits.apply(checks, ctx.now);
      if (ratelimitResults.some((r) => r.exceeded)) code = "RATE_LIMITED";
    }
  }

  // Credits are checked last, after every security check, and nothing is spent when short.
  if (code === "VALID" && remaining !== null) {
    const cost = body.credits?.cost ?? 1;
    if (remaining < cost) code = "USAGE_EXCEEDED";
    else {
      remaining -= cost;
      spent = cost;
    }
  }

  ctx.store.transaction(() => {
    const patch: KeyPatch = { last_used_at: ctx.now };
    if (spent > 0) patch.remaining = remaining;
    ctx.store.updateKey(key.id, patch);
    ctx.verifications.insert({
      time: ctx.now,
      requestId: ctx.requestId,
      keySpaceId: ctx.keyspaceId,
      keyId: key.id,
      externalId: identity?.external_id ?? "",
      outcome: code,
      region: "local",
      tags: body.tags ?? [],
      spentCredits: spent,
    });
  });

  const data: Record<string, unknown> = { valid: code === "VALID", code, keyId: key.id };
  if (key.name !== null) data.name = key.name;
  if (key.meta !== null) data.meta = JSON.parse(key.meta);
  if (key.expires !== null) data.expires = key.expires;
  if (remaining !== null) data.credits = remaining;
  data.enabled = key.enabled === 1;
  if (permissionQuery) {
    data.permissions = permissions;
    data.roles = JSON.parse(key.roles);
  }
  if (identity) data.identity = identityView(ctx.store, identity);
  if (ratelimitResults) data.ratelimits = ratelimitResults;
  return { data };
};
