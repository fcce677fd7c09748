/**
 * Test support: an emulator on a real HTTP port (in-memory db, frozen clock), the real
 * `@unkey/api` SDK pointed at it with retries off, and a record of every raw response body the
 * SDK received so tests can validate them against the spec.
 */
import { Unkey } from "@unkey/api";
import { HTTPClient } from "@unkey/api/lib/http.js";
import Database from "better-sqlite3";
import { SandboxClock } from "../../core/clock";
import { FaultInjector } from "../../core/faults";
import { startEmulatorServer } from "../../core/http";
import { UnkeyEmulator } from "../emulator";

export interface RecordedResponse {
  endpoint: string;
  status: number;
  contentType: string;
  body: unknown;
}

export async function startHarness(opts: { now?: number; queriesPerHour?: number } = {}) {
  const db = new Database(":memory:");
  const clock = new SandboxClock();
  clock.freeze(opts.now ?? Date.UTC(2026, 0, 15, 12, 0, 0));
  const emulator = new UnkeyEmulator({ db, clock, queriesPerHour: opts.queriesPerHour });
  const faults = new FaultInjector();
  const server = await startEmulatorServer({ emulator, faults });
  const recorded: RecordedResponse[] = [];
  const httpClient = new HTTPClient({
    fetcher: async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      const text = await res.clone().text();
      recorded.push({
        endpoint: url.pathname.replace(/^\/v2\//, ""),
        status: res.status,
        contentType: res.headers.get("content-type") ?? "",
        body: text ? (JSON.parse(text) as unknown) : undefined,
      });
      return res;
    },
  });
  const sdk = new Unkey({
    rootKey: emulator.rootKey,
    serverURL: server.url,
    retryConfig: { strategy: "none" },
    httpClient,
  });

  /** POST a raw body (bypassing the SDK) and return status + parsed JSON. */
  async function raw(
    endpoint: string,
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${emulator.rootKey}` },
  ) {
    const res = await fetch(`${server.url}/v2/${endpoint}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return {
      status: res.status,
      contentType: res.headers.get("content-type") ?? "",
      body: (await res.json()) as any,
    };
  }

  return {
    db,
    clock,
    emulator,
    faults,
    server,
    sdk,
    recorded,
    raw,
    /** The last raw response recorded for an endpoint. */
    last(endpoint: string): RecordedResponse {
      const r = recorded.filter((x) => x.endpoint === endpoint).at(-1);
      if (!r) throw new Error(`no recorded response for ${endpoint}`);
      return r;
    },
    async close() {
      emulator.close();
      await server.close();
      db.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
