/**
 * The sandbox control API, served under `/_sandbox/` on both emulator ports (loopback only):
 * read/advance/freeze the clock, inject faults per endpoint, reset the world, reset the analytics
 * quota, and describe the sandbox. Tests and demos drive the emulators through it over plain HTTP,
 * so an e2e test in another process can cross a refill or break Stripe without importing anything.
 * Routes and bodies are documented in ./README.md.
 */
import { z } from "zod";
import type { SandboxClock } from "./core/clock";
import type { UnkeyEmulatorApi } from "./core/contracts";
import { faultRuleInput, type FaultInjector, type FaultRule } from "./core/faults";
import type { ControlHandler, EmulatorRequest, EmulatorResponse } from "./core/http";

export const services = ["unkey", "stripe"] as const;
export type Service = (typeof services)[number];

export interface ControlDeps {
  clock: SandboxClock;
  faults: Record<Service, FaultInjector>;
  unkey: Pick<UnkeyEmulatorApi, "resetQuota">;
  /** Wipe and reseed from the seed; resolves with what the new world holds. */
  reset: () => Promise<unknown>;
  /** Credentials, seed, counts. */
  info: () => unknown;
}

const instant = z.union([
  z.number().int().min(0),
  z
    .string()
    .min(1)
    .refine(
      (s) => !Number.isNaN(Date.parse(s)),
      "must be an ISO 8601 date-time or unix milliseconds",
    ),
]);

const advanceBody = z
  .object({
    /** Move forward by this many milliseconds. */
    ms: z.number().int().min(0).optional(),
    /** Move forward to this instant (ISO string or unix ms); must not be in the clock's past. */
    to: instant.optional(),
  })
  .strict()
  .refine((b) => (b.ms === undefined) !== (b.to === undefined), {
    message: "give exactly one of ms or to",
    path: ["ms"],
  });

const freezeBody = z.object({ at: instant.optional() }).strict();

const faultBody = faultRuleInput.extend({ service: z.enum(services) }).strict();

const serviceQuery = z.enum(services).optional();

function json(status: number, body: unknown): EmulatorResponse {
  return { status, body };
}

/** 400 naming each bad field, e.g. `{error: {message: "kind: Invalid option…", field: "kind"}}`. */
function invalid(error: z.ZodError): EmulatorResponse {
  const issues = error.issues.map((i) => ({
    field: i.path.join(".") || "(body)",
    message: i.message,
  }));
  const first = issues[0];
  return json(400, {
    error: {
      type: "invalid_request",
      message: first ? `${first.field}: ${first.message}` : "invalid body",
      field: first?.field,
      issues,
    },
  });
}

function parseJson(
  req: EmulatorRequest,
): { ok: true; value: unknown } | { ok: false; res: EmulatorResponse } {
  if (req.body.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(req.body) as unknown };
  } catch {
    return {
      ok: false,
      res: json(400, {
        error: { type: "invalid_request", message: "(body): must be JSON", field: "(body)" },
      }),
    };
  }
}

function toMs(v: number | string): number {
  return typeof v === "number" ? v : Date.parse(v);
}

export function clockState(clock: SandboxClock) {
  const now = clock.now();
  return { now, iso: new Date(now).toISOString(), frozen: clock.frozen, offsetMs: clock.offset };
}

function faultsView(faults: Record<Service, FaultInjector>, only?: Service) {
  const out: (FaultRule & { service: Service })[] = [];
  for (const service of services) {
    if (only && only !== service) continue;
    for (const rule of faults[service].list()) out.push({ ...rule, service });
  }
  return out;
}

export function createControlHandler(deps: ControlDeps): ControlHandler {
  const { clock, faults } = deps;

  return async (req) => {
    const path = req.path.replace(/\/+$/, "");
    const method = req.method.toUpperCase();
    const route = `${method} ${path}`;
    let body: unknown = {};
    if (method === "POST" || method === "DELETE") {
      const parsed = parseJson(req);
      if (!parsed.ok) return parsed.res;
      body = parsed.value;
    }

    switch (route) {
      case "GET /_sandbox/clock":
        return json(200, clockState(clock));

      case "POST /_sandbox/clock/advance": {
        const p = advanceBody.safeParse(body);
        if (!p.success) return invalid(p.error);
        const from = clock.now();
        if (p.data.to !== undefined) {
          const to = toMs(p.data.to);
          if (to < from) {
            return json(400, {
              error: {
                type: "invalid_request",
                message: `to: ${new Date(to).toISOString()} is before the clock's now (${new Date(from).toISOString()}); the sandbox clock only moves forward`,
                field: "to",
              },
            });
          }
          // Refills for every 00:00 UTC crossed run in the Unkey emulator's clock listener.
          clock.advanceTo(to);
        } else {
          clock.advance(p.data.ms ?? 0);
        }
        return json(200, { from, ...clockState(clock) });
      }

      case "POST /_sandbox/clock/freeze": {
        const p = freezeBody.safeParse(body);
        if (!p.success) return invalid(p.error);
        const at = p.data.at === undefined ? undefined : toMs(p.data.at);
        if (at !== undefined && at < clock.now()) {
          return json(400, {
            error: {
              type: "invalid_request",
              message: "at: must not be in the clock's past",
              field: "at",
            },
          });
        }
        clock.freeze(at);
        return json(200, clockState(clock));
      }

      case "POST /_sandbox/clock/unfreeze":
        clock.unfreeze();
        return json(200, clockState(clock));

      case "GET /_sandbox/faults": {
        const p = serviceQuery.safeParse(req.query.get("service") ?? undefined);
        if (!p.success)
          return invalid(new z.ZodError(p.error.issues.map((i) => ({ ...i, path: ["service"] }))));
        return json(200, { faults: faultsView(faults, p.data) });
      }

      case "POST /_sandbox/faults": {
        const p = faultBody.safeParse(body);
        if (!p.success) return invalid(p.error);
        const { service, ...rule } = p.data;
        const added = faults[service].add(rule);
        return json(201, { ...added, service });
      }

      case "DELETE /_sandbox/faults": {
        const p = z
          .object({ service: z.enum(services).optional(), id: z.string().min(1).optional() })
          .strict()
          .safeParse({
            ...(body as object),
            ...(req.query.get("service") ? { service: req.query.get("service") } : {}),
            ...(req.query.get("id") ? { id: req.query.get("id") } : {}),
          });
        if (!p.success) return invalid(p.error);
        let removed = 0;
        for (const service of services) {
          if (p.data.service && p.data.service !== service) continue;
          const before = faults[service].list().length;
          faults[service].clear(p.data.id);
          removed += before - faults[service].list().length;
        }
        return json(200, { removed });
      }

      case "POST /_sandbox/reset": {
        const world = await deps.reset();
        return json(200, { ok: true, world, clock: clockState(clock) });
      }

      case "POST /_sandbox/quota/reset":
        deps.unkey.resetQuota();
        return json(200, { ok: true });

      case "GET /_sandbox/info":
        return json(200, deps.info());

      default: {
        const known = [
          "/_sandbox/clock",
          "/_sandbox/clock/advance",
          "/_sandbox/clock/freeze",
          "/_sandbox/clock/unfreeze",
          "/_sandbox/faults",
          "/_sandbox/reset",
          "/_sandbox/quota/reset",
          "/_sandbox/info",
        ];
        if (known.includes(path)) {
          return json(405, {
            error: { type: "method_not_allowed", message: `${method} is not allowed on ${path}` },
          });
        }
        return json(404, {
          error: { type: "not_found", message: `no control route ${path}`, routes: known },
        });
      }
    }
  };
}
