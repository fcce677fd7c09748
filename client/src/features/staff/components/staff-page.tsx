import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Paper,
  Select,
  Skeleton,
  Stack,
  Table,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { DialogActions } from "../../../components/dialog-actions";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";
import type { Role, RouterOutputs } from "../../../lib/api-types";
import { errorMessage } from "../../../lib/errors";
import { formatRole, formatUtcInstant } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";

type Member = RouterOutputs["staff"]["list"][number];
const ROLES: { value: Role; label: string }[] = (
  ["support", "account_manager", "finance", "admin"] as const
).map((r) => ({ value: r, label: formatRole(r) }));

export function StaffPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.session.me.queryOptions());
  const user = me.data?.user;
  if (user && user.role !== "admin") {
    return (
      <Stack gap="md">
        <Title order={1}>Staff</Title>
        <EmptyState title="Not allowed">Only admins manage staff accounts.</EmptyState>
      </Stack>
    );
  }
  return <StaffList selfId={user?.id ?? null} />;
}

function StaffList({ selfId }: { selfId: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.staff.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.staff.pathFilter()),
      queryClient.invalidateQueries(trpc.audit.pathFilter()),
    ]);
  const onError = (error: unknown) =>
    notifications.show({
      closeButtonProps: { "aria-label": "Dismiss" },
      color: "red",
      title: "Not changed",
      message: errorMessage(error),
    });
  const setRole = useMutation(
    trpc.staff.setRole.mutationOptions({
      onSuccess: async (s) => {
        await refresh();
        notifications.show({
          closeButtonProps: { "aria-label": "Dismiss" },
          color: "teal",
          title: "Role changed",
          message: `${s.email} is now ${formatRole(s.role)}; their sessions were signed out.`,
        });
      },
      onError,
    }),
  );
  const disable = useMutation(
    trpc.staff.disable.mutationOptions({
      onSuccess: async (s) => {
        await refresh();
        notifications.show({
          closeButtonProps: { "aria-label": "Dismiss" },
          color: "teal",
          title: s.disabled ? "Account disabled" : "Account enabled",
          message: s.disabled
            ? `${s.email} can no longer sign in.`
            : `${s.email} can sign in again.`,
        });
      },
      onError,
    }),
  );
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1}>Staff</Title>
        <Button size="xs" onClick={() => setAdding(true)}>
          Add staff member
        </Button>
      </Group>
      {list.isPending ? (
        <Skeleton height={120} />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Paper withBorder radius="sm">
          <Table.ScrollContainer minWidth={700}>
            <Table fz="sm" verticalSpacing={6} aria-label="Staff members">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Added</Table.Th>
                  <Table.Th>Access</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.map((s: Member) => {
                  const self = s.id === selfId;
                  return (
                    <Table.Tr key={s.id}>
                      <Table.Td>
                        {s.name}
                        {self && (
                          <Badge ml={6} size="xs" variant="light" tt="none">
                            You
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td style={{ overflowWrap: "anywhere" }}>{s.email}</Table.Td>
                      <Table.Td>
                        <Select
                          size="xs"
                          aria-label={`Role of ${s.email}`}
                          data={ROLES}
                          value={s.role}
                          allowDeselect={false}
                          disabled={self || setRole.isPending}
                          onChange={(v) => {
                            const role = ROLES.find((r) => r.value === v)?.value;
                            if (role && role !== s.role) setRole.mutate({ staffId: s.id, role });
                          }}
                          w={170}
                        />
                      </Table.Td>
                      <Table.Td>
                        <Badge
                          size="sm"
                          variant="light"
                          color={s.disabled ? "gray" : "teal"}
                          tt="none"
                        >
                          {s.disabled ? "Disabled" : "Active"}
                        </Badge>
                      </Table.Td>
                      <Table.Td ff="monospace">
                        {formatUtcInstant(s.createdAt).slice(0, 10)}
                      </Table.Td>
                      <Table.Td>
                        {!self && (
                          <Button
                            size="xs"
                            variant="default"
                            loading={disable.isPending && disable.variables.staffId === s.id}
                            onClick={() => disable.mutate({ staffId: s.id, disabled: !s.disabled })}
                            aria-label={`${s.disabled ? "Enable" : "Disable"} ${s.email}`}
                          >
                            {s.disabled ? "Enable" : "Disable"}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {adding && <AddStaffDialog onClose={() => setAdding(false)} onAdded={refresh} />}
    </Stack>
  );
}

function AddStaffDialog({
  onClose,
  onAdded,
}: {
  onClose: () => void;
  onAdded: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("support");
  const create = useMutation(trpc.staff.create.mutationOptions({ onSuccess: () => onAdded() }));
  const valid = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()) && name.trim().length > 0;
  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      opened
      onClose={onClose}
      title={create.data ? "Staff member added" : "Add staff member"}
    >
      {create.data ? (
        <Stack gap="md">
          <Alert
            color="yellow"
            variant="light"
            styles={{ title: { color: "var(--mantine-color-text)" } }}
            title="Shown once"
          >
            Give this password to {create.data.staff.email} over a safe channel. The console does
            not store it and cannot show it again.
          </Alert>
          <Group gap="xs">
            <Code fz="md">{create.data.password}</Code>
            <CopyButton value={create.data.password}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" onClick={copy}>
                  {copied ? "Copied" : "Copy password"}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (valid && !create.isPending)
              create.mutate({ email: email.trim(), name: name.trim(), role });
          }}
        >
          <Stack gap="sm">
            <TextInput
              label="Email"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              withAsterisk
              data-autofocus
            />
            <TextInput
              label="Name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              withAsterisk
            />
            <Select
              label="Role"
              data={ROLES}
              value={role}
              allowDeselect={false}
              onChange={(v) => setRole(ROLES.find((r) => r.value === v)?.value ?? "support")}
            />
            <DialogActions
              error={create.error}
              errorTitle="Not added"
              pending={create.isPending}
              onCancel={onClose}
              submitLabel="Add"
              submitDisabled={!valid}
            />
          </Stack>
        </form>
      )}
    </Modal>
  );
}
