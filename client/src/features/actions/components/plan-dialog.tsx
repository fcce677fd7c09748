import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  Modal,
  Paper,
  Radio,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useRef, useState } from "react";
import { IconAlert } from "../../../components/icons";
import { errorMessage } from "../../../lib/errors";
import { formatCredits, formatMoney, formatUtcInstant } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";
import { formatRefill, poolChanges } from "../plan-format";
import { invalidateCustomer } from "./invalidate";
import { showOperationToast } from "./operation-toast";

type Strategy = "add_difference" | "reset";

export function PlanDialog({
  externalId,
  customerName,
  currentPlan,
  onClose,
}: {
  externalId: string;
  customerName: string;
  currentPlan: string | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  // Created when the dialog opens and reused by every retry: applied at most once.
  const [operationId] = useState(() => crypto.randomUUID());
  const [planId, setPlanId] = useState<string | null>(null);
  const [strategy, setStrategy] = useState<Strategy>("add_difference");
  const [step, setStep] = useState<"form" | "confirm">("form");
  const submitting = useRef(false);

  const plans = useQuery({ ...trpc.plans.list.queryOptions(), staleTime: 5 * 60_000 });
  const preview = useQuery({
    ...trpc.plans.preview.queryOptions({ externalId, planId: planId ?? "", strategy }),
    enabled: planId !== null,
  });
  const change = useMutation(
    trpc.plans.change.mutationOptions({
      onSuccess: async (op) => {
        await invalidateCustomer(queryClient, trpc);
        const to = plans.data?.find((p) => p.id === planId)?.name ?? planId;
        showOperationToast(op, `${customerName} → ${to}.`, navigate);
        onClose();
      },
      onSettled: () => {
        submitting.current = false;
      },
    }),
  );

  const options = (plans.data ?? []).map((p) => ({
    value: p.id,
    label: p.id === currentPlan ? `${p.name} (current)` : p.name,
    disabled: p.id === currentPlan,
  }));
  const ready = planId !== null && preview.isSuccess && !preview.isFetching;

  const submit = () => {
    if (!planId || !ready || submitting.current || change.isPending) return;
    submitting.current = true;
    change.mutate({
      operationId,
      externalId,
      planId,
      strategy,
      ...(preview.data.stripe ? { prorationDate: preview.data.stripe.prorationDate } : {}),
    });
  };

  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      opened
      onClose={change.isPending ? () => undefined : onClose}
      title={step === "form" ? `Change the plan of ${customerName}` : "Confirm the plan change"}
      size="xl"
    >
      <Stack gap="md">
        {step === "form" && (
          <>
            <Select
              label="New plan"
              placeholder={plans.isPending ? "Loading plans…" : "Pick a plan"}
              data={options}
              value={planId}
              onChange={setPlanId}
              error={plans.isError ? errorMessage(plans.error) : undefined}
              data-autofocus
            />
            <Radio.Group
              label="Credits"
              value={strategy}
              onChange={(v) => setStrategy(v === "reset" ? "reset" : "add_difference")}
            >
              <Stack gap="xs" mt={6}>
                <Radio
                  value="add_difference"
                  label="Add the difference"
                  description="Remaining credits + new allowance − old allowance, never below 0"
                />
                <Radio
                  value="reset"
                  label="Reset to the new allowance"
                  description="Every key's balance becomes the new plan's allowance"
                />
              </Stack>
            </Radio.Group>
          </>
        )}

        {planId === null ? (
          <Paper withBorder p="md" radius="sm">
            <Text size="sm" c="dimmed">
              Pick a plan to preview what changes for each key, the ratelimit pools and Stripe.
            </Text>
          </Paper>
        ) : preview.isPending ? (
          <Stack gap={6} aria-busy="true">
            <Skeleton height={28} />
            <Skeleton height={28} />
            <Skeleton height={60} />
          </Stack>
        ) : preview.isError ? (
          <Alert color="red" variant="light" title="Could not preview" role="alert">
            <Text size="sm">{errorMessage(preview.error)}</Text>
          </Alert>
        ) : (
          <Stack gap="md" style={{ opacity: preview.isFetching ? 0.6 : 1 }} aria-live="polite">
            <Text size="sm">
              <b>{preview.data.fromPlan?.name ?? "No plan"}</b> → <b>{preview.data.toPlan.name}</b>{" "}
              ({preview.data.strategy === "reset" ? "reset credits" : "add the difference"})
            </Text>
            {preview.data.warnings.length > 0 && (
              <Alert
                color="yellow"
                variant="light"
                title="Check before applying"
                icon={<IconAlert />}
              >
                <List size="sm">
                  {preview.data.warnings.map((w) => (
                    <List.Item key={w}>{w}</List.Item>
                  ))}
                </List>
              </Alert>
            )}
            <Table.ScrollContainer minWidth={640}>
              <Table fz="sm" verticalSpacing={4} withTableBorder aria-label="Keys before and after">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Key</Table.Th>
                    <Table.Th ta="right">Credits now</Table.Th>
                    <Table.Th ta="right">Credits after</Table.Th>
                    <Table.Th>Refill before</Table.Th>
                    <Table.Th>Refill after</Table.Th>
                    <Table.Th>Next refill</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.data.keys.map((k) => (
                    <Table.Tr key={k.keyId}>
                      <Table.Td>
                        {k.name ?? "Unnamed key"}{" "}
                        <Text span size="xs" c="dimmed" ff="monospace">
                          {k.start}…
                        </Text>
                        {!k.enabled && (
                          <Badge size="xs" color="gray" variant="light" ml={4} tt="none">
                            Disabled
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td ta="right" ff="monospace">
                        {k.unlimited ? "Unlimited" : formatCredits(k.creditsNow)}
                      </Table.Td>
                      <Table.Td ta="right" ff="monospace" fw={600}>
                        {k.unlimited ? "Unlimited" : formatCredits(k.creditsAfter)}
                      </Table.Td>
                      <Table.Td>{formatRefill(k.refillBefore)}</Table.Td>
                      <Table.Td>{k.unlimited ? "Unchanged" : formatRefill(k.refillAfter)}</Table.Td>
                      <Table.Td ff="monospace" style={{ whiteSpace: "nowrap" }}>
                        {k.nextRefillAfter ? formatUtcInstant(k.nextRefillAfter) : "—"}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Table
              fz="sm"
              verticalSpacing={4}
              withTableBorder
              aria-label="Ratelimit pools before and after"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Pool</Table.Th>
                  <Table.Th>Before</Table.Th>
                  <Table.Th>After</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {poolChanges(preview.data.poolsBefore, preview.data.poolsAfter).map((p) => (
                  <Table.Tr key={p.name}>
                    <Table.Td>
                      {p.name}{" "}
                      <Text span size="xs" c="dimmed">
                        ({p.scope === "key" ? "per key" : "shared"})
                      </Text>
                    </Table.Td>
                    <Table.Td>{p.before}</Table.Td>
                    <Table.Td fw={p.before !== p.after ? 600 : undefined}>{p.after}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {preview.data.stripe ? (
              <Table
                fz="sm"
                verticalSpacing={4}
                withTableBorder
                aria-label="Stripe proration preview"
              >
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Stripe ({preview.data.stripe.subscriptionId})</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.data.stripe.lines.map((l, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>
                        {l.description ?? "Line"}
                        {l.proration && (
                          <Badge size="xs" variant="light" ml={4} tt="none">
                            Proration
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td ta="right" ff="monospace">
                        {formatMoney(l.amount, preview.data.stripe!.currency)}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                  <Table.Tr>
                    <Table.Td fw={600}>Proration total</Table.Td>
                    <Table.Td ta="right" ff="monospace" fw={600}>
                      {formatMoney(
                        preview.data.stripe.prorationTotal,
                        preview.data.stripe.currency,
                      )}
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Td fw={600}>Next invoice total</Table.Td>
                    <Table.Td ta="right" ff="monospace" fw={600}>
                      {formatMoney(
                        preview.data.stripe.nextInvoiceTotal,
                        preview.data.stripe.currency,
                      )}
                    </Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            ) : (
              <Text size="sm" c="dimmed">
                No Stripe subscription: nothing changes in Stripe.
              </Text>
            )}
          </Stack>
        )}

        {step === "confirm" && preview.data && (
          <Alert color="orange" variant="light" title="Money impact" icon={<IconAlert />}>
            <Text size="sm" fw={600}>
              {preview.data.stripe
                ? `Changes the Stripe subscription price with proration: ${formatMoney(preview.data.stripe.prorationTotal, preview.data.stripe.currency)} now, next invoice ${formatMoney(preview.data.stripe.nextInvoiceTotal, preview.data.stripe.currency)}.`
                : "No Stripe subscription: only Unkey credits, refills and pools change."}
            </Text>
          </Alert>
        )}
        {change.isError && (
          <Alert color="red" variant="light" title="The plan change was not confirmed" role="alert">
            <Text size="sm">{errorMessage(change.error)}</Text>
            <Text size="sm" mt={4}>
              Trying again is safe: it resubmits the same operation, applied at most once.
            </Text>
          </Alert>
        )}
        <Group justify="flex-end">
          {step === "form" ? (
            <>
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button disabled={!ready} onClick={() => setStep("confirm")}>
                Apply plan change
              </Button>
            </>
          ) : (
            <>
              <Button variant="default" onClick={() => setStep("form")} disabled={change.isPending}>
                Back
              </Button>
              <Button onClick={submit} loading={change.isPending} disabled={!ready} data-autofocus>
                {change.isError ? "Try again" : "Confirm plan change"}
              </Button>
            </>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
