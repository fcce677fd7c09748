/** The `input` query parameter of a CSV export: JSON, validated by the matching procedure's schema. */
import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import { describeZodError } from "../trpc";

export type ExportInput<T> = { ok: true; data: T } | { ok: false; error: string };

/** `empty` is what a missing or empty `input` means (`{}` for filter objects). */
export function exportInput<S extends z.ZodType>(
  req: FastifyRequest,
  schema: S,
  empty: unknown = {},
): ExportInput<z.output<S>> {
  const raw = (req.query as Record<string, unknown>).input;
  let json: unknown = empty;
  if (typeof raw === "string" && raw.length > 0) {
    try {
      json = JSON.parse(raw);
    } catch {
      return { ok: false, error: "input: must be JSON" };
    }
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, error: describeZodError(parsed.error) };
}
