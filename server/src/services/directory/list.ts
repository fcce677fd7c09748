/** Directory reads over the read model: a filtered, sorted page, and every matching row (CSV). */
import type { AppDeps } from "../../context";
import type { DirectorySort } from "../../domain/directory";
import type { DirectoryCustomer, DirectorySortColumn } from "../../store/index";
import type { DirectoryListInput, DirectoryRow } from "./schema";
import { isoOrNull } from "../../domain/time";

const sortColumn: Record<DirectorySort, DirectorySortColumn> = {
  name: "name",
  credits_left: "credits_remaining",
  percent_left: "percent_left",
  forecast: "forecast_exhaustion_at",
  next_refill: "next_refill_at",
  last_used: "last_used_at",
};

const numOrNull = (v: number | null) => (v === null ? null : Number(v));

const statuses = new Set(["healthy", "low", "exhausted", "unlimited", "no_keys"]);
const flagSet = new Set(["no_stripe", "no_keys", "no_identity"]);

export function toDirectoryRow(c: DirectoryCustomer): DirectoryRow {
  const flags = (JSON.parse(c.flags) as string[]).filter((f): f is DirectoryRow["flags"][number] =>
    flagSet.has(f),
  );
  return {
    externalId: c.external_id,
    kind: c.kind,
    identityId: c.identity_id,
    name: c.name,
    email: c.email,
    plan: c.plan,
    stripeCustomerId: c.stripe_customer_id,
    keyCount: Number(c.key_count),
    creditsRemaining: numOrNull(c.credits_remaining),
    creditsAllowance: numOrNull(c.credits_allowance),
    percentLeft: numOrNull(c.percent_left),
    status: (statuses.has(c.status) ? c.status : "no_keys") as DirectoryRow["status"],
    inOverage: Number(c.in_overage) === 1,
    nextRefillAt: isoOrNull(c.next_refill_at),
    burnPerHour: numOrNull(c.burn_per_hour),
    forecastExhaustionAt: isoOrNull(c.forecast_exhaustion_at),
    lastUsedAt: isoOrNull(c.last_used_at),
    flags,
  };
}

function filterOf(input: DirectoryListInput) {
  return {
    q: input.q && input.q.length > 0 ? input.q : undefined,
    plans: input.plans,
    statuses: input.statuses,
  };
}

export async function listDirectory(deps: Pick<AppDeps, "repos">, input: DirectoryListInput) {
  const filter = filterOf(input);
  const [rows, total, lastOk] = await Promise.all([
    deps.repos.directory.list({
      ...filter,
      sort: sortColumn[input.sort],
      dir: input.dir,
      offset: input.offset,
      limit: input.limit,
    }),
    deps.repos.directory.count(filter),
    deps.repos.syncRuns.lastOk(),
  ]);
  return {
    rows: rows.map(toDirectoryRow),
    total,
    syncedAt: lastOk?.finished_at ? new Date(lastOk.finished_at).toISOString() : null,
  };
}

/** Every row matching the view, in its order, a page at a time (for streaming exports). */
export async function* allDirectoryRows(
  deps: Pick<AppDeps, "repos">,
  input: DirectoryListInput,
  pageSize = 1000,
): AsyncGenerator<DirectoryRow> {
  const filter = filterOf(input);
  for (let offset = 0; ; offset += pageSize) {
    const rows = await deps.repos.directory.list({
      ...filter,
      sort: sortColumn[input.sort],
      dir: input.dir,
      offset,
      limit: pageSize,
    });
    for (const r of rows) yield toDirectoryRow(r);
    if (rows.length < pageSize) return;
  }
}
