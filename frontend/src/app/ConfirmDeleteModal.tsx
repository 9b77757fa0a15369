/** The delete confirmation shared by objects and buckets: a warning, "cannot be undone", and, where a phrase
 * is given, a field in which the user must type it before Delete is enabled. */
import { useState, type ReactNode } from 'react';
import {
  Alert,
  Content,
  Form,
  FormGroup,
  Modal,
  ModalBody,
  ModalHeader,
  TextInput,
} from '@patternfly/react-core';
import { t } from '../i18n/strings';
import { ModalActionsFooter } from './ModalActionsFooter';

export function ConfirmDeleteModal({
  id,
  title,
  phrase,
  error,
  busy,
  onDelete,
  onClose,
  autoFocus = false,
  fields,
  children,
}: {
  /** Prefix of the ids: `${id}-title`, `${id}-body`, `${id}-form`, `${id}-confirm`. */
  id: string;
  title: string;
  /** What must be typed to confirm; null for a plain confirmation. */
  phrase: string | null;
  error: string | null;
  busy: boolean;
  onDelete: () => void;
  onClose: () => void;
  autoFocus?: boolean;
  /** Extra form fields, before the confirmation field. */
  fields?: ReactNode;
  /** What is about to be deleted, shown above "cannot be undone". */
  children: ReactNode;
}) {
  const [typed, setTyped] = useState('');
  const confirmed = phrase === null || typed === phrase;
  const submit = () => {
    if (confirmed) onDelete();
  };
  return (
    <Modal
      isOpen
      variant="small"
      onClose={onClose}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
    >
      <ModalHeader title={title} labelId={`${id}-title`} titleIconVariant="warning" />
      <ModalBody id={`${id}-body`}>
        {error && <Alert isInline variant="danger" title={error} className="pf-v6-u-mb-md" />}
        {children}
        <Content component="p">
          <strong>{t.deletion.irreversible}</strong>
        </Content>
        {phrase !== null && (
          <Form
            id={`${id}-form`}
            onSubmit={(e) => {
              e.preventDefault();
              submit();
            }}
          >
            {fields}
            <FormGroup label={t.common.typeToConfirm(phrase)} fieldId={`${id}-confirm`}>
              <TextInput
                id={`${id}-confirm`}
                value={typed}
                onChange={(_e, v) => setTyped(v)}
                autoFocus={autoFocus}
                autoComplete="off"
              />
            </FormGroup>
          </Form>
        )}
      </ModalBody>
      <ModalActionsFooter
        submitLabel={t.common.delete}
        submitVariant="danger"
        onSubmit={submit}
        isSubmitDisabled={!confirmed || busy}
        isSubmitLoading={busy}
        onDismiss={onClose}
      />
    </Modal>
  );
}
