/**
 * `POST /v1/billing/meter_events`. Validated synchronously like Stripe does: the timestamp must lie
 * within the past 35 days and at most 5 minutes ahead, and an `identifier` seen in the last 24
 * hours is rejected ("An event already exists with identifier …", not silently dropped, so a
 * retried report has to treat that answer as "already delivered"). Like Stripe, an event for a
 * customer or event name without a meter is accepted: Stripe reports those asynchronously.
 */
import { z } from "zod";
import { expanded, type Ctx, type Route } from "../context";
import { invalidParam, missingParam, StripeError } from "../errors";
import { expand, int, parseParams, str } from "../params";
import { hashId } from "../store";
import type { MeterEventObject } from "../wire";
import { activeMeterFor } from "./meters";

const DAY = 86_400;
const MAX_PAST = 35 * DAY;
const MAX_FUTURE = 5 * 60;
const DEDUP_WINDOW = DAY;

const createSchema = z.strictObject({
  event_name: str().min(1).max(100),
  payload: z.record(str(), str()),
  expand: expand(),
  identifier: str().min(1).max(100).optional(),
  timestamp: int().optional(),
});

function create(ctx: Ctx): MeterEventObject {
  const p = parseParams(createSchema, ctx.params);
  const timestamp = p.timestamp ?? ctx.now;
  if (timestamp < ctx.now - MAX_PAST) {
    throw invalidParam(
      "timestamp",
      `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${ctx.now - MAX_PAST}.`,
    );
  }
  if (timestamp > ctx.now + MAX_FUTURE) {
    throw invalidParam(
      "timestamp",
      `The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp less than or equal to ${ctx.now + MAX_FUTURE}.`,
    );
  }
  const meter = activeMeterFor(ctx, p.event_name);
  const customerKey = meter?.customer_mapping.event_payload_key ?? "stripe_customer_id";
  const valueKey = meter?.value_settings.event_payload_key ?? "value";
  const customer = p.payload[customerKey];
  if (customer === undefined) throw missingParam(`payload[${customerKey}]`);
  const rawValue = p.payload[valueKey];
  if (rawValue === undefined) throw missingParam(`payload[${valueKey}]`);
  const value = Number(rawValue);
  if (rawValue.trim() === "" || !Number.isFinite(value)) {
    throw invalidParam(
      `payload[${valueKey}]`,
      `Invalid payload[${valueKey}]: must be a number, got '${rawValue}'.`,
    );
  }
  const identifier = p.identifier ?? hashId("mev", String(ctx.store.nextSeq()), 24).slice(4);
  if (ctx.store.hasRecentIdentifier(identifier, ctx.now - DEDUP_WINDOW)) {
    throw new StripeError(
      400,
      { message: `An event already exists with identifier ${identifier}.`, param: "identifier" },
      // Stripe marks this answer as final; retrying cannot succeed.
      { "stripe-should-retry": "false" },
    );
  }
  ctx.store.insertMeterEvent({
    identifier,
    eventName: p.event_name,
    customer,
    value,
    timestamp,
    created: ctx.now,
    payload: p.payload,
  });
  const event: MeterEventObject = {
    object: "billing.meter_event",
    created: ctx.now,
    event_name: p.event_name,
    identifier,
    livemode: false,
    payload: p.payload,
    timestamp,
  };
  return expanded(event, p.expand, ctx.store);
}

export const meterEventRoutes: Route[] = [
  { method: "POST", path: "/v1/billing/meter_events", handler: create },
];
