/**
 * Child processes of the bench and how they are made to go away with it: `onAbnormalExit`
 * registers a synchronous cleanup (kill a child, delete a scratch folder) that runs when this
 * process is interrupted (SIGINT, SIGTERM: cleanups run, then the signal is re-raised with its
 * default action) or exits without having unregistered it (`process.exit`, an uncaught error).
 * Children also watch their stdin, which closes when this process dies in any way, SIGKILL
 * included. `runRowsChild` runs a bench entry in its own process and returns the rows it prints.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Row } from "./stats";

const signals = ["SIGINT", "SIGTERM"] as const;
type Cleanup = () => void;
const cleanups = new Set<Cleanup>();

function runCleanups() {
  for (const c of [...cleanups]) {
    cleanups.delete(c);
    try {
      c();
    } catch {
      // best effort: the process is going away
    }
  }
}

function onSignal(signal: NodeJS.Signals) {
  runCleanups();
  for (const s of signals) process.removeListener(s, onSignal);
  process.removeListener("exit", runCleanups);
  // Default action (terminate with that signal), as if nobody had listened.
  process.kill(process.pid, signal);
}

/**
 * Runs `fn` (synchronous) if this process exits or is interrupted before the returned function
 * is called. Used for the child and for scratch folders.
 */
export function onAbnormalExit(fn: Cleanup): () => void {
  if (cleanups.size === 0) {
    for (const s of signals) process.on(s, onSignal);
    process.on("exit", runCleanups);
  }
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
    if (cleanups.size === 0) {
      for (const s of signals) process.removeListener(s, onSignal);
      process.removeListener("exit", runCleanups);
    }
  };
}

const serverDir = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs `entry` (a .ts file under bench/, through tsx, after `nodeFlags`) with `args` as JSON in
 * argv[2], relays its
 * stderr, and resolves with the rows it prints as `@bench {"type":"rows","rows":[…]}` (or
 * rejects with the `@bench {"type":"error","error":…}` it printed, or its exit status).
 */
export async function runRowsChild(
  entry: string,
  args: unknown,
  opts: { nodeFlags?: string[] } = {},
): Promise<Row[]> {
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeFlags ?? []),
      "--import",
      "tsx",
      fileURLToPath(new URL(entry, import.meta.url)),
      JSON.stringify(args),
    ],
    { cwd: serverDir, stdio: ["pipe", "pipe", "inherit"] },
  );
  const forget = onAbnormalExit(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  });
  try {
    let rows: Row[] | null = null;
    let error: string | null = null;
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (!line.startsWith("@bench ")) {
        console.log(line);
        return;
      }
      const msg = JSON.parse(line.slice(7)) as { type?: string; rows?: Row[]; error?: string };
      if (msg.type === "rows" && msg.rows) rows = msg.rows;
      if (msg.type === "error") error = msg.error ?? "failed";
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ok) =>
      child.once("exit", (c, s) => ok([c, s])),
    );
    if (error) throw new Error(error);
    if (!rows) throw new Error(`${entry} exited (${code ?? signal}) without rows`);
    return rows;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    forget();
  }
}

/**
 * The V8 heap flags (`--max-old-space-size=…`, `--max-semi-space-size=…`) the console is started
 * with by `pnpm start` (server/package.json's `start` script, NODE_OPTIONS included), so a bench
 * process standing in for the console runs with the same heap sizing. V8 sizes its heap at up
 * to 4× what is live when nothing caps it, which decides most of a sync's peak RSS.
 */
export function consoleNodeFlags(): string[] {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      scripts?: Record<string, string>;
    };
    return pkg.scripts?.start?.match(/--max-[a-z-]+-size=\d+/g) ?? [];
  } catch {
    return [];
  }
}
