/**
 * `GET /export/audit.csv?input=<json>`: the audit log with the audit page's filters, as CSV.
 * Admins and finance only (same as `audit.list`).
 */
import { exportInput } from "./export-input";
import { Readable } from "node:stream";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../context";
import { auditFilter, auditFilterInput } from "../routers/audit";
import { csvLine } from "./csv";
import { sessionOf } from "./session";

export function auditExportRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/export/audit.csv", async (req, reply) => {
      const session = await sessionOf(deps, req);
      if (!session) return reply.code(401).send({ error: "Sign in to continue" });
      if (session.staff.role !== "admin" && session.staff.role !== "finance") {
        return reply
          .code(403)
          .send({ error: `Your role (${session.staff.role}) cannot export the audit log` });
      }
      const parsed = exportInput(req, auditFilterInput);
      if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
      const filter = auditFilter(parsed.data);
      async function* lines() {
        yield csvLine([
          "id",
          "at",
          "actor_email",
          "actor_role",
          "action",
          "target",
          "before",
          "after",
          "meta",
          "prev_hash",
          "hash",
        ]);
        for await (const e of deps.repos.auditQuery.all(filter)) {
          yield csvLine([
            e.id,
            new Date(Number(e.at)).toISOString(),
            e.actor_email,
            e.actor_role,
            e.action,
            e.target,
            e.before_json,
            e.after_json,
            e.meta_json,
            e.prev_hash,
            e.hash,
          ]);
        }
      }
      const date = new Date(deps.now()).toISOString().slice(0, 10);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="audit-${date}.csv"`)
        .header("cache-control", "no-store")
        .send(Readable.from(lines()));
    });
  };
}
