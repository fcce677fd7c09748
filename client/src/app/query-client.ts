import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { errorCode, errorMessage, isRetryable } from "../lib/errors";

declare module "@tanstack/react-query" {
  interface Register {
    mutationMeta: {
      /** The view shows this mutation's error itself (e.g. an Alert in a form): no toast. */
      suppressErrorToast?: boolean;
    };
  }
}

export function createQueryClient(options: { onUnauthorized: () => void }): QueryClient {
  return new QueryClient({
    // A session that expired mid-use sends the person back to sign-in rather than leaving every
    // panel in an error state.
    queryCache: new QueryCache({
      onError: (error) => {
        if (errorCode(error) === "UNAUTHORIZED") options.onUnauthorized();
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _onMutateResult, mutation) => {
        if (errorCode(error) === "UNAUTHORIZED") options.onUnauthorized();
        if (mutation.meta?.suppressErrorToast) return;
        notifications.show({
          color: "red",
          title: "That did not work",
          message: errorMessage(error),
          autoClose: 8000,
        });
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => isRetryable(error) && failureCount < 2,
      },
      mutations: { retry: false },
    },
  });
}
