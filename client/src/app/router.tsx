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
import { ComingSoon } from "../components/coming-soon";
import { safeRedirect, SignInPage, signInSearchSchema } from "../features/auth";
import { CustomersPage, customerSearchSchema, customersSearchSchema } from "../features/customers";
import type { AppRouter } from "../lib/api-types";
import { AppLayout } from "./shell/app-layout";
import { RouteError } from "./error-boundary";
import { NotFound } from "./not-found";

export type RouterContext = {
  queryClient: QueryClient;
  trpc: TRPCOptionsProxy<AppRouter>;
};

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
  validateSearch: customersSearchSchema,
  component: CustomersPage,
});

const customerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/customers/$externalId",
  validateSearch: customerSearchSchema,
  // Start the data request alongside the (lazy) page code instead of after it.
  loader: ({ context, params }) => {
    void context.queryClient.prefetchQuery(
      context.trpc.customers.byId.queryOptions({ externalId: params.externalId }),
    );
  },
  component: lazyRouteComponent(
    () => import("../features/customers/components/customer-page"),
    "CustomerPage",
  ),
});

const financeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/finance",
  component: () => (
    <ComingSoon
      title="Finance"
      description="Usage and overage charts per customer, per plan and overall, with CSV export, are on their way."
    />
  ),
});

const auditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/audit",
  component: () => (
    <ComingSoon
      title="Audit log"
      description="Every plan change and credit grant, who made it and why, will be listed here."
    />
  ),
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  appRoute.addChildren([indexRoute, customersRoute, customerRoute, financeRoute, auditRoute]),
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
  });
}

export type AppRouterInstance = ReturnType<typeof createAppRouter>;

declare module "@tanstack/react-router" {
  interface Register {
    router: AppRouterInstance;
  }
}
