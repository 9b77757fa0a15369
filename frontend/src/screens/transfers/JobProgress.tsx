/** A transfer job's overall progress and its per-file table (shared by the Transfers page and HF import). */
import {
  Content,
  HelperText,
  HelperTextItem,
  Label,
  Progress,
  ProgressMeasureLocation,
  ProgressVariant,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { FileState, Job, JobState } from '../../api/types';
import { useTransfers } from '../../app/transfers';
import { t } from '../../i18n/strings';
import { formatBytes, formatDuration, formatRate, percent } from '../../utils/format';

const COLORS: Record<string, 'grey' | 'blue' | 'green' | 'red' | 'orange' | 'purple'> = {
  queued: 'grey',
  running: 'blue',
  completed: 'green',
  done: 'green',
  failed: 'red',
  cancelled: 'orange',
  skipped: 'purple',
};

export function StateLabel({ state }: { state: JobState | FileState }) {
  return (
    <Label color={COLORS[state] ?? 'grey'} isCompact data-testid="state-label">
      {t.transfers.states[state] ?? state}
    </Label>
  );
}

function variantOf(state: JobState | FileState): ProgressVariant | undefined {
  if (state === 'failed') return ProgressVariant.danger;
  if (state === 'completed' || state === 'done') return ProgressVariant.success;
  if (state === 'cancelled') return ProgressVariant.warning;
  return undefined;
}

export function jobPercent(job: Job): number {
  if (job.state === 'completed') return 100;
  if (job.totals.bytes > 0) return percent(job.totals.bytes_done, job.totals.bytes);
  return percent(job.totals.files_done, job.totals.files);
}

export function JobSummary({ job }: { job: Job }) {
  const { titleOf } = useTransfers();
  const { totals } = job;
  const running = job.state === 'running';
  // Speed and time left go under the bar: beside the byte counts they wrapped into a column at 800 px.
  const pace: string[] = [];
  if (running && totals.rate_bps) pace.push(formatRate(totals.rate_bps));
  if (running && totals.eta_seconds !== null)
    pace.push(`${t.transfers.eta} ${formatDuration(totals.eta_seconds)}`);
  const paceId = `job-pace-${job.id}`;
  return (
    <>
      <Progress
        value={jobPercent(job)}
        title={t.transfers.counts(totals.files_done, totals.files, totals.files_failed, totals.files_skipped)}
        label={t.transfers.bytes(formatBytes(totals.bytes_done), formatBytes(totals.bytes))}
        measureLocation={ProgressMeasureLocation.top}
        variant={variantOf(job.state)}
        aria-label={`${t.transfers.progress}: ${titleOf(job)}`}
        aria-describedby={pace.length ? paceId : undefined}
        helperText={
          pace.length ? (
            <HelperText>
              <HelperTextItem id={paceId}>{pace.join(' · ')}</HelperTextItem>
            </HelperText>
          ) : undefined
        }
        data-testid="job-progress"
      />
      {job.error && (
        <Content component="p" className="pf-v6-u-text-color-status-danger" data-testid="job-error">
          {job.error}
        </Content>
      )}
    </>
  );
}

export function JobFilesTable({ job, onlyFailed = false }: { job: Job; onlyFailed?: boolean }) {
  const { titleOf } = useTransfers();
  const files = onlyFailed ? job.files.filter((f) => f.state === 'failed') : job.files;
  return (
    <div className="odh-tec-scroll">
      <Table aria-label={t.transfers.fileTableLabel(titleOf(job))} variant="compact" data-testid="job-files">
        <Thead>
          <Tr>
            <Th width={40}>{t.transfers.path}</Th>
            <Th>{t.common.size}</Th>
            <Th width={25}>{t.transfers.progress}</Th>
            <Th>{t.transfers.state}</Th>
          </Tr>
        </Thead>
        <Tbody>
          {files.map((file) => (
            <Tr key={file.path}>
              <Td dataLabel={t.transfers.path} modifier="breakWord">
                <span className="odh-tec-mono">{file.path}</span>
                {file.action === 'delete' && (
                  // A sync's deletion: the path is the destination's file, and no byte moves.
                  <Label isCompact color="red" className="pf-v6-u-ml-sm" data-testid="file-delete">
                    {t.transfers.deleteMark}
                  </Label>
                )}
                {file.error && <div className="pf-v6-u-text-color-status-danger">{file.error}</div>}
              </Td>
              <Td dataLabel={t.common.size} modifier="nowrap">
                {file.action === 'delete' ? '—' : formatBytes(file.size)}
              </Td>
              <Td dataLabel={t.transfers.progress}>
                <Progress
                  size="sm"
                  value={file.state === 'done' ? 100 : percent(file.bytes_done, file.size ?? 0)}
                  measureLocation={ProgressMeasureLocation.outside}
                  variant={variantOf(file.state)}
                  aria-label={`${t.transfers.progress}: ${file.path}`}
                />
              </Td>
              <Td dataLabel={t.transfers.state}>
                <StateLabel state={file.state} />
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </div>
  );
}
