/**
 * Sync a folder to another folder (of any location) through the transfer engine: preview the plan
 * (what is copied, left alone and deleted, and why), then start it. Any change of the options drops
 * the plan shown, so "Start sync" always starts what the user last saw planned.
 */
import { useState } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  Form,
  FormGroup,
  Grid,
  Modal,
  ModalBody,
  ModalHeader,
} from '@patternfly/react-core';
import { api } from '../../api/client';
import type { Location, SyncPlan, SyncRequest } from '../../api/types';
import { useAppData } from '../../app/appData';
import { FieldHelper } from '../../app/FieldHelper';
import { folderOf } from '../../app/jobText';
import { ModalActionsFooter } from '../../app/ModalActionsFooter';
import { useStartTransfer } from '../../app/useStartTransfer';
import { useBusyAction } from '../../app/useBusyAction';
import { t } from '../../i18n/strings';
import { DestinationFields } from './DestinationFields';
import { PatternField, patternsOf } from './PatternField';
import { SyncPlanTable } from './SyncPlanTable';

const OVERLAP = 'sync-overlap';
const START_HELP = 'sync-start-help';

/** Globs, one a line (commas also separate them), as the HuggingFace import takes them. */
/** Another available location where there is one (a sync mostly copies between two), else this one. */
function defaultDestination(locations: Location[] | null, current: string): string {
  return locations?.find((l) => l.available && l.id !== current)?.id ?? current;
}

export function SyncModal({
  locationId,
  sourcePrefix,
  sourceName,
  onClose,
}: {
  locationId: string;
  /** The folder to sync ('' = the whole location). */
  sourcePrefix: string;
  /** How the folder is shown: `bucket/folder/`. */
  sourceName: string;
  onClose: () => void;
}) {
  const { locations } = useAppData();
  const startTransfer = useStartTransfer();
  const [destination, setDestination] = useState(() => defaultDestination(locations, locationId));
  const [folder, setFolder] = useState(sourcePrefix);
  const [deleteExtra, setDeleteExtra] = useState(false);
  const [include, setInclude] = useState('');
  const [exclude, setExclude] = useState('');
  const [plan, setPlan] = useState<SyncPlan | null>(null);
  const { busy, error, run } = useBusyAction();

  const target = folderOf(folder.trim());
  const overlap =
    destination === locationId && (target.startsWith(sourcePrefix) || sourcePrefix.startsWith(target));
  const body: SyncRequest = {
    kind: 'sync',
    source: { location_id: locationId, prefix: sourcePrefix },
    destination: { location_id: destination, prefix: target },
    delete: deleteExtra,
    include: patternsOf(include),
    exclude: patternsOf(exclude),
  };
  /** A setter that also drops the plan: it no longer says what Start would do. */
  const edited =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setPlan(null);
    };

  const preview = () =>
    run(async () => {
      setPlan(await api.syncPlan(body));
    });

  const start = () =>
    run(async () => {
      await startTransfer(body, t.sync.started);
      onClose();
    });

  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="sync-title">
      <ModalHeader title={t.sync.title(sourceName)} labelId="sync-title" />
      <ModalBody>
        <Form id="sync-form" onSubmit={(e) => e.preventDefault()}>
          {error && <Alert isInline variant="danger" title={error} data-testid="sync-error" />}
          <DestinationFields
            location={{ fieldId: 'sync-dest', value: destination, onChange: edited(setDestination) }}
            folderId="sync-prefix"
            folder={folder}
            onFolderChange={edited(setFolder)}
            warning={overlap ? { id: OVERLAP, text: t.sync.overlap } : null}
          />
          <FormGroup fieldId="sync-delete">
            <Checkbox
              id="sync-delete"
              label={t.sync.deleteExtra}
              description={t.sync.deleteHelp}
              isChecked={deleteExtra}
              onChange={(_e, v) => edited(setDeleteExtra)(v)}
            />
          </FormGroup>
          <Grid hasGutter>
            <PatternField
              id="sync-include"
              label={t.sync.include}
              value={include}
              onChange={edited(setInclude)}
              rows={2}
            />
            <PatternField
              id="sync-exclude"
              label={t.sync.exclude}
              value={exclude}
              onChange={edited(setExclude)}
              rows={2}
              help={t.sync.patternsHelp}
            />
          </Grid>
        </Form>
        {plan && (
          <div className="pf-v6-u-mt-md" data-testid="sync-plan-section">
            <SyncPlanTable plan={plan} />
          </div>
        )}
        {!plan && !overlap && <FieldHelper help={<span id={START_HELP}>{t.sync.startHelp}</span>} />}
      </ModalBody>
      <ModalActionsFooter
        submitLabel={t.sync.start}
        onSubmit={start}
        isSubmitDisabled={busy || !plan || overlap}
        isSubmitLoading={busy}
        submitDescribedBy={overlap ? OVERLAP : plan ? undefined : START_HELP}
        onDismiss={onClose}
      >
        <Button variant="secondary" onClick={preview} isDisabled={busy || overlap} data-testid="sync-preview">
          {t.sync.preview}
        </Button>
      </ModalActionsFooter>
    </Modal>
  );
}
