import { useHotkeys } from "@mantine/hooks";
import { createSpotlight, useSpotlight } from "@mantine/spotlight";
import { lazy, Suspense, useState } from "react";

// The palette (a modal, a scroll area, focus trapping) is not needed to show the first page, so its
// code loads on first use. The store and the shortcut are tiny and live here.
export const [paletteStore, palette] = createSpotlight();

const CommandPalette = lazy(() =>
  import("./command-palette").then((m) => ({ default: m.CommandPalette })),
);

export const openCommandPalette = () => palette.open();

export function LazyCommandPalette({ onSignOut }: { onSignOut: () => void }) {
  const { opened } = useSpotlight(paletteStore);
  const [loaded, setLoaded] = useState(false);
  // Once opened, stay mounted: reopening is then instant and keeps its state.
  if (opened && !loaded) setLoaded(true);
  // An empty ignore list: ⌘K / Ctrl+K works while typing in a field too.
  useHotkeys([["mod+K", openCommandPalette]], []);
  if (!loaded) return null;
  return (
    <Suspense fallback={null}>
      <CommandPalette onSignOut={onSignOut} />
    </Suspense>
  );
}
