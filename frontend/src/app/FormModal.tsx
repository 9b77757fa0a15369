/** A modal around one form: title, inline error, the fields, and a submit + cancel footer. */
import type { ReactNode } from 'react';
import { Alert, Form, Modal, ModalBody, ModalHeader } from '@patternfly/react-core';
import { t } from '../i18n/strings';
import { ModalActionsFooter } from './ModalActionsFooter';

export function FormModal({
  id,
  title,
  error,
  busy,
  canSubmit,
  submitLabel = t.common.create,
  onSubmit,
  onClose,
  children,
}: {
  /** Prefix of the ids: `${id}-title` labels the modal, `${id}-form` is the form. */
  id: string;
  title: string;
  error: string | null;
  busy: boolean;
  canSubmit: boolean;
  submitLabel?: string;
  onSubmit: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Modal isOpen variant="small" onClose={onClose} aria-labelledby={`${id}-title`}>
      <ModalHeader title={title} labelId={`${id}-title`} />
      <ModalBody>
        <Form
          id={`${id}-form`}
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit();
          }}
        >
          {error && <Alert isInline variant="danger" title={error} />}
          {children}
        </Form>
      </ModalBody>
      <ModalActionsFooter
        submitLabel={submitLabel}
        form={`${id}-form`}
        isSubmitDisabled={!canSubmit || busy}
        isSubmitLoading={busy}
        onDismiss={onClose}
      />
    </Modal>
  );
}
