/**
 * Billing meters (create, retrieve, update, list, deactivate, reactivate) and their event
 * summaries. Summaries aggregate the stored meter events of one customer over
 * `[start_time, end_time)` with the meter's formula, either as one summary or per hour / UTC day;
 * the bounds must sit on minute boundaries, and on hour or day boundaries when grouped that way.
 * Grouped summaries are listed newest first and windows without events are left out, as in
 * Stripe's own example answer.
 */
import { z } from "zod";
import { expanded, type Ctx, type Route } from "../context";
import { invalidParam, noSuch, StripeError } from "../errors";
import { listPage } from "../pagination";
import { expand, int, pagination, parseParams, str } from "../params";
import { hashId, type MeterEventRow } from "../store";
import type { MeterEventSummaryObject, MeterObject } from "../wire";
import { getCustomer } from "./customers";

const createSchema = z.strictObject({
  default_aggregation: z.strictObject({ formula: z.enum(["count", "last", "sum"]) }),
  display_name: str().min(1).max(250),
  event_name: str().min(1).max(100),
  customer_mapping: z
    .strictObject({ event_payload_key: str().min(1).max(100), type: z.enum(["by_id"]) })
    .optional(),
  event_time_window: z.enum(["day", "hour"]).optional(),
  expand: expand(),
  value_settings: z.strictObject({ event_payload_key: str().min(1).max(100) }).optional(),
});
const retrieveSchema = z.strictObject({ expand: expand() });
const updateSchema = z.strictObject({
  display_name: str().min(1).max(250).optional(),
  expand: expand(),
});
const listSchema = z.strictObject({
  ...pagination,
  expand: expand(),
  status: z.enum(["active", "inactive"]).optional(),
});
const summariesSchema = z.strictObject({
  ...pagination,
  customer: str(),
  end_time: int(),
  start_time: int(),
  expand: expand(),
  value_grouping_window: z.enum(["day", "hour"]).optional(),
});

export function getMeter(
  ctx: Ctx,
  id: string,
  param: string,
  status: 400 | 404 = 400,
): MeterObject {
  const m = ctx.store.get<MeterObject>(id, "billing.meter");
  if (!m) throw noSuch("billing meter", id, param, status);
  return m;
}

export function activeMeterFor(ctx: Ctx, eventName: string): MeterObject | undefined {
  return ctx.store
    .list<MeterObject>("billing.meter")
    .find((m) => m.event_name === eventName && m.status === "active");
}

/** Aggregate events with the meter's formula (`last` takes the latest by event time). */
export function aggregate(meter: MeterObject, events: readonly MeterEventRow[]): number {
  switch (meter.default_aggregation.formula) {
    case "count":
      return events.length;
    case "last":
      return events.at(-1)?.value ?? 0;
    default:
      return events.reduce((sum, e) => sum + e.value, 0);
  }
}

/** Usage of one customer on a meter over `[from, to)` (unix seconds). */
export function meterUsage(
  ctx: Ctx,
  meter: MeterObject,
  customer: string,
  from: number,
  to: number,
): number {
  return aggregate(meter, ctx.store.meterEvents(meter.event_name, customer, from, to));
}

function create(ctx: Ctx): MeterObject {
  const p = parseParams(createSchema, ctx.params);
  if (activeMeterFor(ctx, p.event_name)) {
    throw new StripeError(400, {
      message: `An active meter with event_name \`${p.event_name}\` already exists.`,
      param: "event_name",
    });
  }
  const { id, seq } = ctx.store.newId("mtr");
  const meter: MeterObject = {
    id,
    object: "billing.meter",
    created: ctx.now,
    customer_mapping: p.customer_mapping ?? {
      event_payload_key: "stripe_customer_id",
      type: "by_id",
    },
    default_aggregation: { formula: p.default_aggregation.formula },
    display_name: p.display_name,
    event_name: p.event_name,
    event_time_window: p.event_time_window ?? null,
    livemode: false,
    status: "active",
    status_transitions: { deactivated_at: null },
    updated: ctx.now,
    value_settings: p.value_settings ?? { event_payload_key: "value" },
  };
  ctx.store.insert(meter, seq);
  return expanded(meter, p.expand, ctx.store);
}

function retrieve(ctx: Ctx): MeterObject {
  const p = parseParams(retrieveSchema, ctx.params);
  return expanded(getMeter(ctx, ctx.pathParams.id ?? "", "id", 404), p.expand, ctx.store);
}

