/** Copy or move a selection to another location/folder through the transfer engine. */
import { useState } from 'react';
import { Alert, Button, Form, FormGroup, Modal, ModalBody, ModalHeader, Radio } from '@patternfly/react-core';
import { api } from '../../api/client';
import type { ConflictPolicy, CopyPrecheck, CopySource } from '../../api/types';
import { ModalActionsFooter } from '../../app/ModalActionsFooter';
import { RateLimitField, limitRateOf } from '../../app/RateLimitField';
import { useToasts } from '../../app/toasts';
import { useStartTransfer } from '../../app/useStartTransfer';
import { useBusyAction } from '../../app/useBusyAction';
import { t } from '../../i18n/strings';
import { formatBytes } from '../../utils/format';
import { DestinationFields } from './DestinationFields';
import { isGone } from './useJobRefresh';

/** The id of the warning that the destination is the folder the items are in. */
const SAME_FOLDER = 'copy-same-folder';

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
  const { notify } = useToasts();
  const startTransfer = useStartTransfer();
  const [operation, setOperation] = useState<'copy' | 'move'>('copy');
  const [destination, setDestination] = useState(locationId);
  const [prefix, setPrefix] = useState(currentPrefix);
  const [conflict, setConflict] = useState<ConflictPolicy>('skip');
  const [check, setCheck] = useState<CopyPrecheck | null>(null);
  const [limit, setLimit] = useState('');
  const limitRate = limitRateOf(limit);
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
    await startTransfer(
      { kind: operation, source, destination: dest, conflict, limit_rate: limitRate },
      t.copy.started,
    );
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
          <DestinationFields
            location={{
              fieldId: 'copy-dest',
              value: destination,
              onChange: (v) => {
                setDestination(v);
                setCheck(null);
              },
            }}
            folderId="copy-prefix"
            folder={prefix}
            onFolderChange={(v) => {
              setPrefix(v);
              setCheck(null);
            }}
            warning={same ? { id: SAME_FOLDER, text: t.copy.sameFolder } : null}
          />
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
          <RateLimitField id="copy-limit-rate" value={limit} onChange={setLimit} />
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
      <ModalActionsFooter
        submitLabel={operation === 'copy' ? t.copy.copy : t.copy.move}
        onSubmit={() => run('start')}
        isSubmitDisabled={busy || same || limitRate === undefined}
        isSubmitLoading={busy}
        submitDescribedBy={same ? SAME_FOLDER : undefined}
        onDismiss={onClose}
      >
        <Button variant="secondary" onClick={() => run('check')} isDisabled={busy}>
          {t.copy.check}
        </Button>
      </ModalActionsFooter>
    </Modal>
  );
}
