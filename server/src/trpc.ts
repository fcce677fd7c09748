/**
 * Procedure builders. Every procedure except sign-in, session probes and health needs a session;
 * role checks happen here, on the server, whatever the UI shows. Mutations need the CSRF token.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/unstable-core-do-not-import";
import { ZodError } from "zod";
import type { Context } from "./context";
import type { Role } from "./store/index";
import { UpstreamError, type UpstreamErrorKind } from "./upstream/errors";

const upstreamCode: Record<UpstreamErrorKind, TRPC_ERROR_CODE_KEY> = {
  unavailable: "SERVICE_UNAVAILABLE",
  timeout: "GATEWAY_TIMEOUT",
  rate_limited: "TOO_MANY_REQUESTS",
  not_found: "NOT_FOUND",
  invalid: "UNPROCESSABLE_CONTENT",
  conflict: "CONFLICT",
  auth: "BAD_GATEWAY",
  malformed: "BAD_GATEWAY",
};

/** Human message for invalid input that names each field, e.g. "amount: must be at least 1". */
export function describeZodError(err: ZodError): string {
  return err.issues
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    return {
      ...shape,
      message: zod ? `Invalid input — ${describeZodError(zod)}` : shape.message,
      data: {
        ...shape.data,
        // Never leak stack traces, even in development builds served to staff.
        stack: undefined,
        fieldErrors: zod
          ? Object.fromEntries(zod.issues.map((i) => [i.path.join("."), i.message]))
          : null,
        upstream: error.cause instanceof UpstreamError ? error.cause.service : null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns upstream failures into tRPC errors people can act on, and logs unexpected ones. */
const errorMapping = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof UpstreamError) {
      ctx.log.warn(
        { path, service: cause.service, kind: cause.kind, status: cause.status },
        cause.detail,
      );
      throw new TRPCError({ code: upstreamCode[cause.kind], message: cause.message, cause });
    }
    if (result.error.code === "INTERNAL_SERVER_ERROR") {
      ctx.log.error({ path, err: result.error.cause ?? result.error }, "procedure failed");
    }
  }
  return result;
});

const csrf = t.middleware(({ ctx, type, next }) => {
  if (type === "mutation") {
    const { header, cookie } = ctx.csrf;
    const expected = ctx.session ? ctx.session.csrfToken : cookie;
    if (!header || !expected || header !== expected) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: "Missing or invalid CSRF token; reload the page and try again",
      });
    }
  }
  return next();
});

export const publicProcedure = t.procedure.use(errorMapping).use(csrf);

export const staffProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue" });
  }
  return next({ ctx: { ...ctx, session: ctx.session, staff: ctx.session.staff } });
});

/** A procedure only the given roles may call (admins always may). */
export function roleProcedure(...allowed: Role[]) {
  return staffProcedure.use(({ ctx, next, path }) => {
    if (ctx.staff.role !== "admin" && !allowed.includes(ctx.staff.role)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Your role (${ctx.staff.role}) cannot do this (${path})`,
      });
    }
    return next();
  });
}
export const adminProcedure = roleProcedure("admin");
