import { createTRPCClient, httpBatchLink, httpLink, splitLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "./api-types";
import { readCookie } from "./cookies";

export const CSRF_COOKIE = "csrf_token";
export const CSRF_HEADER = "x-csrf-token";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

// Double-submit CSRF: the server compares this header with the csrf_token cookie. Sent on every
// request (harmless on queries) so mutations can never forget it.
function csrfHeaders(): Record<string, string> {
  const token = readCookie(document.cookie, CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

export function createApiClient() {
  return createTRPCClient<AppRouter>({
    links: [
      // A batch answers when its slowest call does. Stripe reads (the customer page's panels, the
      // invoice preview above all) go one per request, so the customer and each panel show as soon
      // as their own data is there. Usage (Unkey analytics: the slowest reads, ~0.5 s cold for 90
      // days of hours) is batched on its own, so the charts never hold the customer's header,
      // keys and ledger back, and arrive without the rest of the page re-rendering with them.
      splitLink({
        condition: (op) => op.path.startsWith("billing."),
        true: httpLink({ url: "/trpc", headers: csrfHeaders }),
        false: splitLink({
          condition: (op) => op.path.startsWith("usage."),
          true: httpBatchLink({ url: "/trpc", headers: csrfHeaders }),
          false: httpBatchLink({ url: "/trpc", headers: csrfHeaders }),
        }),
      }),
    ],
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;
