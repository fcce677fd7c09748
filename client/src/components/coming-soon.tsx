import { Stack, Title } from "@mantine/core";
import { EmptyState } from "./empty-state";

export function ComingSoon({ title, description }: { title: string; description: string }) {
  return (
    <Stack gap="md">
      <Title order={1}>{title}</Title>
      <EmptyState title="Coming soon">{description}</EmptyState>
    </Stack>
  );
}
