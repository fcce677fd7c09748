import { Alert, Button, Group, Text } from "@mantine/core";
import { errorMessage } from "../lib/errors";
import { IconAlert } from "./icons";

/** An async view that failed: what went wrong, in the server's words, and a way to try again. */
export function ErrorState({
  title = "Could not load this",
  error,
  onRetry,
  retrying = false,
}: {
  title?: string;
  error: unknown;
  onRetry?: () => void;
  retrying?: boolean;
}) {
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlert />} role="alert">
      <Text size="sm">{errorMessage(error)}</Text>
      {onRetry && (
        <Group mt="sm">
          <Button size="xs" variant="default" onClick={onRetry} loading={retrying}>
            Try again
          </Button>
        </Group>
      )}
    </Alert>
  );
}
