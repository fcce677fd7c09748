/**
 * File downloads that are not tRPC calls: `GET /export/directory.csv?input=<json>` streams every
 * row of a directory view (same input and validation as `directory.list`, paging ignored) as CSV.
 * Needs a signed-in session; every role may export what it may list.
 */
import { exportInput } from "./export-input";
import { Readable } from "node:stream";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../context";
import { allDirectoryRows } from "../services/directory/list";
import { directoryListInput, type DirectoryRow } from "../services/directory/schema";
import { csvLine, type CsvValue } from "./csv";
import { sessionOf } from "./session";

const columns: [string, (r: DirectoryRow) => CsvValue][] = [
  ["external_id", (r) => r.externalId],
  ["kind", (r) => r.kind],
  ["name", (r) => r.name],
  ["email", (r) => r.email],
  ["plan", (r) => r.plan],
  ["status", (r) => r.status],
  ["in_overage", (r) => r.inOverage],
  ["key_count", (r) => r.keyCount],
  ["credits_remaining", (r) => r.creditsRemaining],
  ["credits_allowance", (r) => r.creditsAllowance],
  ["percent_left", (r) => r.percentLeft],
  ["burn_per_hour", (r) => r.burnPerHour],
  ["next_refill_at", (r) => r.nextRefillAt],
  ["forecast_exhaustion_at", (r) => r.forecastExhaustionAt],
  ["last_used_at", (r) => r.lastUsedAt],
  ["identity_id", (r) => r.identityId],
  ["stripe_customer_id", (r) => r.stripeCustomerId],
  ["flags", (r) => r.flags.join(" ")],
];

/** Registered with `app.register(exportRoutes(deps))` (an encapsulated Fastify plugin). */
export function exportRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/export/directory.csv", async (req, reply) => {
      const session = await sessionOf(deps, req);
      if (!session) return reply.code(401).send({ error: "Sign in to continue" });

      const parsed = exportInput(req, directoryListInput);
      if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
      // The export is the whole view, not the page on screen.
      const view = { ...parsed.data, offset: 0 };
      req.log.info({ staff: session.staff.email, view }, "directory export");

      async function* lines() {
        yield csvLine(columns.map(([name]) => name));
        for await (const row of allDirectoryRows(deps, view)) {
          yield csvLine(columns.map(([, get]) => get(row)));
        }
      }
      const date = new Date(deps.now()).toISOString().slice(0, 10);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="customers-${date}.csv"`)
        .header("cache-control", "no-store")
        .send(Readable.from(lines()));
    });
  };
}
