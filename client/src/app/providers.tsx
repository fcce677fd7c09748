import { MantineProvider } from "@mantine/core";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { lazy, Suspense, type ReactNode } from "react";
import { TRPCProvider, type ApiClient } from "../lib/trpc";
import { AppErrorBoundary } from "./error-boundary";
import { cssVariablesResolver, theme } from "./theme";

// The toast container (and its transition library) is not needed to paint the first page: it loads
// right after. Toasts shown before it mounts wait in the notifications store and appear then.
const Toasts = lazy(() => import("./toasts").then((m) => ({ default: m.Toasts })));

export function AppProviders({
  queryClient,
  trpcClient,
  children,
}: {
  queryClient: QueryClient;
  trpcClient: ApiClient;
  children: ReactNode;
}) {
  return (
    <MantineProvider
      theme={theme}
      defaultColorScheme="auto"
      cssVariablesResolver={cssVariablesResolver}
    >
      <Suspense fallback={null}>
        <Toasts />
      </Suspense>
      <AppErrorBoundary>
        <QueryClientProvider client={queryClient}>
          <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
            {children}
          </TRPCProvider>
        </QueryClientProvider>
      </AppErrorBoundary>
    </MantineProvider>
  );
}
