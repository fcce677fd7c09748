import type { QueryClient } from "@tanstack/react-query";
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "../../../lib/api-types";

/** After a write: everything shown about customers, their operations and approvals is stale. */
export async function invalidateCustomer(
  queryClient: QueryClient,
  trpc: TRPCOptionsProxy<AppRouter>,
) {
  await Promise.all([
    queryClient.invalidateQueries(trpc.customers.pathFilter()),
    queryClient.invalidateQueries(trpc.operations.pathFilter()),
    queryClient.invalidateQueries(trpc.approvals.pathFilter()),
    queryClient.invalidateQueries(trpc.directory.pathFilter()),
    queryClient.invalidateQueries(trpc.billing.pathFilter()),
    queryClient.invalidateQueries(trpc.audit.pathFilter()),
  ]);
}
