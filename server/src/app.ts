/**
 * The HTTP server: one Fastify instance serving `/trpc`, `/healthz` and the built SPA on one
 * port. Reads cookies and headers into the tRPC context; never logs headers (cookies, keys).
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import fastifyCookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { createContextInner, type AppDeps, type CookieJar } from "./context";
import { auditExportRoutes } from "./http/audit-exports";
import { exportRoutes } from "./http/exports";
import { financeExportRoutes } from "./http/finance-exports";
import { CSRF_COOKIE, readSession, SESSION_COOKIE } from "./http/session";
import { appRouter, type AppRouter } from "./routers/index";

function cookieJar(req: FastifyRequest, reply: FastifyReply, deps: AppDeps): CookieJar {
  const secure =
    deps.config.cookieSecure === "auto" ? req.protocol === "https" : deps.config.cookieSecure;
  return {
    set(name, value, opts) {
      void reply.setCookie(name, value, {
        path: "/",
        httpOnly: opts.httpOnly,
        sameSite: "strict",
        secure,
        ...(opts.maxAgeMs !== undefined ? { maxAge: Math.floor(opts.maxAgeMs / 1000) } : {}),
      });
    },
    clear(name) {
      void reply.clearCookie(name, { path: "/", sameSite: "strict", secure });
    },
  };
}

export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    trustProxy: deps.config.trustProxy,
  });
  await app.register(fastifyCookie);

  // A readable CSRF cookie for visitors without one (sign-in is a mutation too); sessions
  // replace it with their own token at sign-in.
  app.addHook("onRequest", async (req, reply) => {
    if (!req.cookies[CSRF_COOKIE]) {
      const token = randomBytes(24).toString("base64url");
      req.cookies[CSRF_COOKIE] = token;
      cookieJar(req, reply, deps).set(CSRF_COOKIE, token, { httpOnly: false });
    }
    reply.header("x-request-id", req.id);
  });

  app.get("/healthz", async () => ({ ok: true, mode: deps.config.mode }));

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      async createContext({ req, res }) {
        const csrfHeader = req.headers["x-csrf-token"];
        return createContextInner({
          deps,
          session: await readSession(deps, req.cookies[SESSION_COOKIE]),
          csrf: {
            header: typeof csrfHeader === "string" ? csrfHeader : null,
            cookie: req.cookies[CSRF_COOKIE] ?? null,
          },
          ip: req.ip,
          cookies: cookieJar(req, res, deps),
          requestId: String(req.id),
        });
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  await app.register(exportRoutes(deps));
  await app.register(auditExportRoutes(deps));
  await app.register(financeExportRoutes(deps));

  const indexHtml = path.join(deps.config.clientDist, "index.html");
  if (fs.existsSync(indexHtml)) {
    await app.register(fastifyStatic, {
      root: deps.config.clientDist,
      // Look files up per request, so a rebuild under a running server serves the new assets.
      wildcard: true,
      // Hashed assets are immutable; index.html must always be revalidated.
      setHeaders(reply, file) {
        reply.header(
          "cache-control",
          file.endsWith("index.html") ? "no-cache" : "public, max-age=31536000, immutable",
        );
      },
    });
    // SPA fallback: any other GET that is not an API route renders the app.
    app.setNotFoundHandler((req, reply) => {
      if (
        req.method === "GET" &&
        !req.url.startsWith("/trpc") &&
        !req.url.startsWith("/healthz") &&
        !req.url.startsWith("/export/")
      ) {
        return reply.type("text/html").header("cache-control", "no-cache").sendFile("index.html");
      }
      return reply.code(404).send({ error: "Not found" });
    });
  } else {
    app.get("/", async (_req, reply) =>
      reply
        .type("text/plain")
        .send(
          "The console's client is not built. Run `pnpm build` (or `pnpm dev` for development).",
        ),
    );
  }
  return app;
}
