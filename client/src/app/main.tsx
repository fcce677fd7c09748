import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "@mantine/spotlight/styles.css";

import { RouterProvider } from "@tanstack/react-router";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import type { AppRouter } from "../lib/api-types";
import { createApiClient } from "../lib/trpc";
import { AppProviders } from "./providers";
import { createQueryClient } from "./query-client";
import { createAppRouter, type AppRouterInstance } from "./router";

const trpcClient = createApiClient();

// The query client's error handler needs the router and the router needs the query client: the
// handler only runs after a request, long after both exist.
const queryClient = createQueryClient({
  onUnauthorized: () => {
    queryClient.setQueryData(trpc.session.me.queryKey(), { user: null });
    const { pathname, href } = router.state.location;
    if (pathname === "/sign-in") return;
    void router.navigate({ to: "/sign-in", search: { redirect: href } });
  },
});

const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });
const router: AppRouterInstance = createAppRouter({ queryClient, trpc });

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root element");

createRoot(container).render(
  <StrictMode>
    <AppProviders queryClient={queryClient} trpcClient={trpcClient}>
      <RouterProvider router={router} />
    </AppProviders>
  </StrictMode>,
);
