import { router } from "../trpc";
import { customersRouter } from "./customers";
import { sessionRouter } from "./session";

export const appRouter = router({
  session: sessionRouter,
  customers: customersRouter,
});
export type AppRouter = typeof appRouter;
