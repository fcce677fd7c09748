import { Paper, Stack, Table, Text, UnstyledButton } from "@mantine/core";
import type { Role, SessionConfig } from "../../../lib/api-types";
import { formatRole } from "../../../lib/format";

/** Sandbox only: the seeded staff accounts, one per role. Choosing one fills the form. */
export function DemoLogins({
  logins,
  onPick,
}: {
  logins: NonNullable<SessionConfig["sandboxLogins"]>;
  onPick: (login: { email: string; password: string; role: Role }) => void;
}) {
  return (
    <Paper withBorder p="md" radius="sm">
      <Stack gap="xs">
        <div>
          <Text fw={600} size="sm" component="h2">
            Sandbox logins
          </Text>
          <Text size="xs" c="dimmed">
            Demo accounts, one per role. Password{" "}
            <Text span ff="monospace" size="xs">
              {logins.password}
            </Text>
            . Choose one to fill the form.
          </Text>
        </div>
        <Table verticalSpacing={4} highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {logins.users.map((user) => (
              <Table.Tr key={user.email}>
                <Table.Td>
                  <UnstyledButton
                    type="button"
                    fz="sm"
                    ff="monospace"
                    c="var(--mantine-color-anchor)"
                    onClick={() =>
                      onPick({ email: user.email, password: logins.password, role: user.role })
                    }
                  >
                    {user.email}
                  </UnstyledButton>
                </Table.Td>
                <Table.Td>{formatRole(user.role)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    </Paper>
  );
}
