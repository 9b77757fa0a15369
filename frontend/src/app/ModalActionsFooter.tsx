/**
 * The one modal footer: the main action (optional), any further buttons, then the link that dismisses the
 * modal (Cancel, or Close). The main action submits `form` when one is named, else calls `onSubmit`.
 */
import type { ReactNode } from 'react';
import { Button, ModalFooter, type ButtonProps } from '@patternfly/react-core';
import { t } from '../i18n/strings';

export function ModalActionsFooter({
  submitLabel,
  onSubmit,
  form,
  submitVariant = 'primary',
  isSubmitDisabled = false,
  isSubmitLoading,
  submitDescribedBy,
  dismissLabel = t.common.cancel,
  onDismiss,
  children,
}: {
  /** The main action's label; none: no main action. */
  submitLabel?: string;
  onSubmit?: () => void;
  /** The id of the form the main action submits. */
  form?: string;
  submitVariant?: ButtonProps['variant'];
  isSubmitDisabled?: boolean;
  /** Left out: the button has no progress state at all. */
  isSubmitLoading?: boolean;
  /** The id of what says why the main action is disabled. */
  submitDescribedBy?: string;
  dismissLabel?: string;
  onDismiss: () => void;
  /** Buttons between the main action and the dismiss link. */
  children?: ReactNode;
}) {
  return (
    <ModalFooter>
      {submitLabel !== undefined && (
        <Button
          variant={submitVariant}
          type={form ? 'submit' : 'button'}
          form={form}
          onClick={onSubmit}
          isDisabled={isSubmitDisabled}
          isLoading={isSubmitLoading}
          aria-describedby={submitDescribedBy}
        >
          {submitLabel}
        </Button>
      )}
      {children}
      <Button variant="link" onClick={onDismiss}>
        {dismissLabel}
      </Button>
    </ModalFooter>
  );
}
