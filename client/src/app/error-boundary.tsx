import { Alert, Button, Code, Group, Stack, Text, Title } from "@mantine/core";
import { useQueryErrorResetBoundary } from "@tanstack/react-query";
import { useRouter, type ErrorComponentProps } from "@tanstack/react-router";
import { Component, useEffect, type ErrorInfo, type ReactNode } from "react";
import { IconAlert } from "../components/icons";
import { errorMessage } from "../lib/errors";

/** A route that threw while loading or rendering: say what happened, offer a retry in place. */
export function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  const queryReset = useQueryErrorResetBoundary();
  useEffect(() => {
    queryReset.reset();
  }, [queryReset]);
  return (
    <Stack gap="md" maw={640}>
      <Title order={1}>Something went wrong</Title>
      <Alert
        color="red"
        variant="light"
        icon={<IconAlert />}
        title="This page could not be shown"
        role="alert"
      >
        <Text size="sm">{errorMessage(error)}</Text>
      </Alert>
      <Group>
        <Button
          onClick={() => {
            reset();
            void router.invalidate();
          }}
        >
          Try again
        </Button>
        <Button variant="default" onClick={() => window.location.assign("/customers")}>
          Go to customers
        </Button>
      </Group>
    </Stack>
  );
}

type State = { error: Error | null };

/**
 * Last line of defence above the router (providers, the shell itself). Route errors are caught
 * lower down by RouteError and never reach this.
 */
export class AppErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("Unhandled error in the console UI", error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <Stack p="xl" gap="md" maw={720} mx="auto" component="main">
        <Title order={1}>The console hit an unexpected error</Title>
        <Text>Your data is safe: nothing is changed by this. Try again, or reload the page.</Text>
        <Code block>{error.message}</Code>
        <Group>
          <Button onClick={() => this.setState({ error: null })}>Try again</Button>
          <Button variant="default" onClick={() => window.location.reload()}>
            Reload page
          </Button>
        </Group>
      </Stack>
    );
  }
}
