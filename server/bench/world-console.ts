/**
 * Child-process entry of the large-world bench: the console side (its store, the directory sync,
 * tRPC queries, finance.summary) in a process that loads nothing but the console's code and the
 * bench's helpers, so its RSS is the console's. `pnpm bench` imports every section (Playwright,
 * in-process sandboxes …) into one process; measured there, the world section carried ~80 MB
 * that no console has, and V8, which sizes its heap at a multiple of what is live, more on top.
 *
 * Started by `benchLargeWorld` (large-world.ts) through `runRowsChild` (child-process.ts) with
 * the options as JSON in argv[2]; prints `@bench {"type":"rows","rows":[…]}` (or
 * `{"type":"error",…}`) and exits. It starts the emulators in a grandchild process
 * (emulator-process.ts). When its stdin closes (the bench process went away) it exits, and its
 * exit handlers stop the emulators and delete the scratch folders.
 */
import { runLargeWorld } from "./large-world";

const opts = JSON.parse(process.argv[2] ?? "{}") as Parameters<typeof runLargeWorld>[0];

function emit(msg: unknown): Promise<void> {
  return new Promise((ok) => process.stdout.write(`@bench ${JSON.stringify(msg)}\n`, () => ok()));
}

process.stdin.on("end", () => process.exit(1));
process.stdin.resume();

try {
  const rows = await runLargeWorld(opts);
  await emit({ type: "rows", rows });
  process.exit(0);
} catch (err) {
  await emit({
    type: "error",
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
  process.exit(1);
}
