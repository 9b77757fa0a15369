/** A modal around one form: title, inline error, the fields, and a submit + cancel footer. */
import { useState, type ReactNode } from 'react';
import { Alert, Form, Modal, ModalBody, ModalHeader } from '@patternfly/react-core';
import { t } from '../i18n/strings';
import { ModalActionsFooter } from './ModalActionsFooter';
import { useToasts } from './toasts';
import { TextField, type TextFieldProps } from './TextField';
import { useBusyAction } from './useBusyAction';

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

/** The name a FormModal asks for: required and focused, its problem (or the help) below it. */
export function NameField(props: TextFieldProps & { problem: string | null; help: string }) {
  return <TextField {...props} isRequired autoFocus autoComplete="off" />;
}

/**
 * A FormModal that creates something by the one name it asks for: the name's problem shows as it is
 * typed; on submit `create` gets the name, trimmed (busy meanwhile, what failed shown inline), then a
 * toast says it was created, `onCreated` follows and the modal closes.
 */
export function CreateByNameModal({
  id,
  title,
  field: { showValid = false, ...field },
  problemOf,
  create,
  createdToast,
  onCreated,
  onClose,
}: {
  id: string;
  title: string;
  /** The name field; `showValid` marks an acceptable name as such (green), not only a wrong one. */
  field: Pick<TextFieldProps, 'id' | 'label' | 'helpTestId'> & { help: string; showValid?: boolean };
  problemOf: (name: string) => string | null;
  create: (name: string) => Promise<unknown>;
  createdToast: (name: string) => string;
  onCreated: (name: string) => void;
  onClose: () => void;
}) {
  const { notify } = useToasts();
  const [name, setName] = useState('');
  const { busy, error, run } = useBusyAction();
  const problem = problemOf(name);
  const valid = name.trim() !== '' && !problem;
  const submit = () =>
    valid &&
    run(async () => {
      const created = name.trim();
      await create(created);
      notify({ variant: 'success', title: createdToast(created) });
      onCreated(created);
      onClose();
    });
  return (
    <FormModal {...{ id, title, error, busy, onClose }} canSubmit={valid} onSubmit={() => void submit()}>
      <NameField {...field} value={name} onChange={setName} problem={problem} valid={showValid && valid} />
    </FormModal>
  );
}
