/** The one-time disclaimer gate: shown until accepted once (stored by the server). */
import { useEffect, useState, type ReactNode } from 'react';
import {
  Bullseye,
  Button,
  Content,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Spinner,
} from '@patternfly/react-core';
import { api } from '../api/client';
import { t } from '../i18n/strings';
import { useToasts } from './toasts';

export function DisclaimerGate({ children }: { children: ReactNode }) {
  const { notifyError } = useToasts();
  const [accepted, setAccepted] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.disclaimer().then(
      (d) => setAccepted(d.accepted),
      (err) => {
        notifyError(err);
        setAccepted(false);
      },
    );
  }, [notifyError]);

  const accept = async () => {
    setBusy(true);
    try {
      await api.acceptDisclaimer();
      setAccepted(true);
    } catch (err) {
      notifyError(err);
    } finally {
      setBusy(false);
    }
  };

  if (accepted === null) {
    return (
      <Bullseye style={{ height: '100vh' }}>
        <Spinner aria-label={t.common.loading} />
      </Bullseye>
    );
  }
  return (
    <>
      {children}
      <Modal
        isOpen={!accepted}
        variant="small"
        aria-labelledby="disclaimer-title"
        aria-describedby="disclaimer-body"
        onEscapePress={() => undefined}
      >
        <ModalHeader title={t.disclaimer.title} labelId="disclaimer-title" />
        <ModalBody id="disclaimer-body">
          <Content component="p">{t.disclaimer.body}</Content>
        </ModalBody>
        <ModalFooter>
          <Button variant="primary" onClick={accept} isLoading={busy} isDisabled={busy}>
            {t.disclaimer.accept}
          </Button>
        </ModalFooter>
      </Modal>
    </>
  );
}
