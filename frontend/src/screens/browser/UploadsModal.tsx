/** The uploads list: overall and per-file progress, speed, cancel, overwrite-or-skip on conflicts. */
import {
  Alert,
  AlertActionLink,
  Button,
  EmptyState,
  Flex,
  Label,
  Modal,
  ModalBody,
  ModalHeader,
  Progress,
  ProgressMeasureLocation,
  ProgressVariant,
  Stack,
  StackItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { TimesIcon } from '@patternfly/react-icons';
import { ModalActionsFooter } from '../../app/ModalActionsFooter';
import { useUploadManager, useUploads, type UploadItem, type UploadState } from '../../app/uploads';
import { t } from '../../i18n/strings';
import { formatBytes, formatRate, percent } from '../../utils/format';

/** Per-file speed only where the name keeps room (the overall speed is above the table at any width). */
const WIDE_ONLY: ('hidden' | 'visibleOnLg')[] = ['hidden', 'visibleOnLg'];

const STATE_LABEL: Record<
  UploadState,
  { text: string; color: 'grey' | 'blue' | 'green' | 'red' | 'orange' }
> = {
  queued: { text: t.uploads.queued, color: 'grey' },
  uploading: { text: t.uploads.uploading, color: 'blue' },
  done: { text: t.uploads.done, color: 'green' },
  failed: { text: t.uploads.failed, color: 'red' },
  cancelled: { text: t.uploads.cancelled, color: 'grey' },
  skipped: { text: t.uploads.skip, color: 'grey' },
  conflict: { text: t.uploads.conflict, color: 'orange' },
};

function Row({ item }: { item: UploadItem }) {
  const manager = useUploadManager();
  const state = STATE_LABEL[item.state];
  const value = item.state === 'done' ? 100 : percent(item.loaded, item.size);
  return (
    <Tr className="odh-tec-upload-row" data-testid="upload-row" data-state={item.state}>
      <Td dataLabel={t.common.name} modifier="breakWord">
        <span className="odh-tec-mono">{item.key}</span>
        {item.error && <div className="pf-v6-u-text-color-status-danger">{item.error}</div>}
      </Td>
      <Td dataLabel={t.common.size} modifier="nowrap">
        {formatBytes(item.size)}
      </Td>
      <Td dataLabel={t.transfers.progress} width={25}>
        <Progress
          value={value}
          size="sm"
          measureLocation={ProgressMeasureLocation.outside}
          variant={
            item.state === 'failed'
              ? ProgressVariant.danger
              : item.state === 'done'
                ? ProgressVariant.success
                : undefined
          }
          aria-label={t.uploads.progressLabel(item.key)}
        />
      </Td>
      <Td dataLabel="" modifier="nowrap" visibility={WIDE_ONLY}>
        {item.state === 'uploading' ? formatRate(item.rate) : ''}
      </Td>
      <Td dataLabel="">
        <Label color={state.color} isCompact>
          {state.text}
        </Label>
      </Td>
      <Td isActionCell modifier="nowrap">
        {item.state === 'conflict' ? (
          <Flex
            spaceItems={{ default: 'spaceItemsSm' }}
            flexWrap={{ default: 'nowrap' }}
            justifyContent={{ default: 'justifyContentFlexEnd' }}
          >
            <Button
              variant="link"
              isInline
              onClick={() => manager.resolve(item.id, true)}
              aria-label={`${t.uploads.overwrite} ${item.key}`}
            >
              {t.uploads.overwrite}
            </Button>
            <Button
              variant="link"
              isInline
              onClick={() => manager.resolve(item.id, false)}
              aria-label={`${t.uploads.skip} ${item.key}`}
            >
              {t.uploads.skip}
            </Button>
          </Flex>
        ) : (
          (item.state === 'uploading' || item.state === 'queued') && (
            <Button
              variant="plain"
              aria-label={t.uploads.cancel(item.key)}
              icon={<TimesIcon />}
              onClick={() => manager.cancel(item.id)}
            />
          )
        )}
      </Td>
    </Tr>
  );
}

export function UploadsModal({ onClose }: { onClose: () => void }) {
  const manager = useUploadManager();
  const items = useUploads();
  const total = items.filter((i) => i.state !== 'cancelled' && i.state !== 'skipped');
  const size = total.reduce((s, i) => s + i.size, 0);
  const loaded = total.reduce((s, i) => s + (i.state === 'done' ? i.size : i.loaded), 0);
  const done = items.filter((i) => i.state === 'done').length;
  const conflicts = items.filter((i) => i.state === 'conflict').length;
  const running = items.some((i) => i.state === 'uploading' || i.state === 'queued');
  const failed = items.some((i) => i.state === 'failed');
  const rate = items.reduce((s, i) => s + (i.state === 'uploading' ? i.rate : 0), 0);
  return (
    <Modal isOpen variant="large" onClose={onClose} aria-labelledby="uploads-title">
      <ModalHeader title={t.uploads.title} labelId="uploads-title" />
      <ModalBody>
        {items.length === 0 ? (
          <EmptyState titleText={t.uploads.empty} headingLevel="h2" />
        ) : (
          <Stack hasGutter>
            <StackItem>
              <Progress
                title={`${t.uploads.summary(done, total.length)}${running && rate ? ` · ${formatRate(rate)}` : ''}`}
                value={percent(loaded, size || 1) || (done === total.length && total.length ? 100 : 0)}
                label={`${formatBytes(loaded)} / ${formatBytes(size)}`}
                measureLocation={ProgressMeasureLocation.top}
                variant={
                  failed
                    ? ProgressVariant.warning
                    : !running && done === total.length
                      ? ProgressVariant.success
                      : undefined
                }
                aria-label={t.uploads.overall}
                data-testid="uploads-overall"
              />
            </StackItem>
            {conflicts > 0 && (
              <StackItem>
                <Alert
                  isInline
                  variant="warning"
                  title={t.uploads.conflictNote(conflicts)}
                  actionLinks={
                    <>
                      <AlertActionLink onClick={() => manager.resolveAll(true)}>
                        {t.uploads.overwriteAll}
                      </AlertActionLink>
                      <AlertActionLink onClick={() => manager.resolveAll(false)}>
                        {t.uploads.skipAll}
                      </AlertActionLink>
                    </>
                  }
                />
              </StackItem>
            )}
            <StackItem>
              <div className="odh-tec-scroll">
                <Table aria-label={t.uploads.title} variant="compact">
                  <Thead>
                    <Tr>
                      <Th width={35}>{t.common.name}</Th>
                      <Th>{t.common.size}</Th>
                      <Th>{t.transfers.progress}</Th>
                      <Th screenReaderText="Rate" visibility={WIDE_ONLY} />
                      <Th screenReaderText="State" />
                      <Th screenReaderText={t.common.actions} />
                    </Tr>
                  </Thead>
                  <Tbody>
                    {items.map((item) => (
                      <Row key={item.id} item={item} />
                    ))}
                  </Tbody>
                </Table>
              </div>
            </StackItem>
          </Stack>
        )}
      </ModalBody>
      <ModalActionsFooter dismissLabel={t.common.close} onDismiss={onClose}>
        {running && (
          <Button variant="danger" onClick={() => manager.cancelAll()}>
            {t.uploads.cancelAll}
          </Button>
        )}
        <Button variant="secondary" onClick={() => manager.clearFinished()} isDisabled={!items.length}>
          {t.uploads.clearFinished}
        </Button>
      </ModalActionsFooter>
    </Modal>
  );
}
