/** Copy or move a selection to another location/folder through the transfer engine. */
import { useState } from 'react';
import {
  Alert,
  Button,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Radio,
  TextInput,
} from '@patternfly/react-core';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api/client';
import type { ConflictPolicy, CopyPrecheck, CopySource } from '../../api/types';
import { useAppData } from '../../app/appData';
import { useToasts } from '../../app/toasts';
import { isActive, useTransfers } from '../../app/transfers';
import { useBusyAction } from '../../app/useBusyAction';
import { t } from '../../i18n/strings';
import { formatBytes } from '../../utils/format';
import { isGone } from './useJobRefresh';

export function CopyMoveModal({
  locationId,
  keys,
  prefixes,
  currentPrefix,
  onClose,
  onStarted,
  onGone,
}: {
  locationId: string;
  keys: string[];
  prefixes: string[];
  currentPrefix: string;
  onClose: () => void;
  onStarted: () => void;
  /** Some of the items are no longer there (moved, renamed or deleted since the listing). */
  onGone?: () => void;
}) {
  const { locations } = useAppData();
  const { upsert, titleOf } = useTransfers();
  const { notify } = useToasts();
  const navigate = useNavigate();
  const [operation, setOperation] = useState<'copy' | 'move'>('copy');
  const [destination, setDestination] = useState(locationId);
  const [prefix, setPrefix] = useState(currentPrefix);
  const [conflict, setConflict] = useState<ConflictPolicy>('skip');
  const [check, setCheck] = useState<CopyPrecheck | null>(null);
  const { busy, error, run: runBusy } = useBusyAction();
  const source: CopySource = { location_id: locationId, keys, prefixes };
  const cleanPrefix = prefix.trim().replace(/^\/+/, '');
  const dest = {
    location_id: destination,
    prefix: cleanPrefix && !cleanPrefix.endsWith('/') ? `${cleanPrefix}/` : cleanPrefix,
  };
  const same = destination === locationId && dest.prefix === currentPrefix;

  const run = (what: 'check' | 'start') =>
    runBusy(async () => {
      try {
        await act(what);
      } catch (err) {
        if (!isGone(err) || !onGone) throw err;
        notify({ variant: 'warning', title: t.browser.selectionGone });
        onGone();
        onClose();
      }
    });

  const act = async (what: 'check' | 'start') => {
    if (what === 'check') {
      setCheck(await api.copyPrecheck(source, dest));
      return;
    }
    // The stream may already have said more (even "completed"): the toast tells what the tab holds now.
    const job = upsert(await api.startTransfer({ kind: operation, source, destination: dest, conflict }));
    const title = titleOf(job);
    const ended = {
      completed: t.transfers.finished,
      failed: t.transfers.failed,
      cancelled: t.transfers.cancelled,
    } as Record<string, (x: string) => string>;
    notify({
      variant: isActive(job) ? 'info' : job.state === 'completed' ? 'success' : 'warning',
      title: isActive(job) ? t.copy.started(title) : ended[job.state](title),
      action: (
        <Button variant="link" isInline onClick={() => navigate('/transfers')}>
          {t.copy.viewTransfers}
        </Button>
      ),
    });
    onStarted();
    onClose();
  };

  const count = keys.length + prefixes.length;
  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="copy-title">
      <ModalHeader title={t.copy.title(count)} labelId="copy-title" />
      <ModalBody>
        <Form id="copy-form" onSubmit={(e) => e.preventDefault()}>
          {error && <Alert isInline variant="danger" title={error} />}
          <FormGroup role="radiogroup" isInline fieldId="copy-op" label={t.copy.operation} isStack={false}>
            <Radio
              id="op-copy"
              name="op"
              label={t.copy.copy}
              isChecked={operation === 'copy'}
              onChange={() => setOperation('copy')}
            />
            <Radio
              id="op-move"
              name="op"
              label={t.copy.move}
              isChecked={operation === 'move'}
              onChange={() => setOperation('move')}
            />
          </FormGroup>
          <FormGroup label={t.copy.destination} fieldId="copy-dest">
            <FormSelect
              id="copy-dest"
              value={destination}
              onChange={(_e, v) => {
                setDestination(v);
                setCheck(null);
              }}
            >
              {(locations ?? []).map((l) => (
                <FormSelectOption
                  key={l.id}
                  value={l.id}
                  label={`${l.name} (${l.kind === 's3' ? 'S3' : 'local'})`}
                  isDisabled={!l.available}
                />
              ))}
            </FormSelect>
          </FormGroup>
          <FormGroup label={t.copy.destinationPrefix} fieldId="copy-prefix">
            <TextInput
              id="copy-prefix"
              value={prefix}
              onChange={(_e, v) => {
                setPrefix(v);
                setCheck(null);
              }}
            />
            <FormHelperText>
              <HelperText>
                {same ? (
                  <HelperTextItem variant="warning" id="copy-same-folder" data-testid="copy-same-folder">
                    {t.copy.sameFolder}
                  </HelperTextItem>
                ) : (
                  <HelperTextItem>{t.copy.destinationHelp}</HelperTextItem>
                )}
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup role="radiogroup" fieldId="copy-conflict" label={t.copy.conflict}>
            <Radio
              id="conflict-skip"
              name="conflict"
              label={t.copy.skip}
              isChecked={conflict === 'skip'}
              onChange={() => setConflict('skip')}
            />
            <Radio
              id="conflict-overwrite"
              name="conflict"
              label={t.copy.overwrite}
              isChecked={conflict === 'overwrite'}
              onChange={() => setConflict('overwrite')}
            />
            <Radio
              id="conflict-rename"
              name="conflict"
              label={t.copy.rename}
              isChecked={conflict === 'rename'}
              onChange={() => setConflict('rename')}
            />
          </FormGroup>
          {check && (
            <Alert
              isInline
              variant={check.conflicts.length ? 'warning' : 'info'}
              title={t.copy.checkResult(check.files, formatBytes(check.total_size), check.conflicts.length)}
            >
              {check.conflicts.slice(0, 5).map((c) => (
                <div key={c.destination_key} className="odh-tec-mono">
                  {c.destination_key}
                </div>
              ))}
            </Alert>
          )}
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          onClick={() => run('start')}
          isDisabled={busy || same}
          isLoading={busy}
          aria-describedby={same ? 'copy-same-folder' : undefined}
        >
          {operation === 'copy' ? t.copy.copy : t.copy.move}
        </Button>
        <Button variant="secondary" onClick={() => run('check')} isDisabled={busy}>
          {t.copy.check}
        </Button>
        <Button variant="link" onClick={onClose}>
          {t.common.cancel}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
