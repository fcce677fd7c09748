import {
  AppShell,
  Badge,
  Box,
  Burger,
  Button,
  Group,
  Kbd,
  NavLink,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { Link, Outlet, useMatchRoute } from "@tanstack/react-router";
import { useEffect, type ReactNode } from "react";
import { IconAlert, IconChart, IconList, IconSearch, IconUsers } from "../../components/icons";
import { useSignOut } from "../../features/auth";
import type { SessionUser } from "../../lib/api-types";
import { formatRole } from "../../lib/format";
import { focusPageSearch, isEditableTarget } from "../../lib/page-search";
import { useTRPC } from "../../lib/trpc";
import { ColorSchemeControl } from "./color-scheme-control";
import { LazyCommandPalette, openCommandPalette } from "./command-palette-loader";
import classes from "./app-layout.module.css";

// `roles`: only these roles see the item (the pages and the server check again).
const NAV: readonly {
  to: string;
  label: string;
  icon: typeof IconUsers;
  roles?: readonly string[];
}[] = [
  { to: "/customers", label: "Customers", icon: IconUsers },
  { to: "/finance", label: "Finance", icon: IconChart },
  { to: "/audit", label: "Audit log", icon: IconList, roles: ["admin", "finance"] },
  { to: "/approvals", label: "Approvals", icon: IconAlert, roles: ["admin"] },
  { to: "/staff", label: "Staff", icon: IconUsers, roles: ["admin"] },
];

const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

export function AppLayout({ user }: { user: SessionUser }) {
  const trpc = useTRPC();
  const config = useQuery({ ...trpc.session.config.queryOptions(), staleTime: Infinity });
  const me = useQuery(trpc.session.me.queryOptions());
  const current = me.data?.user ?? user;
  const signOut = useSignOut();
  const [navOpen, nav] = useDisclosure(false);
  const matchRoute = useMatchRoute();
  const approvals = useQuery({
    ...trpc.approvals.list.queryOptions(),
    enabled: current.role === "admin",
    refetchInterval: 60_000,
  });
  const pendingApprovals = approvals.data?.total;

  useSlashToFocusSearch();

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 200, breakpoint: "sm", collapsed: { mobile: !navOpen } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="sm">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={navOpen}
              onClick={nav.toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Text component={Link} to="/customers" fw={700} className={classes.brand}>
              Credits console
            </Text>
            {config.data?.mode === "sandbox" && (
              <Badge
                color="yellow"
                variant="filled"
                style={{ flexShrink: 0 }}
                title="Sandbox mode: emulated Unkey and Stripe, demo data"
              >
                Sandbox
              </Badge>
            )}
          </Group>
          <Group gap="sm" wrap="nowrap">
            <UnstyledButton
              className={classes.paletteButton}
              onClick={openCommandPalette}
              visibleFrom="md"
            >
              <IconSearch size={14} />
              <Text size="xs" c="dimmed" component="span">
                Jump to…
              </Text>
              <Kbd size="xs">{isMac ? "⌘" : "Ctrl"}+K</Kbd>
            </UnstyledButton>
            <Box visibleFrom="xs">
              <ColorSchemeControl />
            </Box>
            <Group gap={6} wrap="nowrap" visibleFrom="xs">
              <VisuallyHidden>Signed in as</VisuallyHidden>
              <Text size="sm" className={classes.email} title={current.name}>
                {current.email}
              </Text>
              <Badge variant="default" size="sm" tt="none">
                {formatRole(current.role)}
              </Badge>
            </Group>
            <Button
              variant="default"
              size="xs"
              onClick={() => signOut.mutate()}
              loading={signOut.isPending}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {NAV.filter((item) => !item.roles || item.roles.includes(current.role)).map((item) => (
          <NavItem
            key={item.to}
            to={item.to}
            label={item.label}
            badge={item.to === "/approvals" ? pendingApprovals : undefined}
            icon={<item.icon size={16} />}
            active={!!matchRoute({ to: item.to, fuzzy: true })}
            onNavigate={nav.close}
          />
        ))}
      </AppShell.Navbar>

      <AppShell.Main>
        <div className={classes.content}>
          <Outlet />
        </div>
      </AppShell.Main>

      <LazyCommandPalette onSignOut={() => signOut.mutate()} />
    </AppShell>
  );
}

function NavItem({
  to,
  label,
  icon,
  active,
  onNavigate,
  badge,
}: {
  to: string;
  label: string;
  /** A count beside the label (e.g. requests waiting); hidden at 0. */
  badge?: number | undefined;
  icon: ReactNode;
  active: boolean;
  onNavigate: () => void;
}) {
  return (
    <NavLink
      component={Link}
      to={to}
      label={label}
      leftSection={icon}
      rightSection={
        badge ? (
          <Badge size="sm" variant="filled" color="red" circle>
            {badge}
            <VisuallyHidden> waiting</VisuallyHidden>
          </Badge>
        ) : undefined
      }
      active={active}
      aria-current={active ? "page" : undefined}
      variant="subtle"
      fw={active ? 600 : undefined}
      onClick={onNavigate}
      style={{ borderRadius: "var(--mantine-radius-sm)" }}
    />
  );
}

/** `/` focuses the current page's search box, unless the person is already typing somewhere. */
function useSlashToFocusSearch() {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.defaultPrevented || isEditableTarget(event.target)) return;
      if (focusPageSearch()) event.preventDefault();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
}
