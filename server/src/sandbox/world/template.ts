/**
 * Cached, pre-seeded world databases. Seeding the full world costs seconds; a test suite that
 * starts a sandbox per file would pay that every time. Instead the first load for a given
 * (seed, options, instant, code version) seeds once into a file in the OS temp folder, and every
 * later load copies that file (milliseconds). The key includes a hash of the sandbox's source so
 * an emulator or generator change never serves a stale world.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PlanCatalog } from "../../plans/catalog";
import { WORLD_SCHEMA_VERSION } from "./sandbox-tables";
import type { WorldOptions } from "./blueprint";

const sandboxDir = fileURLToPath(new URL("..", import.meta.url));

let sourceHash: string | undefined;

/** Hash of every non-test source file of the sandbox (emulators, core, world). */
export function sandboxSourceHash(): string {
  if (sourceHash) return sourceHash;
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) {
        h.update(p.slice(sandboxDir.length));
        h.update(readFileSync(p));
      }
    }
  };
  walk(sandboxDir);
  sourceHash = h.digest("hex").slice(0, 16);
  return sourceHash;
}

const PREFIX = "credits-console-sandbox-";
const STALE_MS = 12 * 3_600_000;

/**
 * `when` pins the world's instant: a fixed `startAt`, or the current UTC date when the world is
 * built "now" (a template then serves that day's loads and resumes at its own instant).
 * Named `<prefix><world>-<source>.sqlite` so a rebuild for new code can drop the old file.
 */
export function templatePath(options: WorldOptions, when: string, catalog: PlanCatalog): string {
  const hash = (v: unknown) =>
    createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 12);
  const world = hash({ v: WORLD_SCHEMA_VERSION, ...options, when, catalog });
  return join(tmpdir(), `${PREFIX}${world}-${sandboxSourceHash().slice(0, 12)}.sqlite`);
}

export function readTemplate(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

const LOCK_STALE_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The template at `path`, building it with `build` if missing. Parallel test workers asking for
 * the same world wait for the one that builds it (a lock file) instead of each seeding it again;
 * a lock left by a crashed builder is ignored after two minutes.
 */
export async function obtainTemplate(
  path: string,
  build: () => Promise<Buffer>,
): Promise<{ data: Buffer; built: boolean }> {
  const lock = `${path}.lock`;
  for (;;) {
    const existing = readTemplate(path);
    if (existing) return { data: existing, built: false };
    let fd: number | undefined;
    try {
      fd = openSync(lock, "wx");
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { force: true });
      } catch {
        // The builder just finished and removed it.
      }
      await sleep(100);
      continue;
    }
    try {
      const data = await build();
      writeTemplate(path, data);
      return { data, built: true };
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}

/** Write atomically: a reader never sees a half-written template. */
export function writeTemplate(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
  removeStaleTemplates(path);
}

/**
 * A full world is ~200 MB: drop the same world built by older code, and any template nobody has
 * written for half a day (yesterday's date, other options). Loads read a template whole, so
 * removing one under a reader is harmless; another writer's `.tmp` is left alone until stale.
 */
function removeStaleTemplates(current: string): void {
  const now = Date.now();
  const sameWorld = basename(current).split("-").slice(0, -1).join("-") + "-";
  for (const name of readdirSync(tmpdir())) {
    const p = join(tmpdir(), name);
    if (!name.startsWith(PREFIX) || p === current) continue;
    try {
      const stale = now - statSync(p).mtimeMs > STALE_MS;
      // Only finished files: another process's `.tmp` or `.lock` stays until stale.
      const superseded = name.startsWith(sameWorld) && name.endsWith(".sqlite");
      if (stale || superseded) rmSync(p, { force: true });
    } catch {
      // Another process removed it first.
    }
  }
}
