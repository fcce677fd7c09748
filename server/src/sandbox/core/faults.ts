/**
 * Fault injection for the emulators, per endpoint. An endpoint is named the way the emulator
 * routes it: Unkey `keys.updateCredits`; Stripe `POST /v1/customers` or `POST /v1/customers/*`
 * (`*` matches one path segment; `**` or the single string `*` match everything).
 */
import { z } from "zod";

export const faultKinds = ["latency", "status", "timeout", "drop"] as const;

export const faultRuleInput = z.object({
  endpoint: z.string().min(1),
  /** latency: delay then answer normally; status: answer with `status` (5xx or 429); timeout: never
   * answer (the client times out); drop: destroy the socket without a response. */
  kind: z.enum(faultKinds),
  status: z.number().int().min(400).max(599).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  /** Seconds for a Retry-After header on 429/503 answers. */
  retryAfter: z.number().int().min(0).optional(),
  /** Fire this many times then disappear; omitted = until cleared. */
  times: z.number().int().min(1).optional(),
  /** Fire with this probability (0..1); default 1. */
  probability: z.number().min(0).max(1).optional(),
  /** Apply the fault after the request has been handled (the effect happens, the answer is lost). */
  after: z.boolean().optional(),
});
export type FaultRuleInput = z.infer<typeof faultRuleInput>;
export type FaultRule = FaultRuleInput & { id: string; fired: number };

function endpointMatches(pattern: string, endpoint: string): boolean {
  if (pattern === "*" || pattern === "**") return true;
  if (pattern === endpoint) return true;
  const p = pattern.split("/");
  const e = endpoint.split("/");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === "**") return true;
    if (i >= e.length) return false;
    if (p[i] !== "*" && p[i] !== e[i]) return false;
  }
  return p.length === e.length;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private seq = 0;

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...faultRuleInput.parse(input), id: `fault_${++this.seq}`, fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  clear(id?: string): void {
    this.rules = id === undefined ? [] : this.rules.filter((r) => r.id !== id);
  }

  /** The fault to apply to this request, if any; consumes one use of a counted rule. */
  take(endpoint: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (!endpointMatches(rule.endpoint, endpoint)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.fired++;
      if (rule.times !== undefined && rule.fired >= rule.times) {
        this.rules = this.rules.filter((r) => r !== rule);
      }
      return { ...rule };
    }
    return undefined;
  }
}
