/**
 * The one place that reads process.env. Everything else receives a validated `Config`.
 * Sandbox mode when UNKEY_ROOT_KEY is unset; live mode needs all three credentials and fails fast
 * naming every one that is missing.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const optionalUrl = z
  .string()
  .trim()
  .url()
  .optional()
  .or(z.literal("").transform(() => undefined));

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default(path.join(repoRoot, "data")),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Sessions last this long since sign-in (hours). */
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  /** Sign-in attempts allowed per email and per IP within LOGIN_WINDOW_MINUTES. */
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().positive().default(10),
  LOGIN_WINDOW_MINUTES: z.coerce.number().positive().default(15),
  /** Mark the session cookie Secure. Defaults to on in production behind https. */
  COOKIE_SECURE: z
    .enum(["true", "false", "auto"])
    .default("auto")
    .transform((v) => (v === "auto" ? ("auto" as const) : v === "true")),
  /** Behind a reverse proxy: trust X-Forwarded-* (client IP for the login limit, https). */
  TRUST_PROXY: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  UNKEY_ROOT_KEY: z.string().trim().optional(),
  UNKEY_API_ID: z.string().trim().optional(),
  UNKEY_API_URL: optionalUrl,
  STRIPE_SECRET_KEY: z.string().trim().optional(),
  STRIPE_API_URL: optionalUrl,
  /** Sandbox only: seed of the demo world, emulator ports, traffic rate (verifications/s). */
  SANDBOX_SEED: z.coerce.number().int().default(42),
  SANDBOX_UNKEY_PORT: z.coerce.number().int().min(0).max(65535).default(7911),
  SANDBOX_STRIPE_PORT: z.coerce.number().int().min(0).max(65535).default(7912),
  SANDBOX_TRAFFIC_RATE: z.coerce.number().min(0).default(5),
  /** Minutes between scheduled directory syncs (full Unkey + Stripe + analytics refresh). */
  SYNC_INTERVAL_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(10),
  /** Unkey analytics queries allowed per rolling hour for the workspace (Unkey's quota). */
  ANALYTICS_QUERIES_PER_HOUR: z.coerce.number().int().positive().default(1000),
  /** Below this many queries left in the hour, background work serves cached results instead. */
  ANALYTICS_RESERVE: z.coerce.number().int().min(0).default(200),
  /** Support staff may grant up to this many credits in one grant without an admin's approval. */
  SUPPORT_GRANT_MAX_PER_GRANT: z.coerce.number().int().positive().default(5000),
  /** …and up to this many per customer per calendar month (UTC), summed over their grants. */
  SUPPORT_GRANT_MAX_PER_CUSTOMER_MONTH: z.coerce.number().int().positive().default(20000),
  /** Directory of the built SPA; served at / when present. */
  CLIENT_DIST: z.string().default(path.join(repoRoot, "client", "dist")),
});

export interface UpstreamConfig {
  unkey: { rootKey: string; apiId: string; baseUrl: string | undefined };
  stripe: { secretKey: string; baseUrl: string | undefined };
}

export type Config = {
  nodeEnv: "development" | "production" | "test";
  host: string;
  port: number;
  dataDir: string;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  sessionTtlMs: number;
  login: { maxAttempts: number; windowMs: number };
  cookieSecure: boolean | "auto";
  trustProxy: boolean;
  clientDist: string;
  directory: { syncIntervalMs: number; analyticsPerHour: number; analyticsReserve: number };
  /** Limits above which a support grant needs an admin's approval. */
  grants: { supportMaxPerGrant: number; supportMaxPerCustomerMonth: number };
} & (
  | { mode: "live"; upstream: UpstreamConfig }
  | {
      mode: "sandbox";
      sandbox: { seed: number; unkeyPort: number; stripePort: number; trafficRate: number };
    }
);

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const base = {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    login: { maxAttempts: e.LOGIN_MAX_ATTEMPTS, windowMs: e.LOGIN_WINDOW_MINUTES * 60_000 },
    cookieSecure: e.COOKIE_SECURE,
    trustProxy: e.TRUST_PROXY,
    clientDist: path.resolve(e.CLIENT_DIST),
    directory: {
      syncIntervalMs: e.SYNC_INTERVAL_MINUTES * 60_000,
      analyticsPerHour: e.ANALYTICS_QUERIES_PER_HOUR,
      analyticsReserve: Math.min(e.ANALYTICS_RESERVE, e.ANALYTICS_QUERIES_PER_HOUR - 1),
    },
    grants: {
      supportMaxPerGrant: e.SUPPORT_GRANT_MAX_PER_GRANT,
      supportMaxPerCustomerMonth: e.SUPPORT_GRANT_MAX_PER_CUSTOMER_MONTH,
    },
  };
  if (!e.UNKEY_ROOT_KEY) {
    return {
      ...base,
      mode: "sandbox",
      sandbox: {
        seed: e.SANDBOX_SEED,
        unkeyPort: e.SANDBOX_UNKEY_PORT,
        stripePort: e.SANDBOX_STRIPE_PORT,
        trafficRate: e.SANDBOX_TRAFFIC_RATE,
      },
    };
  }
  const missing = (["UNKEY_API_ID", "STRIPE_SECRET_KEY"] as const).filter((k) => !e[k]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Live mode (UNKEY_ROOT_KEY is set) also needs ${missing.join(" and ")}. ` +
        `Set ${missing.length > 1 ? "them" : "it"}, or unset UNKEY_ROOT_KEY to run the sandbox.`,
    );
  }
  return {
    ...base,
    mode: "live",
    upstream: {
      unkey: { rootKey: e.UNKEY_ROOT_KEY, apiId: e.UNKEY_API_ID!, baseUrl: e.UNKEY_API_URL },
      stripe: { secretKey: e.STRIPE_SECRET_KEY!, baseUrl: e.STRIPE_API_URL },
    },
  };
}
