import { router } from "../trpc";
import { billingRouter } from "./billing";
import { customersRouter } from "./customers";
import { directoryRouter } from "./directory";
import { sessionRouter } from "./session";

export const appRouter = router({
  session: sessionRouter,
  customers: customersRouter,
  directory: directoryRouter,
  billing: billingRouter,
});
export type AppRouter = typeof appRouter;