function update(ctx: Ctx): MeterObject {
  const p = parseParams(updateSchema, ctx.params);
  const m = getMeter(ctx, ctx.pathParams.id ?? "", "id", 404);
  if (p.display_name !== undefined) m.display_name = p.display_name;
  m.updated = ctx.now;
  ctx.store.update(m);
  return expanded(m, p.expand, ctx.store);
}

function setStatus(status: "active" | "inactive") {
  return (ctx: Ctx): MeterObject => {
    const p = parseParams(retrieveSchema, ctx.params);
    const m = getMeter(ctx, ctx.pathParams.id ?? "", "id", 404);
    if (m.status === status) {
      throw new StripeError(400, { message: `This meter is already ${status}.` });
    }
    if (status === "active" && activeMeterFor(ctx, m.event_name)) {
      throw new StripeError(400, {
        message: `An active meter with event_name \`${m.event_name}\` already exists.`,
      });
    }
    m.status = status;
    m.status_transitions = { deactivated_at: status === "inactive" ? ctx.now : null };
    m.updated = ctx.now;
    ctx.store.update(m);
    return expanded(m, p.expand, ctx.store);
  };
}

function list(ctx: Ctx) {
  const p = parseParams(listSchema, ctx.params);
  const all = ctx.store
    .list<MeterObject>("billing.meter")
    .filter((m) => p.status === undefined || m.status === p.status);
  return expanded(listPage(all, p, "/v1/billing/meters", "billing meter"), p.expand, ctx.store);
}

const WINDOW = { hour: 3_600, day: 86_400 } as const;

function summaries(ctx: Ctx) {
  const p = parseParams(summariesSchema, ctx.params);
  const meter = getMeter(ctx, ctx.pathParams.id ?? "", "id", 404);
  getCustomer(ctx, p.customer, "customer");
  for (const field of ["start_time", "end_time"] as const) {
    if (p[field] % 60 !== 0) {
      throw invalidParam(field, `${field} must be aligned with minute boundaries.`);
    }
  }
  if (p.start_time >= p.end_time) {
    throw invalidParam("start_time", "start_time must be before end_time.");
  }
  const window = p.value_grouping_window;
  if (window !== undefined) {
    const size = WINDOW[window];
    for (const field of ["start_time", "end_time"] as const) {
      if (p[field] % size !== 0) {
        throw invalidParam(
          field,
          window === "hour"
            ? `${field} must be aligned with hour boundaries (e.g., 00:00, 01:00, ..., 23:00) when value_grouping_window is hour.`
            : `${field} must be aligned with UTC day boundaries (00:00 UTC) when value_grouping_window is day.`,
        );
      }
    }
  }
  const events = ctx.store.meterEvents(meter.event_name, p.customer, p.start_time, p.end_time);
  const summary = (
    start: number,
    end: number,
    evs: readonly MeterEventRow[],
  ): MeterEventSummaryObject => ({
    id: hashId("mtrusg", `${meter.id}:${p.customer}:${start}:${end}`),
    object: "billing.meter_event_summary",
    aggregated_value: aggregate(meter, evs),
    end_time: end,
    livemode: false,
    meter: meter.id,
    start_time: start,
  });
  let data: MeterEventSummaryObject[];
  if (window === undefined) {
    data = [summary(p.start_time, p.end_time, events)];
  } else {
    const size = WINDOW[window];
    const buckets = new Map<number, MeterEventRow[]>();
    for (const e of events) {
      const start = e.timestamp - ((e.timestamp - p.start_time) % size);
      const bucket = buckets.get(start) ?? [];
      bucket.push(e);
      buckets.set(start, bucket);
    }
    data = [...buckets.entries()]
      .sort(([a], [b]) => b - a)
      .map(([start, evs]) => summary(start, start + size, evs));
  }
  const url = `/v1/billing/meters/${meter.id}/event_summaries`;
  return expanded(listPage(data, p, url, "billing meter event summary"), p.expand, ctx.store);
}

export const meterRoutes: Route[] = [
  { method: "POST", path: "/v1/billing/meters", handler: create },
  { method: "GET", path: "/v1/billing/meters", handler: list },
  { method: "GET", path: "/v1/billing/meters/:id", handler: retrieve },
  { method: "POST", path: "/v1/billing/meters/:id", handler: update },
  { method: "POST", path: "/v1/billing/meters/:id/deactivate", handler: setStatus("inactive") },
  { method: "POST", path: "/v1/billing/meters/:id/reactivate", handler: setStatus("active") },
  { method: "GET", path: "/v1/billing/meters/:id/event_summaries", handler: summaries },
];
