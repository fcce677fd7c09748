/** identities.* */
import { UnkeyApiError, badRequest, errorTypes } from "../errors";
import {
  createIdentityBody,
  getIdentityBody,
  listIdentitiesBody,
  parseBody,
  updateIdentityBody,
} from "../validation";
import { identityView } from "../views";
import { decodeCursor, page, type Handler } from "./context";

function identityNotFound(): UnkeyApiError {
  return new UnkeyApiError(404, errorTypes.identityNotFound, "This identity does not exist.");
}

export const createIdentity: Handler = (ctx, raw) => {
  const body = parseBody(createIdentityBody, raw);
  if (ctx.store.identityByExternal(body.externalId)) {
    throw new UnkeyApiError(
      409,
      errorTypes.identityExists,
      `Identity with externalId "${body.externalId}" already exists in this workspace.`,
    );
  }
  const identity = ctx.store.transaction(() => {
    const row = ctx.store.insertIdentity(body.externalId, body.meta ?? {}, ctx.now);
    if (body.ratelimits?.length)
      ctx.store.replaceRatelimits({ identityId: row.id }, body.ratelimits);
    return row;
  });
  return { data: { identityId: identity.id } };
};

export const getIdentity: Handler = (ctx, raw) => {
  const body = parseBody(getIdentityBody, raw);
  const identity = ctx.store.identityByAny(body.identity);
  if (!identity) throw identityNotFound();
  return { data: identityView(ctx.store, identity) };
};

export const listIdentities: Handler = (ctx, raw) => {
  const body = parseBody(listIdentitiesBody, raw);
  const after = decodeCursor(body.cursor);
  if (after === undefined) throw badRequest("The cursor is not valid.", "body.cursor");
  const limit = body.limit ?? 100;
  const { items, pagination } = page(
    ctx.store.listIdentities(after, limit + 1, body.search),
    limit,
  );
  return { data: items.map((i) => identityView(ctx.store, i)), pagination };
};

export const updateIdentity: Handler = (ctx, raw) => {
  const body = parseBody(updateIdentityBody, raw);
  const identity = ctx.store.identityByAny(body.identity);
  if (!identity) throw identityNotFound();
  ctx.store.transaction(() => {
    if (body.meta !== undefined) ctx.store.updateIdentityMeta(identity.id, body.meta, ctx.now);
    if (body.ratelimits !== undefined)
      ctx.store.replaceRatelimits({ identityId: identity.id }, body.ratelimits);
  });
  return { data: identityView(ctx.store, ctx.store.identity(identity.id)!) };
};
