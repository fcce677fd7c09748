import { Notifications } from "@mantine/notifications";

/** The toast container, in its own chunk: see providers.tsx. */
export function Toasts() {
  return <Notifications position="bottom-right" limit={4} />;
}
