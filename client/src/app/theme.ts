import { createTheme, type CSSVariablesResolver } from "@mantine/core";

// Dense and quiet: staff scan tables all day. Sizes are Mantine's, nudged one step smaller where
// components default to roomy spacing.
export const theme = createTheme({
  primaryColor: "indigo",
  primaryShade: { light: 7, dark: 8 },
  // Black text on light fills (yellow badge), white on dark ones: keeps filled variants readable.
  autoContrast: true,
  defaultRadius: "sm",
  fontFamily:
    'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace:
    'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: "650", sizes: { h1: { fontSize: "1.5rem", lineHeight: "1.3" } } },
  cursorType: "pointer",
  components: {
    Table: {
      defaultProps: { verticalSpacing: 6, horizontalSpacing: "sm", fz: "sm" },
    },
    Button: { defaultProps: { size: "sm" } },
    TextInput: { defaultProps: { size: "sm" } },
    Badge: { defaultProps: { radius: "sm" } },
    Tooltip: { defaultProps: { withArrow: true, openDelay: 200 } },
  },
});

// Contrast fixes for WCAG AA (4.5:1), checked with axe in both schemes:
// - Mantine's default "dimmed" text is below 4.5:1 on both backgrounds; staff read muted text
//   (external ids, hints) constantly.
// - "light" variants (badges, the active nav item) put shade 9 text on shade 1, and shade 2 on
//   hover; one shade lighter each keeps text readable while hover still shows.
export const cssVariablesResolver: CSSVariablesResolver = (t) => {
  const light: Record<string, string> = { "--mantine-color-dimmed": t.colors.gray[7] ?? "#495057" };
  for (const name of Object.keys(t.colors)) {
    light[`--mantine-color-${name}-light`] = `var(--mantine-color-${name}-0)`;
    light[`--mantine-color-${name}-light-hover`] = `var(--mantine-color-${name}-1)`;
  }
  return {
    variables: {},
    light,
    dark: { "--mantine-color-dimmed": t.colors.dark[1] ?? "#b8b8b8" },
  };
};
