import {
  Alert,
  Button,
  Checkbox,
  Group,
  List,
  Modal,
  NumberInput,
  Paper,
  Radio,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Textarea,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useRef, useState } from "react";
import { IconAlert } from "../../../components/icons";
import type { CustomerKey } from "../../../lib/api-types";
import { errorMessage } from "../../../lib/errors";
import { formatNumber } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";
import {
  grantImpact,
  parseAmount,
  REASON_MAX,
  refillConsequence,
  validateReason,
} from "../grant-form";
import { showOperationToast } from "./operation-toast";
import { invalidateCustomer } from "./invalidate";

type Kind = "billable" | "goodwill";

export function GrantDialog({
  externalId,
  customerName,
  stripeCustomerId,
  keys,
  onClose,
}: {
  externalId: string;
  customerName: string;
  stripeCustomerId: string | null;
  keys: CustomerKey[];
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  // Created when the dialog opens and kept for every retry of this submission: the server applies
  // one operation id at most once.
  const [operationId] = useState(() => crypto.randomUUID());
  const [step, setStep] = useState<"form" | "confirm">("form");
  const [amountInput, setAmountInput] = useState<string | number>("");
  const [reason, setReason] = useState("");
  const [kind, setKind] = useState<Kind>("billable");
  const [stripeCreditGrant, setStripeCreditGrant] = useState(false);
  const [keyId, setKeyId] = useState<string | null>(null);
  const [touched, setTouched] = useState({ amount: false, reason: false });
  const submitting = useRef(false);

  const amount = parseAmount(amountInput);
  const reasonError = validateReason(reason);
  const valid = amount.ok && reasonError === null;

  const [debounced] = useDebouncedValue(
    { amount: amount.ok ? amount.value : null, kind, keyId },
    300,
  );
  const preview = useQuery({
    ...trpc.grants.preview.queryOptions({
      externalId,
      amount: debounced.amount ?? 1,
      kind: debounced.kind,
      ...(debounced.keyId ? { keyId: debounced.keyId } : {}),
    }),
    enabled: debounced.amount !== null,
    placeholderData: keepPreviousData,
  });
  const previewCurrent =
    preview.data !== undefined &&
    amount.ok &&
    preview.data.amount === amount.value &&
    preview.data.kind === kind &&
    (keyId === null || preview.data.keyId === keyId);

  const create = useMutation(
    trpc.grants.create.mutationOptions({
      onSuccess: async (op) => {
        await invalidateCustomer(queryClient, trpc);
        showOperationToast(
          op,
          `${formatNumber(op.amount ?? 0)} ${kind === "billable" ? "billable overage" : "goodwill"} credits for ${customerName}.`,
          navigate,
        );
        onClose();
      },
      onSettled: () => {
        submitting.current = false;
      },
    }),
  );

  const selectedKey = keyId ?? preview.data?.keyId ?? null;
  const keyOptions = keys.map((k) => ({
    value: k.keyId,
    label: `${k.name ?? "Unnamed key"} (${k.start}…)`,
  }));
  const keyLabel = keyOptions.find((k) => k.value === selectedKey)?.label ?? selectedKey ?? "—";

  const submit = () => {
    if (!valid || submitting.current || create.isPending) return;
    submitting.current = true;
    create.mutate({
      operationId,
      externalId,
      amount: amount.value,
      reason: reason.trim(),
      kind,
      ...(keyId ? { keyId } : {}),
      ...(kind === "goodwill" && stripeCreditGrant ? { stripeCreditGrant: true } : {}),
    });
  };

  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      opened
      onClose={create.isPending ? () => undefined : onClose}
      title={step === "form" ? `Grant credits to ${customerName}` : "Confirm the grant"}
      size="lg"
    >
      {step === "form" ? (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            setTouched({ amount: true, reason: true });
            if (valid) setStep("confirm");
          }}
        >
          <Stack gap="md">
            <Select
              label="Key"
              description="Defaults to the customer's main key"
              data={keyOptions}
              value={selectedKey}
              onChange={(v) => setKeyId(v)}
              allowDeselect={false}
              placeholder={preview.isPending ? "Main key" : undefined}
              comboboxProps={{ withinPortal: true }}
            />
            <NumberInput
              label="Amount"
              description="Credits to add to the key's balance (a whole number)"
              value={amountInput}
              onChange={setAmountInput}
              onBlur={() => setTouched((t) => ({ ...t, amount: true }))}
              thousandSeparator=","
              allowDecimal={false}
              allowNegative={false}
              hideControls
              inputMode="numeric"
              withAsterisk
              aria-required
              data-autofocus
              error={touched.amount && !amount.ok ? (amount.error ?? "Enter an amount") : undefined}
              rightSection={
                <Text size="xs" c="dimmed" pr="xs">
                  credits
                </Text>
              }
              rightSectionWidth={60}
            />
            <Radio.Group
              label="Kind"
              value={kind}
              onChange={(v) => setKind(v === "goodwill" ? "goodwill" : "billable")}
            >
              <Stack gap="xs" mt={6}>
                <Radio
                  value="billable"
                  label="Billable overage"
                  description="Recorded in Stripe as a metered overage event and billed"
                />
                <Radio value="goodwill" label="Goodwill" description="Not billed" />
              </Stack>
            </Radio.Group>
            {kind === "goodwill" && (
              <Checkbox
                label="Record a promotional credit grant in Stripe"
                description="For finance visibility only; the customer is not charged"
                checked={stripeCreditGrant}
                onChange={(e) => setStripeCreditGrant(e.currentTarget.checked)}
              />
            )}
            <Textarea
              label="Reason"
              description="Shown in the ledger and the audit log"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              onBlur={() => setTouched((t) => ({ ...t, reason: true }))}
              withAsterisk
              aria-required
              autosize
              minRows={2}
              maxRows={6}
              maxLength={REASON_MAX + 50}
              error={touched.reason ? reasonError : undefined}
            />
            <PreviewPanel
              state={
                !amount.ok
                  ? "idle"
                  : preview.isError
                    ? "error"
                    : previewCurrent
                      ? "ready"
                      : "loading"
              }
              error={preview.error}
              data={preview.data}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" disabled={!valid}>
                Grant
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Stack gap="md">
          <Paper withBorder p="md" radius="sm">
            <SimpleGrid cols={2} spacing="xs" component="dl" m={0}>
              <Term label="Customer">{customerName}</Term>
              <Term label="Key">{keyLabel}</Term>
              <Term label="Amount">
                {amount.ok ? `${formatNumber(amount.value)} credits` : "—"}
              </Term>
              <Term label="Kind">{kind === "billable" ? "Billable overage" : "Goodwill"}</Term>
              {preview.data && previewCurrent && (
                <Term label="Balance">
                  {formatNumber(preview.data.balanceNow)} →{" "}
                  {formatNumber(preview.data.balanceAfter)}
                </Term>
              )}
              <Term label="Reason">{reason.trim()}</Term>
            </SimpleGrid>
          </Paper>
          <Alert
            color={kind === "billable" ? "orange" : "blue"}
            variant="light"
            title="Money impact"
            icon={<IconAlert />}
          >
            <Text size="sm" fw={600}>
              {amount.ok && grantImpact(kind, amount.value, stripeCustomerId, stripeCreditGrant)}
            </Text>
            {preview.data?.needsApproval && (
              <Text size="sm" mt={4}>
                Above your grant limits: this becomes a request an admin must approve. Nothing is
                applied or billed until then.
              </Text>
            )}
          </Alert>
          {create.isError && (
            <Alert color="red" variant="light" title="The grant was not confirmed" role="alert">
              <Text size="sm">{errorMessage(create.error)}</Text>
              <Text size="sm" mt={4}>
                Trying again is safe: it resubmits the same operation, which is applied at most
                once.
              </Text>
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setStep("form")} disabled={create.isPending}>
              Back
            </Button>
            <Button onClick={submit} loading={create.isPending} disabled={!valid} data-autofocus>
              {create.isError ? "Try again" : "Confirm grant"}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

type GrantPreview = {
  keyName: string | null;
  keyStart: string;
  balanceNow: number;
  balanceAfter: number;
  refill: {
    nextRefillAt: string;
    balanceAtRefill: number;
    grantedCreditsLostAtRefill: number;
  } | null;
  needsApproval: boolean;
  approvalReason: string | null;
  limits: { perGrant: number; perCustomerMonth: number; appliesToRole: boolean };
};

function PreviewPanel({
  state,
  data,
  error,
}: {
  state: "idle" | "loading" | "ready" | "error";
  data: GrantPreview | undefined;
  error: unknown;
}) {
  return (
    <Paper withBorder p="md" radius="sm" aria-live="polite" aria-busy={state === "loading"}>
      <Text size="sm" fw={600} mb={6}>
        Preview
      </Text>
      {state === "idle" && (
        <Text size="sm" c="dimmed">
          Enter an amount to see the balance after the grant and what the next refill does.
        </Text>
      )}
      {state === "error" && (
        <Text size="sm" c="red">
          Could not preview: {errorMessage(error)}
        </Text>
      )}
      {state === "loading" && !data && (
        <Stack gap={6}>
          <Skeleton height={14} width="60%" />
          <Skeleton height={14} width="90%" />
        </Stack>
      )}
      {(state === "ready" || (state === "loading" && data)) && data && (
        <Stack gap={6} style={{ opacity: state === "loading" ? 0.6 : 1 }}>
          <Text size="sm">
            Balance of {data.keyName ?? "the key"} ({data.keyStart}…):{" "}
            <Text span ff="monospace" fw={600}>
              {formatNumber(data.balanceNow)} → {formatNumber(data.balanceAfter)}
            </Text>
          </Text>
          <Text size="sm">{refillConsequence(data.refill, data.balanceAfter)}</Text>
          {data.needsApproval && (
            <Alert
              color="yellow"
              variant="light"
              styles={{ title: { color: "var(--mantine-color-text)" } }}
              title="Needs an admin's approval"
              p="xs"
            >
              <List size="sm">
                <List.Item>{data.approvalReason ?? "Above your grant limits."}</List.Item>
                <List.Item>
                  Your limits: {formatNumber(data.limits.perGrant)} per grant,{" "}
                  {formatNumber(data.limits.perCustomerMonth)} per customer per month.
                </List.Item>
              </List>
            </Alert>
          )}
        </Stack>
      )}
    </Paper>
  );
}

function Term({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed">
        {label}
      </Text>
      <Text component="dd" m={0} size="sm" style={{ wordBreak: "break-word" }}>
        {children}
      </Text>
    </div>
  );
}
