/**
 * CSV downloads of the finance page's tables:
 *
 *   GET /export/finance-by-plan.csv?input=<json>         finance.summary input → byPlan
 *   GET /export/finance-top-by-usage.csv?input=<json>    finance.summary input → topByUsage
 *   GET /export/finance-top-by-overage.csv?input=<json>  finance.summary input → topByOverage
 *   GET /export/finance-at-risk.csv?input=<json>         finance.atRisk input  → both lists
 *
 * Same input validation and role rules as the procedures (summary tables: finance + admin;
 * at-risk: finance, account managers + admin), session cookie auth as exports.ts: 401 without a
 * session, 403 for a role that may not read the table, 400 for bad input (naming the field).
 * Money is in decimal units of `currency` (e.g. 1234.50) with a currency column; counts are
 * integers; instants ISO 8601 UTC; cells quoted per RFC 4180 (csv.ts).
 */
import { exportInput } from "./export-input";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { AppDeps, SessionInfo } from "../context";
import { financeAtRiskInput, financeSummaryInput } from "../routers/finance";
import { financeAtRisk, type AtRiskCustomer } from "../services/finance/at-risk";
import {
  financeSummary,
  type CustomerFigures,
  type FinanceSummary,
  type PlanFigures,
} from "../services/finance/summary";
import type { Role } from "../store/index";
import { csvLine, type CsvValue } from "./csv";
import { sessionOf } from "./session";

/** Integer cents → "1234.50" (never negative here; a leading "-" would be formula-escaped). */
export function money(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** A decimal string of cents ("0.1065") → decimal units ("0.001065"), exactly (no float). */
export function decimalCentsToUnits(cents: string): string {
  const [int = "0", frac = ""] = cents.split(".");
  const digits = int.replace(/^0+/, "").padStart(3, "0");
  const units = `${digits.slice(0, -2)}.${digits.slice(-2)}${frac}`.replace(/0+$/, "");
  return units.endsWith(".") ? `${units}00` : units.replace(/\.(\d)$/, ".$10");
}

type Columns<T> = [string, (r: T, s: { currency: string }) => CsvValue][];

const customerColumns: Columns<CustomerFigures & { rank: number }> = [
  ["rank", (r) => r.rank],
  ["external_id", (r) => r.externalId],
  ["name", (r) => r.name],
  ["plan", (r) => r.plan],
  ["verifications", (r) => r.verifications],
  ["credits_spent", (r) => r.creditsSpent],
  ["overage_units", (r) => r.overageUnits],
  ["overage_revenue", (r) => money(r.overageRevenueCents)],
  ["currency", (_, s) => s.currency],
];

const planColumns: Columns<PlanFigures> = [
  ["plan", (r) => r.plan],
  ["plan_name", (r) => r.planName],
  ["customers", (r) => r.customers],
  ["active_subscriptions", (r) => r.activeSubscriptions],
  ["verifications", (r) => r.verifications],
  ["credits_spent", (r) => r.creditsSpent],
  ["overage_units", (r) => r.overageUnits],
  ["overage_revenue", (r) => money(r.overageRevenueCents)],
  ["plan_revenue", (r) => money(r.planRevenueCents)],
  ["base_price", (r) => (r.basePriceCents === null ? null : money(r.basePriceCents))],
  [
    "overage_unit_price",
    (r) =>
      r.overageUnitPriceDecimal === null ? null : decimalCentsToUnits(r.overageUnitPriceDecimal),
  ],
  ["currency", (_, s) => s.currency],
];

const atRiskColumns: Columns<AtRiskCustomer> = [
  ["status", (r) => r.status],
  ["external_id", (r) => r.externalId],
  ["name", (r) => r.name],
  ["plan", (r) => r.plan],
  ["credits_remaining", (r) => r.creditsRemaining],
  ["burn_per_hour", (r) => r.burnPerHour],
  ["forecast_exhaustion_at", (r) => r.forecastAt],
  ["next_refill_at", (r) => r.nextRefillAt],
];

function table<T>(columns: Columns<T>, rows: T[], ctx: { currency: string }): string {
  return (
    csvLine(columns.map(([name]) => name)) +
    rows.map((r) => csvLine(columns.map(([, get]) => get(r, ctx)))).join("")
  );
}

const summaryInput = (v: z.output<typeof financeSummaryInput>) =>
  v.month !== undefined
    ? { month: v.month, top: v.top }
    : { from: Date.parse(v.from ?? ""), to: Date.parse(v.to ?? ""), top: v.top };

const ranked = (rows: CustomerFigures[]) => rows.map((r, i) => ({ ...r, rank: i + 1 }));

interface FinanceTable<S extends z.ZodType> {
  roles: Role[];
  input: S;
  render(deps: AppDeps, input: z.output<S>): Promise<{ csv: string; tag: string }>;
}

function summaryTable(
  pick: (s: FinanceSummary) => string,
): FinanceTable<typeof financeSummaryInput> {
  return {
    roles: ["finance"],
    input: financeSummaryInput,
    async render(deps, input) {
      const s = await financeSummary(deps, summaryInput(input));
      return { csv: pick(s), tag: input.month ?? `${s.from.slice(0, 10)}_${s.to.slice(0, 10)}` };
    },
  };
}

const tables = {
  "by-plan": summaryTable((s) => table(planColumns, s.byPlan, s)),
  "top-by-usage": summaryTable((s) => table(customerColumns, ranked(s.topByUsage), s)),
  "top-by-overage": summaryTable((s) => table(customerColumns, ranked(s.topByOverage), s)),
  "at-risk": {
    roles: ["finance", "account_manager"],
    input: financeAtRiskInput,
    async render(deps, input) {
      const r = await financeAtRisk(deps, input.limit);
      const csv = table(atRiskColumns, [...r.exhausted, ...r.nearExhaustion], { currency: "usd" });
      return { csv, tag: new Date(deps.now()).toISOString().slice(0, 10) };
    },
  } satisfies FinanceTable<typeof financeAtRiskInput>,
};

export const financeExportTables = Object.keys(tables) as (keyof typeof tables)[];

async function handle<S extends z.ZodType>(
  deps: AppDeps,
  name: string,
  t: FinanceTable<S>,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const session: SessionInfo | null = await sessionOf(deps, req);
  if (!session) return reply.code(401).send({ error: "Sign in to continue" });
  const role = session.staff.role;
  if (role !== "admin" && !t.roles.includes(role)) {
    return reply
      .code(403)
      .send({ error: `Your role (${role}) cannot export this table (finance-${name})` });
  }
  const parsed = exportInput(req, t.input, undefined);
  if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
  req.log.info({ staff: session.staff.email, table: name, input: parsed.data }, "finance export");
  const { csv, tag } = await t.render(deps, parsed.data);
  return reply
    .type("text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="finance-${name}-${tag}.csv"`)
    .header("cache-control", "no-store")
    .send(csv);
}

/** Registered with `app.register(financeExportRoutes(deps))` next to the other exports. */
export function financeExportRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    for (const [name, t] of Object.entries(tables)) {
      app.get(`/export/finance-${name}.csv`, (req, reply) =>
        handle(deps, name, t as FinanceTable<z.ZodType>, req, reply),
      );
    }
  };
}
