import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "./api-types";
import { readCookie } from "./cookies";

export const CSRF_COOKIE = "csrf_token";
export const CSRF_HEADER = "x-csrf-token";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function createApiClient() {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: "/trpc",
        // Double-submit CSRF: the server compares this header with the csrf_token cookie. Sent on
        // every request (harmless on queries) so mutations can never forget it.
        headers() {
          const token = readCookie(document.cookie, CSRF_COOKIE);
          return token ? { [CSRF_HEADER]: token } : {};
        },
      }),
    ],
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;
