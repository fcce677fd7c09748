import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useTRPC } from "../../lib/trpc";

export function useSignOut() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation(
    trpc.session.signOut.mutationOptions({
      onSuccess: async () => {
        // Nothing a previous person saw may stay in memory for the next one at this browser.
        queryClient.clear();
        queryClient.setQueryData(trpc.session.me.queryKey(), { user: null });
        await navigate({ to: "/sign-in", search: {} });
      },
    }),
  );
}
