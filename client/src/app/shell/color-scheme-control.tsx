import {
  Center,
  SegmentedControl,
  VisuallyHidden,
  useMantineColorScheme,
  type MantineColorScheme,
} from "@mantine/core";
import { IconDeviceDesktop, IconMoon, IconSun } from "../../components/icons";

const OPTIONS: { value: MantineColorScheme; label: string; icon: typeof IconSun }[] = [
  { value: "light", label: "Light", icon: IconSun },
  { value: "dark", label: "Dark", icon: IconMoon },
  { value: "auto", label: "Auto (system)", icon: IconDeviceDesktop },
];

/** Light / dark / follow the system. Mantine persists the choice in localStorage. */
export function ColorSchemeControl() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  return (
    <SegmentedControl
      size="xs"
      aria-label="Color scheme"
      value={colorScheme}
      onChange={setColorScheme}
      data={OPTIONS.map(({ value, label, icon: Icon }) => ({
        value,
        label: (
          <Center title={label} style={{ height: 16 }}>
            <Icon size={14} />
            <VisuallyHidden>{label}</VisuallyHidden>
          </Center>
        ),
      }))}
    />
  );
}

export function nextColorScheme(current: MantineColorScheme): MantineColorScheme {
  const i = OPTIONS.findIndex((o) => o.value === current);
  return OPTIONS[(i + 1) % OPTIONS.length]?.value ?? "auto";
}
