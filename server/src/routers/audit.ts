import { z } from "zod";
import type { AuditEntry } from "../store/index";
import { roleProcedure, router } from "../trpc";

/** Filters shared by the page and the CSV export (http/audit-exports.ts). */
export const auditFilterInput = z.object({
  actor: z.string().trim().min(1).max(320).optional(),
  /** The customer (externalId) or staff id an entry is about. */
  target: z.string().trim().min(1).max(255).optional(),
  /** An action or a family of them: "grant" matches "grant.requested", "grant.done", … */
  action: z.string().trim().min(1).max(100).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});

export const auditEntryOutput = z.object({
  id: z.number(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  actorRole: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  meta: z.unknown(),
  hash: z.string(),
});

const parse = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));

export function toAuditView(e: AuditEntry): z.infer<typeof auditEntryOutput> {
  return {
    id: e.id,
    at: new Date(Number(e.at)).toISOString(),
    actorId: e.actor_id,
    actorEmail: e.actor_email,
    actorRole: e.actor_role,
    action: e.action,
    target: e.target,
    before: parse(e.before_json),
    after: parse(e.after_json),
    meta: parse(e.meta_json),
    hash: e.hash,
  };
}

export function auditFilter(input: z.infer<typeof auditFilterInput>) {
  return {
    actor: input.actor,
    target: input.target,
    action: input.action,
    from: input.from ? Date.parse(input.from) : undefined,
    to: input.to ? Date.parse(input.to) : undefined,
  };
}

/** Admins and finance read the audit log. */
export const auditRouter = router({
  list: roleProcedure("finance")
    .input(
      auditFilterInput.extend({
        limit: z.number().int().min(1).max(500).default(100),
        offset: z.number().int().min(0).default(0),
      }),
    )
    .output(z.object({ items: z.array(auditEntryOutput), total: z.number() }))
    .query(async ({ ctx, input }) => {
      const { rows, total } = await ctx.deps.repos.auditQuery.page({
        ...auditFilter(input),
        limit: input.limit,
        offset: input.offset,
      });
      return { items: rows.map(toAuditView), total };
    }),
  verify: roleProcedure("finance")
    .input(z.void())
    .output(
      z.object({
        ok: z.boolean(),
        entries: z.number().nullable(),
        brokenAt: z.number().nullable(),
      }),
    )
    .query(async ({ ctx }) => {
      const r = await ctx.deps.repos.audit.verifyChain();
      return r.ok
        ? { ok: true, entries: r.entries, brokenAt: null }
        : { ok: false, entries: null, brokenAt: r.brokenAt };
    }),
});
