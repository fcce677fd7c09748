import { auditRepo } from "./audit";
import { auditQueryRepo } from "./audit-query";
import { operationsRepo } from "./operations";
import { openStore, type Store } from "./db";
import { directoryRepo } from "./directory";
import { financeReadRepo } from "./finance-read";
import { usagePeriodsRepo } from "./usage-periods";
import { syncRunsRepo } from "./sync-runs";
import { loginAttemptsRepo } from "./login-attempts";
import { sessionsRepo } from "./sessions";
import { staffRepo } from "./staff";

export type { Store } from "./db";
export * from "./schema";
export type { DirectoryFilter, DirectorySortColumn } from "./directory";
export { directoryStatuses } from "./directory";
export type { SyncCheckpoint } from "./sync-runs";
export type { AuditFilter } from "./audit-query";
export { monthOf } from "./operations";

/** The store's repositories over one database handle. */
export function repos(store: Store) {
  return {
    staff: staffRepo(store.db),
    sessions: sessionsRepo(store.db),
    loginAttempts: loginAttemptsRepo(store.db),
    audit: auditRepo(store.db),
    directory: directoryRepo(store.db),
    syncRuns: syncRunsRepo(store.db),
    operations: operationsRepo(store.db),
    auditQuery: auditQueryRepo(store.db),
    usagePeriods: usagePeriodsRepo(store.db),
    financeRead: financeReadRepo(store.db),
  };
}
export type Repos = ReturnType<typeof repos>;
export { openStore };
