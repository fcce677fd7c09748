import { Spotlight, type SpotlightActionData } from "@mantine/spotlight";
import { useMantineColorScheme } from "@mantine/core";
import { useNavigate } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { paletteStore } from "./command-palette-loader";
import { IconChart, IconList, IconMoon, IconSearch, IconUsers } from "../../components/icons";

/**
 * ⌘K / Ctrl+K: jump to a page, or search the customer directory for what was typed. (Jumping straight
 * to one customer comes with the directory's search index.)
 */
export function CommandPalette({ onSignOut }: { onSignOut: () => void }) {
  const navigate = useNavigate();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const [query, setQuery] = useState("");

  const pages = useMemo<SpotlightActionData[]>(
    () => [
      {
        id: "customers",
        label: "Customers",
        description: "Browse and search customers",
        group: "Pages",
        keywords: ["directory", "identities", "accounts"],
        leftSection: <IconUsers />,
        onClick: () => void navigate({ to: "/customers", search: {} }),
      },
      {
        id: "finance",
        label: "Finance",
        description: "Usage and overage (coming soon)",
        group: "Pages",
        keywords: ["usage", "billing", "overage"],
        leftSection: <IconChart />,
        onClick: () => void navigate({ to: "/finance" }),
      },
      {
        id: "audit",
        label: "Audit log",
        description: "Who changed what (coming soon)",
        group: "Pages",
        keywords: ["history", "changes"],
        leftSection: <IconList />,
        onClick: () => void navigate({ to: "/audit" }),
      },
      {
        id: "theme",
        label: "Toggle dark mode",
        description: `Color scheme is ${colorScheme}`,
        group: "Preferences",
        keywords: ["theme", "light", "dark", "color"],
        leftSection: <IconMoon />,
        onClick: () => setColorScheme(colorScheme === "dark" ? "light" : "dark"),
      },
      {
        id: "sign-out",
        label: "Sign out",
        group: "Session",
        keywords: ["logout", "log out"],
        onClick: onSignOut,
      },
    ],
    [navigate, colorScheme, setColorScheme, onSignOut],
  );

  const term = query.trim();
  const actions: SpotlightActionData[] = term
    ? [
        {
          id: "search-customers",
          label: `Search customers for “${term}”`,
          group: "Customers",
          leftSection: <IconSearch />,
          onClick: () => void navigate({ to: "/customers", search: { q: term } }),
        },
        ...pages,
      ]
    : pages;

  return (
    <Spotlight
      store={paletteStore}
      actions={actions}
      query={query}
      onQueryChange={setQuery}
      // The dynamic search action must survive filtering whatever was typed.
      filter={(q, all) => {
        const needle = q.trim().toLowerCase();
        if (!needle) return all;
        return all.filter((a) => {
          if (!("id" in a)) return true;
          if (a.id === "search-customers") return true;
          const hay = [
            a.label,
            a.description,
            ...(Array.isArray(a.keywords) ? a.keywords : [a.keywords]),
          ]
            .filter(Boolean)
            .join(" ")
            .toLowerCase();
          return hay.includes(needle);
        });
      }}
      nothingFound="Nothing found"
      // The loader owns the ⌘K / Ctrl+K shortcut (it must work before this chunk is loaded).
      shortcut={null}
      highlightQuery
      searchProps={{
        leftSection: <IconSearch />,
        placeholder: "Go to a page, or search customers…",
        "aria-label": "Command palette search",
      }}
    />
  );
}
