import type { QueryClient } from "@tanstack/react-query";
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from "@tanstack/react-router";
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import * as z from "zod/mini";
import { safeRedirect, SignInPage, signInSearchSchema } from "../features/auth";
import { DIRECTORY_SCROLLER, DirectoryPage, directorySearchSchema } from "../features/directory";
import { auditSearchSchema } from "../features/audit/search";
import { financeSearchSchema } from "../features/finance/search";
import { loadCharts } from "../features/usage/charts-loader";
import { usageSearchShape } from "../features/usage/search";
import type { AppRouter } from "../lib/api-types";
import { AppLayout } from "./shell/app-layout";
import { RouteError } from "./error-boundary";
import { NotFound } from "./not-found";

export type RouterContext = {
  queryClient: QueryClient;
  trpc: TRPCOptionsProxy<AppRouter>;
};

const customerSearchSchema = z.extend(directorySearchSchema, usageSearchShape);

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  errorComponent: RouteError,
  notFoundComponent: NotFound,
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/sign-in",
  validateSearch: signInSearchSchema,
  beforeLoad: async ({ context, search }) => {
    const { user } = await context.queryClient.ensureQueryData(
      context.trpc.session.me.queryOptions(),
    );
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- TanStack Router: redirects are thrown
    if (user) throw redirect({ href: safeRedirect(search.redirect) });
  },
  component: SignInPage,
});

// Everything below requires a signed-in staff member. The server enforces this on every procedure;
// the guard only spares people a page of errors.
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "_app",
  beforeLoad: async ({ context, location }) => {
    const { user } = await context.queryClient.ensureQueryData(
      context.trpc.session.me.queryOptions(),
    );
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- TanStack Router: redirects are thrown
    if (!user) throw redirect({ to: "/sign-in", search: { redirect: location.href } });
    return { user };
  },
  component: function AppRouteComponent() {
    const { user } = appRoute.useRouteContext();
    return <AppLayout user={user} />;
  },
  errorComponent: RouteError,
});

const indexRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/",
  beforeLoad: () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- TanStack Router: redirects are thrown
    throw redirect({ to: "/customers", search: {} });
  },
});

const customersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/customers",
  validateSearch: directorySearchSchema,
  component: DirectoryPage,
});

const customerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/customers/$externalId",
  // The customer page keeps the directory view it came from, so "Back to directory" restores it,
  // and its own usage view (range, key).
  validateSearch: customerSearchSchema,
  // Start every read of the page at once, alongside the (lazy) page code: the customer and each
  // Stripe panel are separate queries, so the slowest upstream sets the pace, not their sum, and a
  // failing one fails only its panel. Hovering a link (preload) warms only the customer: Stripe
  // reads, the invoice preview above all, are not worth making for every row the pointer crosses.
  loader: ({ context: { queryClient, trpc }, params: { externalId }, preload }) => {
    void queryClient.prefetchQuery(trpc.customers.byId.queryOptions({ externalId }));
    if (preload) return;
    void loadCharts().catch(() => undefined); // the usage section retries and says so if it fails
    void queryClient.prefetchQuery(trpc.billing.subscription.queryOptions({ externalId }));
    void queryClient.prefetchQuery(trpc.billing.usage.queryOptions({ externalId }));
    void queryClient.prefetchQuery(trpc.billing.upcomingInvoice.queryOptions({ externalId }));
  },
  component: lazyRouteComponent(() => import("./customer-route-page"), "CustomerRoutePage"),
});

const financeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/finance",
  validateSearch: financeSearchSchema,
  component: lazyRouteComponent(
    () => import("../features/finance/components/finance-page"),
    "FinancePage",
  ),
});

const auditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/audit",
  validateSearch: auditSearchSchema,
  component: lazyRouteComponent(
    () => import("../features/audit/components/audit-page"),
    "AuditPage",
  ),
});

const approvalsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/approvals",
  component: lazyRouteComponent(
    () => import("../features/approvals/components/approvals-page"),
    "ApprovalsPage",
  ),
});

const staffRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/staff",
  component: lazyRouteComponent(
    () => import("../features/staff/components/staff-page"),
    "StaffPage",
  ),
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  appRoute.addChildren([
    indexRoute,
    customersRoute,
    customerRoute,
    financeRoute,
    auditRoute,
    approvalsRoute,
    staffRoute,
  ]),
]);

export function createAppRouter(context: RouterContext) {
  return createRouter({
    routeTree,
    context,
    defaultPreload: "intent",
    // TanStack Query owns caching; the router should always ask it.
    defaultPreloadStaleTime: 0,
    defaultErrorComponent: RouteError,
    defaultNotFoundComponent: NotFound,
    scrollRestoration: true,
    // Scroll containers the router resets on navigation (and restores on Back/Forward).
    scrollToTopSelectors: [DIRECTORY_SCROLLER],
  });
}

export type AppRouterInstance = ReturnType<typeof createAppRouter>;

declare module "@tanstack/react-router" {
  interface Register {
    router: AppRouterInstance;
  }
}
