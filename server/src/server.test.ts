/**
 * The whole server over real HTTP: live mode pointed at the emulators that `pnpm sandbox` runs
 * (UNKEY_API_URL / STRIPE_API_URL), as an operator would against a self-hosted Unkey.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "./auth/password";
import { loadConfig } from "./env";
import { startSandbox } from "./sandbox/index";
import { startConsole, type RunningConsole } from "./server";

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
let sandbox: Sandbox;
let running: RunningConsole;
/** Every log line the console writes, at debug level (the most verbose it logs requests at). */
const logLines: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir: null, unkeyPort: 0, stripePort: 0, traffic: false });
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    UNKEY_ROOT_KEY: sandbox.credentials.unkeyRootKey,
    UNKEY_API_ID: sandbox.credentials.unkeyApiId,
    STRIPE_SECRET_KEY: sandbox.credentials.stripeSecretKey,
    UNKEY_API_URL: sandbox.unkeyUrl,
    STRIPE_API_URL: sandbox.stripeUrl,
    CLIENT_DIST: "/nonexistent",
  });
  expect(config.mode).toBe("live");
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  running = await startConsole(config, {
    inMemoryStore: true,
    log: pino({ level: "debug" }, sink),
  });
  await running.deps.repos.staff.create({
    email: "ops@company.test",
    name: "Ops",
    role: "admin",
    passwordHash: await hashPassword("correct horse battery"),
    now: Date.now(),
  });
});
afterAll(async () => {
  await running?.close();
  await sandbox?.close();
});

function cookiesOf(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) out.set(c.split("=")[0]!, c);
  return out;
}

describe("live mode against the emulators, over HTTP", () => {
  it("healthz reports live mode", async () => {
    const res = await fetch(`${running.url}/healthz`);
    expect(await res.json()).toEqual({ ok: true, mode: "live" });
  });

  it("signs in with HttpOnly SameSite=Strict cookies, then reads customers through the SDKs", async () => {
    const first = await fetch(`${running.url}/trpc/session.me`);
    const csrf = /csrf_token=([^;]+)/.exec(cookiesOf(first).get("csrf_token") ?? "")?.[1];
    expect(csrf).toBeTruthy();

    const signIn = await fetch(`${running.url}/trpc/session.signIn`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        cookie: `csrf_token=${csrf}`,
        "x-csrf-token": csrf!,
      },
      body: JSON.stringify({ email: "ops@company.test", password: "correct horse battery" }),
    });
    expect(signIn.status).toBe(200);
    const set = cookiesOf(signIn);
    const session = set.get("session")!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    expect(set.get("csrf_token")).not.toMatch(/HttpOnly/i);
    const token = /session=([^;]+)/.exec(session)![1];

    const list = await fetch(
      `${running.url}/trpc/customers.byId?input=${encodeURIComponent(JSON.stringify({ externalId: "acme-corp" }))}`,
      { headers: { cookie: `session=${token}` } },
    );
    expect(list.status).toBe(200);
    const body = (await list.json()) as { result: { data: { keys: unknown[] } } };
    expect(body.result.data.keys).toHaveLength(2);
    // No secret in what the browser receives.
    const text = JSON.stringify(body);
    expect(text).not.toContain(sandbox.credentials.unkeyRootKey);
    expect(text).not.toContain(sandbox.credentials.stripeSecretKey);
  });

  it("refuses a procedure without a session (401) and a mutation without CSRF (403)", async () => {
    const res = await fetch(`${running.url}/trpc/customers.list?input=%7B%7D`);
    expect(res.status).toBe(401);
    const mut = await fetch(`${running.url}/trpc/session.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ops@company.test", password: "correct horse battery" }),
    });
    expect(mut.status).toBe(403);
  });

  it("bad input is a 400 naming the field", async () => {
    const first = await fetch(`${running.url}/healthz`);
    const csrf = /csrf_token=([^;]+)/.exec(cookiesOf(first).get("csrf_token") ?? "")![1]!;
    const res = await fetch(`${running.url}/trpc/session.signIn`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        cookie: `csrf_token=${csrf}`,
        "x-csrf-token": csrf,
      },
      body: JSON.stringify({ email: "nope", password: "" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/email/);
    expect(body.error.message).toMatch(/password/);
  });
});

describe("secrets", () => {
  it("no log line carries the Unkey root key, the Stripe secret, a password or a session token", async () => {
    // Exercise sign-in (password in the body, cookies in headers) and upstream reads first.
    const first = await fetch(`${running.url}/healthz`);
    const csrf = /csrf_token=([^;]+)/.exec(cookiesOf(first).get("csrf_token") ?? "")![1]!;
    const signIn = await fetch(`${running.url}/trpc/session.signIn`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        cookie: `csrf_token=${csrf}`,
        "x-csrf-token": csrf,
      },
      body: JSON.stringify({ email: "ops@company.test", password: "correct horse battery" }),
    });
    const token = /session=([^;]+)/.exec(cookiesOf(signIn).get("session")!)![1]!;
    await fetch(`${running.url}/trpc/customers.list?input=%7B%7D`, {
      headers: { cookie: `session=${token}`, authorization: "Bearer should-not-be-logged" },
    });
    const all = logLines.join("");
    expect(logLines.length).toBeGreaterThan(3);
    for (const secret of [
      sandbox.credentials.unkeyRootKey,
      sandbox.credentials.stripeSecretKey,
      "correct horse battery",
      token,
      "should-not-be-logged",
    ]) {
      expect({ secret, logged: all.includes(secret) }).toEqual({ secret, logged: false });
    }
  });
});

describe("configuration", () => {
  it("live mode fails fast naming each missing variable", () => {
    expect(() => loadConfig({ UNKEY_ROOT_KEY: "x" })).toThrow(/UNKEY_API_ID and STRIPE_SECRET_KEY/);
    expect(() => loadConfig({ UNKEY_ROOT_KEY: "x", UNKEY_API_ID: "a" })).toThrow(
      /STRIPE_SECRET_KEY/,
    );
  });
  it("no root key means sandbox", () => {
    expect(loadConfig({}).mode).toBe("sandbox");
  });
  it("an invalid value names its variable", () => {
    expect(() => loadConfig({ PORT: "http" })).toThrow(/PORT/);
  });
});
