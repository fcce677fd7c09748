/**
 * The directory read model as the finance page needs it (plan, name, Stripe link, subscription,
 * overage flag, forecast), read once and reused for a few seconds: at 100k customers a full read
 * is the most expensive part of a finance view, and the read model only changes on sync.
 */
import type { AppDeps } from "../../context";
import type { DirectoryCustomer } from "../../store/index";

const SNAPSHOT_TTL_MS = 15_000;
const PAGE = 50_000;

const snapshots = new WeakMap<AppDeps, { at: number; rows: Promise<DirectoryCustomer[]> }>();

export function directorySnapshot(deps: AppDeps): Promise<DirectoryCustomer[]> {
  const now = deps.now();
  const hit = snapshots.get(deps);
  if (hit && now - hit.at < SNAPSHOT_TTL_MS) return hit.rows;
  const rows = (async () => {
    const out: DirectoryCustomer[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await deps.repos.directory.list({
        sort: "name",
        dir: "asc",
        offset,
        limit: PAGE,
      });
      out.push(...page);
      if (page.length < PAGE) return out;
    }
  })();
  snapshots.set(deps, { at: now, rows });
  rows.catch(() => snapshots.delete(deps));
  return rows;
}

/** Drop the snapshot (tests; after a sync). */
export function forgetDirectorySnapshot(deps: AppDeps): void {
  snapshots.delete(deps);
}
