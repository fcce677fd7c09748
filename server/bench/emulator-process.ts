/**
 * The bench side of `./world-emulators.ts`: starts the emulators in a child process, sends it
 * commands (see that file for the protocol and how to add one) and makes sure it goes away on
 * every exit path of this process:
 *  - `close()` (the normal path, from a `finally`): asks it to shut down, waits up to 10 s, then
 *    SIGKILL;
 *  - SIGINT / SIGTERM to this process: the child gets SIGTERM (it closes and deletes its scratch
 *    folder), the registered cleanups run, then the signal is re-raised with its default action;
 *  - `process.exit()` or an uncaught error: an `exit` listener sends it SIGTERM;
 *  - this process killed outright (SIGKILL, OOM): the child's stdin closes and it exits itself.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { SandboxCredentials } from "../src/sandbox/index";
import { onAbnormalExit } from "./child-process";
import type { MemoryAtPeak } from "./stats";

const serverDir = fileURLToPath(new URL("..", import.meta.url));
const entry = fileURLToPath(new URL("./world-emulators.ts", import.meta.url));

export interface EmulatorMemory extends NodeJS.MemoryUsage {
  /** Lifetime peak RSS of the emulator process (bytes). */
  maxRss: number;
}

export interface EmulatorProcess {
  pid: number;
  unkeyUrl: string;
  stripeUrl: string;
  credentials: SandboxCredentials;
  /** Sends a command (see `commands` in world-emulators.ts) and resolves with its result. */
  call<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  /** The emulators' clock (unix ms). */
  now(): Promise<number>;
  /** Unkey's analytics quota starts over. */
  resetQuota(): Promise<void>;
  memory(): Promise<EmulatorMemory>;
  close(): Promise<void>;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

export async function startEmulatorProcess(
  opts: { startTimeoutMs?: number } = {},
): Promise<EmulatorProcess> {
  const child: Child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: serverDir,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const forget = onAbnormalExit(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8_000);
  });
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  let exited: Error | null = null;
  let nextId = 1;

  const ready = new Promise<{
    unkeyUrl: string;
    stripeUrl: string;
    credentials: SandboxCredentials;
    pid: number;
  }>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`emulator process did not start:\n${stderr}`)),
      opts.startTimeoutMs ?? 120_000,
    );
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (!line.startsWith("@bench ")) return;
      const msg = JSON.parse(line.slice(7)) as {
        type?: string;
        id?: number;
        ok?: boolean;
        result?: unknown;
        error?: string;
        unkeyUrl?: string;
        stripeUrl?: string;
        credentials?: SandboxCredentials;
        pid?: number;
      };
      if (msg.type === "ready") {
        clearTimeout(timer);
        ok(msg as Awaited<typeof ready>);
        return;
      }
      const p = msg.id === undefined ? undefined : pending.get(msg.id);
      if (!p || msg.id === undefined) return;
      pending.delete(msg.id);
      if (msg.ok) p.ok(msg.result);
      else p.fail(new Error(`emulator process: ${msg.error ?? "failed"}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      forget();
      exited = new Error(
        `emulator process exited (${code ?? signal}):\n${stderr.slice(-2_000) || "(no output)"}`,
      );
      fail(exited);
      for (const p of pending.values()) p.fail(exited);
      pending.clear();
    });
  });
  // Not started: make sure it is gone before reporting.
  const info = await ready.catch((err: unknown) => {
    if (child.exitCode === null) child.kill("SIGKILL");
    forget();
    throw err;
  });

  const call = <T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((ok, fail) => {
      pending.set(id, { ok: ok as (v: unknown) => void, fail });
      child.stdin.write(`${JSON.stringify({ id, cmd, args })}\n`);
    });
  };

  return {
    ...info,
    call,
    now: () => call<number>("now"),
    resetQuota: async () => {
      await call("resetQuota");
    },
    memory: () => call<EmulatorMemory>("memory"),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) {
        forget();
        return;
      }
      const gone = new Promise((r) => child.once("exit", r));
      // Closing stdin is the shutdown request; SIGKILL if it hangs.
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
      forget();
    },
  };
}

/** Peak of the child's RSS while `rssWatch` … `rssPeak` ran (see world-emulators.ts). */
export async function watchEmulatorRss(emulators: EmulatorProcess) {
  await emulators.call("rssWatch");
  return { stop: () => emulators.call<MemoryAtPeak | null>("rssPeak") };
}
