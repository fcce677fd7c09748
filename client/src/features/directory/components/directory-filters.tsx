import { Chip, Group, Skeleton, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useTRPC } from "../../../lib/trpc";
import type { DirectoryStatusFilter } from "../search";

const STATUS_OPTIONS: { value: DirectoryStatusFilter; label: string; hint: string }[] = [
  { value: "healthy", label: "Healthy", hint: "20 % or more of the allowance left" },
  { value: "low", label: "Low (< 20 % left)", hint: "Under 20 % of the allowance left" },
  { value: "exhausted", label: "Exhausted", hint: "No credits left" },
  { value: "unlimited", label: "Unlimited", hint: "At least one key has no credit limit" },
  { value: "no_keys", label: "No keys", hint: "Identities without any API key" },
  { value: "overage", label: "In overage", hint: "Used more than the allowance this period" },
];

// Chips rather than a multi-select dropdown: every option is one click away and visible at a glance,
// and a dropdown would bring a positioning library into the directory's first load.
export function DirectoryFilters({
  plans,
  statuses,
  onPlansChange,
  onStatusesChange,
}: {
  plans: string[];
  statuses: DirectoryStatusFilter[];
  onPlansChange: (plans: string[]) => void;
  onStatusesChange: (statuses: DirectoryStatusFilter[]) => void;
}) {
  const trpc = useTRPC();
  // Same query (and cache entry) as the table's plan names.
  const planList = useQuery({ ...trpc.directory.plans.queryOptions(), staleTime: 5 * 60_000 });
  const planLabel = useId();
  const statusLabel = useId();

  // A plan in the URL that the catalog does not (or no longer) list stays visible and removable.
  const known = planList.data?.plans ?? [];
  const unknown = plans.filter((p) => !known.some((k) => k.id === p));
  const planOptions = [...known, ...unknown.map((id) => ({ id, name: id }))];

  return (
    <Group gap="lg" align="center" wrap="wrap">
      <Group gap={6} wrap="wrap" role="group" aria-labelledby={planLabel}>
        <Text id={planLabel} size="sm" fw={500} mr={2}>
          Plan
        </Text>
        {planList.isPending ? (
          <Skeleton height={24} width={220} />
        ) : planList.isError && planOptions.length === 0 ? (
          <Text size="xs" c="dimmed">
            Plans could not be loaded
          </Text>
        ) : (
          <Chip.Group
            multiple
            value={plans}
            onChange={(value) =>
              onPlansChange(planOptions.map((p) => p.id).filter((id) => value.includes(id)))
            }
          >
            {planOptions.map((plan) => (
              <Chip key={plan.id} value={plan.id} size="xs" variant="outline">
                {plan.name}
              </Chip>
            ))}
          </Chip.Group>
        )}
      </Group>
      <Group gap={6} wrap="wrap" role="group" aria-labelledby={statusLabel}>
        <Text id={statusLabel} size="sm" fw={500} mr={2}>
          Status
        </Text>
        <Chip.Group
          multiple
          value={statuses}
          onChange={(value) =>
            onStatusesChange(
              STATUS_OPTIONS.map((o) => o.value).filter((status) => value.includes(status)),
            )
          }
        >
          {STATUS_OPTIONS.map((option) => (
            <Chip
              key={option.value}
              value={option.value}
              size="xs"
              variant="outline"
              title={option.hint}
            >
              {option.label}
            </Chip>
          ))}
        </Chip.Group>
      </Group>
    </Group>
  );
}
