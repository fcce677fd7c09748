import { Button, Group } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import type { CustomerDetail } from "../../../lib/api-types";
import { useTRPC } from "../../../lib/trpc";
import { canChangePlan, canGrant } from "../roles";

const GrantDialog = lazy(() => import("./grant-dialog").then((m) => ({ default: m.GrantDialog })));
const PlanDialog = lazy(() => import("./plan-dialog").then((m) => ({ default: m.PlanDialog })));

/** The customer page's write actions, shown only to roles that may take them. */
export function CustomerActions({ detail }: { detail: CustomerDetail }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.session.me.queryOptions());
  const role = me.data?.user?.role;
  const [open, setOpen] = useState<"grant" | "plan" | null>(null);
  if (!role || (!canGrant(role) && !canChangePlan(role))) return null;
  const { identity } = detail;
  const name = identity.name ?? identity.externalId;
  return (
    <Group gap="xs">
      {canGrant(role) && (
        <Button size="xs" onClick={() => setOpen("grant")} disabled={detail.keys.length === 0}>
          Grant credits
        </Button>
      )}
      {canChangePlan(role) && (
        <Button size="xs" variant="default" onClick={() => setOpen("plan")}>
          Change plan
        </Button>
      )}
      <Suspense fallback={null}>
        {open === "grant" && (
          <GrantDialog
            externalId={identity.externalId}
            customerName={name}
            stripeCustomerId={identity.stripeCustomerId}
            keys={detail.keys}
            onClose={() => setOpen(null)}
          />
        )}
        {open === "plan" && (
          <PlanDialog
            externalId={identity.externalId}
            customerName={name}
            currentPlan={identity.plan}
            onClose={() => setOpen(null)}
          />
        )}
      </Suspense>
    </Group>
  );
}
