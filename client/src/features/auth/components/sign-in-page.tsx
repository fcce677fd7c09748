import {
  Alert,
  Badge,
  Box,
  Button,
  Center,
  Group,
  Paper,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, useRouter } from "@tanstack/react-router";
import { useRef, useState, type FormEvent } from "react";
import { IconAlert } from "../../../components/icons";
import { errorCode, errorMessage } from "../../../lib/errors";
import { useTRPC } from "../../../lib/trpc";
import { safeRedirect } from "../safe-redirect";
import { DemoLogins } from "./demo-logins";

const route = getRouteApi("/sign-in");

export function SignInPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const search = route.useSearch();
  const config = useQuery({ ...trpc.session.config.queryOptions(), staleTime: Infinity });
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const submitRef = useRef<HTMLButtonElement>(null);

  const signIn = useMutation(
    trpc.session.signIn.mutationOptions({
      meta: { suppressErrorToast: true },
      onSuccess: async ({ user }) => {
        queryClient.setQueryData(trpc.session.me.queryKey(), { user });
        // A same-origin path (possibly with its own search), so go through history, not a typed route.
        router.history.push(safeRedirect(search.redirect));
        await router.invalidate();
      },
    }),
  );

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (signIn.isPending) return;
    signIn.mutate({ email: email.trim(), password });
  };

  const sandbox = config.data?.mode === "sandbox";
  const logins = config.data?.sandboxLogins ?? null;

  return (
    <Center mih="100dvh" p="md" bg="var(--mantine-color-default-hover)">
      <Stack w="100%" maw={420} gap="md">
        <Group justify="space-between" align="center" component="header">
          <Text fw={700} size="lg">
            Credits console
          </Text>
          {sandbox && (
            <Badge color="yellow" variant="filled">
              Sandbox
            </Badge>
          )}
        </Group>
        <Paper withBorder p="lg" radius="sm" component="main">
          <form onSubmit={onSubmit} noValidate>
            <Stack gap="sm">
              <Title order={1} size="h3">
                Sign in
              </Title>
              <Text size="sm" c="dimmed">
                Staff only. Use the account your admin gave you.
              </Text>
              {signIn.isError && (
                <Alert
                  color="red"
                  variant="light"
                  icon={<IconAlert />}
                  title={
                    errorCode(signIn.error) === "TOO_MANY_REQUESTS"
                      ? "Too many attempts"
                      : "Could not sign in"
                  }
                  role="alert"
                >
                  {errorMessage(signIn.error)}
                </Alert>
              )}
              <TextInput
                label="Email"
                type="email"
                name="email"
                autoComplete="username"
                required
                autoFocus
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
              />
              {/* A plain password field: PasswordInput's reveal button is labelled "Toggle password
                  visibility", which also matches a "Password" label query (tests, screen readers). */}
              <TextInput
                label="Password"
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <Button type="submit" ref={submitRef} loading={signIn.isPending} fullWidth mt="xs">
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
        {logins && (
          <Box component="aside" aria-label="Sandbox logins">
            <DemoLogins
              logins={logins}
              onPick={(login) => {
                setEmail(login.email);
                setPassword(login.password);
                signIn.reset();
                submitRef.current?.focus();
              }}
            />
          </Box>
        )}
      </Stack>
    </Center>
  );
}
