/**
 * The full-text index after a sync that did not finish: a full sync pauses per-row index upkeep
 * (directory-fts.ts) and rebuilds once at its end. A process that died in between leaves the
 * index paused and stale; the directory service's start() must rebuild it before anything else
 * runs, and a sync that fails must not leave it paused either.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../../context";
import { depsFor, startSmallSandbox, type Sandbox } from "./test-support";
import { identityInput, runFullSync } from "./sync";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSmallSandbox({ customers: 20, historyDays: 3 });
});
afterAll(async () => {
  await sandbox.close();
});

const search = async (deps: AppDeps, q: string) =>
  (await deps.repos.directory.list({ q, sort: "name", dir: "asc", offset: 0, limit: 50 })).map(
    (r) => r.external_id,
  );

describe("search index resume", () => {
  it("start() rebuilds an index a crashed sync left paused", async () => {
    const { deps, store, close } = await depsFor(sandbox);
    expect((await runFullSync(deps)).status).toBe("ok");
    const state = async () =>
      (
        await sql<{
          paused: number;
          dirty: number;
        }>`SELECT paused, dirty FROM directory_fts_state WHERE id = 1`.execute(store.db)
      ).rows[0];
    expect(await state()).toEqual({ paused: 0, dirty: 0 });

    // What a process that died mid-sync leaves behind: the index paused, rows written since.
    await deps.repos.directory.pauseSearchIndex();
    await deps.repos.directory.upsertIdentities(99, deps.now(), [
      identityInput({
        id: "id_quux",
        externalId: "quuxly-widgets",
        meta: { name: "Quuxly Widgets", email: "ops@quuxly.example" },
        ratelimits: [],
      }),
    ]);
    expect(await state()).toEqual({ paused: 1, dirty: 1 });
    expect(await search(deps, "Quuxly")).toEqual([]); // the index has not seen the row

    // A restart: the service resumes (and rebuilds) before its first scheduled run.
    await deps.directory.start();
    await deps.directory.stop();
    expect(await state()).toEqual({ paused: 0, dirty: 0 });
    expect(await search(deps, "Quuxly")).toEqual(["quuxly-widgets"]);
    expect(await search(deps, "ops@quuxly")).toEqual(["quuxly-widgets"]);
    // Per-row upkeep is live again: a rename is searchable at once.
    await deps.repos.directory.upsertIdentities(99, deps.now(), [
      identityInput({
        id: "id_quux",
        externalId: "quuxly-widgets",
        meta: { name: "Zorbly Widgets" },
        ratelimits: [],
      }),
    ]);
    expect(await search(deps, "Zorbly")).toEqual(["quuxly-widgets"]);
    expect(await search(deps, "Quuxly Widgets")).toEqual([]); // the old name left the index
    await close();
  }, 60_000);

  it("a sync that fails mid-way leaves the index live and complete", async () => {
    const { deps, store, close } = await depsFor(sandbox);
    sandbox.faults.unkey.add({ endpoint: "apis.listKeys", kind: "status", status: 500, times: 50 });
    try {
      const r = await runFullSync(deps, {
        retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2, maxRetryAfterMs: 10 },
      });
      expect(r.status).toBe("failed");
    } finally {
      sandbox.faults.unkey.clear();
    }
    const state = (
      await sql<{
        paused: number;
        dirty: number;
      }>`SELECT paused, dirty FROM directory_fts_state WHERE id = 1`.execute(store.db)
    ).rows[0];
    expect(state).toEqual({ paused: 0, dirty: 0 });
    // The identities phase completed before the failure: its rows are searchable.
    const someone = sandbox.db
      .prepare("SELECT external_id FROM unkey_identities ORDER BY external_id LIMIT 1")
      .get() as { external_id: string };
    expect(await search(deps, someone.external_id)).toContain(someone.external_id);
    await close();
  }, 60_000);
});
