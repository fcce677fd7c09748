import { router } from "../trpc";
import { approvalsRouter } from "./approvals";
import { auditRouter } from "./audit";
import { billingRouter } from "./billing";
import { customersRouter } from "./customers";
import { directoryRouter } from "./directory";
import { financeRouter } from "./finance";
import { grantsRouter } from "./grants";
import { operationsRouter } from "./operations";
import { plansRouter } from "./plans";
import { sessionRouter } from "./session";
import { staffRouter } from "./staff";
import { usageRouter } from "./usage";

export const appRouter = router({
  session: sessionRouter,
  customers: customersRouter,
  directory: directoryRouter,
  billing: billingRouter,
  grants: grantsRouter,
  operations: operationsRouter,
  approvals: approvalsRouter,
  audit: auditRouter,
  staff: staffRouter,
  plans: plansRouter,
  usage: usageRouter,
  finance: financeRouter,
});
export type AppRouter = typeof appRouter;
