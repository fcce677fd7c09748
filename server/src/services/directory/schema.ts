/**
 * The directory's contracts: the `directory.list` input (shared by the procedure and the CSV
 * export, so both validate identically) and the row every view of the directory returns.
 */
import { z } from "zod";
import { directorySorts } from "../../domain/directory";

export const directoryStatusFilter = [
  "healthy",
  "low",
  "exhausted",
  "unlimited",
  "no_keys",
  "overage",
] as const;

export const directoryListInput = z.object({
  q: z.string().trim().max(200).optional(),
  plans: z.array(z.string().trim().min(1).max(64)).max(50).optional(),
  statuses: z.array(z.enum(directoryStatusFilter)).max(directoryStatusFilter.length).optional(),
  sort: z.enum(directorySorts).default("name"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type DirectoryListInput = z.output<typeof directoryListInput>;

export const directoryRow = z.object({
  externalId: z.string(),
  kind: z.enum(["customer", "stripe_only", "unassigned_key"]),
  identityId: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  plan: z.string().nullable(),
  stripeCustomerId: z.string().nullable(),
  keyCount: z.number().int(),
  creditsRemaining: z.number().nullable(),
  creditsAllowance: z.number().nullable(),
  percentLeft: z.number().nullable(),
  status: z.enum(["healthy", "low", "exhausted", "unlimited", "no_keys"]),
  inOverage: z.boolean(),
  nextRefillAt: z.string().nullable(),
  burnPerHour: z.number().nullable(),
  forecastExhaustionAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  flags: z.array(z.enum(["no_stripe", "no_keys", "no_identity"])),
});
export type DirectoryRow = z.infer<typeof directoryRow>;

export const directoryListOutput = z.object({
  rows: z.array(directoryRow),
  total: z.number().int(),
  syncedAt: z.string().nullable(),
});

export const syncStatusOutput = z.object({
  lastSyncedAt: z.string().nullable(),
  lastResult: z.enum(["ok", "failed"]).nullable(),
  lastError: z.string().nullable(),
  running: z
    .object({
      phase: z.string(),
      done: z.number().int(),
      total: z.number().int().nullable(),
      startedAt: z.string(),
    })
    .nullable(),
  intervalMinutes: z.number(),
});
