import { Alert, Button, Group, type MantineColor } from "@mantine/core";
import { errorMessage } from "../lib/errors";

/**
 * The foot of a form dialog: the server's refusal (if any) in an alert, then Cancel and the
 * submit button. Cancel is disabled while the request runs: closing would hide its outcome.
 */
export function DialogActions({
  error,
  errorTitle = "Not done",
  pending,
  onCancel,
  submitLabel,
  submitColor,
  submitDisabled,
  autoFocusSubmit,
}: {
  error: unknown;
  errorTitle?: string;
  pending: boolean;
  onCancel: () => void;
  submitLabel: string;
  submitColor?: MantineColor | undefined;
  submitDisabled?: boolean;
  autoFocusSubmit?: boolean;
}) {
  return (
    <>
      {error != null && (
        <Alert color="red" variant="light" role="alert" title={errorTitle}>
          {errorMessage(error)}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button
          type="submit"
          loading={pending}
          color={submitColor}
          disabled={submitDisabled}
          data-autofocus={autoFocusSubmit ? true : undefined}
        >
          {submitLabel}
        </Button>
      </Group>
    </>
  );
}
