/**
 * A small HTTP server shell shared by the emulators: reads the body, applies injected faults per
 * endpoint, serves the sandbox control API under `/_sandbox/`, and writes JSON answers. The
 * emulators themselves are plain functions from a request to a response, so they can be unit
 * tested without sockets and always answer with their service's own error envelope.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { FaultInjector, FaultRule } from "./faults";

export interface EmulatorRequest {
  method: string;
  /** Path without the query string, e.g. `/v2/keys.getKey` or `/v1/customers/cus_123`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  /** Raw body as text (JSON for Unkey, form-encoded for Stripe). */
  body: string;
}

export interface EmulatorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Emulator {
  /** Name used in logs and errors ("unkey", "stripe"). */
  readonly name: string;
  /** The endpoint name that fault rules match against. */
  endpointOf(req: Pick<EmulatorRequest, "method" | "path">): string;
  handle(req: EmulatorRequest): EmulatorResponse | Promise<EmulatorResponse>;
  /** The body of an injected status fault, in the service's own error envelope. */
  faultResponse(status: number, rule: FaultRule): EmulatorResponse;
}

export type ControlHandler = (req: EmulatorRequest) => Promise<EmulatorResponse | undefined>;

export interface RunningEmulator {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 5 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, r: EmulatorResponse): void {
  const payload = JSON.stringify(r.body);
  res.writeHead(r.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    ...r.headers,
  });
  res.end(payload);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEmulatorServer(opts: {
  emulator: Emulator;
  faults: FaultInjector;
  control?: ControlHandler;
  host?: string;
  port?: number;
}): Promise<RunningEmulator> {
  const { emulator, faults, control } = opts;
  const sockets = new Set<Socket>();
  // Requests held open by a `timeout` fault; released on close so shutdown is prompt.
  const hung = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://sandbox.local");
      let body: string;
      try {
        body = await readBody(req);
      } catch {
        send(res, { status: 413, body: { error: "request body too large" } });
        return;
      }
      const request: EmulatorRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };

      if (url.pathname.startsWith("/_sandbox/")) {
        const answer = control ? await control(request) : undefined;
        send(res, answer ?? { status: 404, body: { error: `no control route ${url.pathname}` } });
        return;
      }

      const endpoint = emulator.endpointOf(request);
      const fault = faults.take(endpoint);
      if (fault && !fault.after) {
        const applied = await applyFault(fault, res);
        if (applied) return;
      }
      let answer: EmulatorResponse;
      try {
        answer = await emulator.handle(request);
      } catch (err) {
        // An emulator bug must still look like the service's own 500, not a dropped socket.
        console.error(`[sandbox:${emulator.name}] ${endpoint} failed`, err);
        answer = emulator.faultResponse(500, {
          id: "internal",
          endpoint,
          kind: "status",
          status: 500,
          fired: 1,
        });
      }
      if (fault?.after) {
        const applied = await applyFault(fault, res);
        if (applied) return;
      }
      send(res, answer);
    })();
  });

  async function applyFault(fault: FaultRule, res: ServerResponse): Promise<boolean> {
    switch (fault.kind) {
      case "latency":
        await sleep(fault.latencyMs ?? 1000);
        return false;
      case "status": {
        const status = fault.status ?? 503;
        const r = emulator.faultResponse(status, fault);
        if (fault.retryAfter !== undefined) {
          r.headers = { ...r.headers, "retry-after": String(fault.retryAfter) };
        }
        if (fault.latencyMs) await sleep(fault.latencyMs);
        send(res, r);
        return true;
      }
      case "timeout":
        hung.add(res);
        res.on("close", () => hung.delete(res));
        return true;
      case "drop":
        res.socket?.destroy();
        return true;
    }
  }

  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? "127.0.0.1";
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hung) r.socket?.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
