/** A sync's plan (its dry run): totals of what it copies, leaves and deletes, then one row per file. */
import {
  Alert,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Label,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { SyncPlan } from '../../api/types';
import { t } from '../../i18n/strings';
import { formatBytes } from '../../utils/format';

const ACTION_COLORS: Record<string, 'blue' | 'grey' | 'red'> = { copy: 'blue', skip: 'grey', delete: 'red' };

function Total({ id, label, files, bytes }: { id: string; label: string; files: number; bytes?: number }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{label}</DescriptionListTerm>
      <DescriptionListDescription data-testid={`sync-total-${id}`}>
        {t.sync.files(files)}
        {bytes !== undefined && ` · ${formatBytes(bytes)}`}
      </DescriptionListDescription>
    </DescriptionListGroup>
  );
}

export function SyncPlanTable({ plan }: { plan: SyncPlan }) {
  const { totals } = plan;
  const nothing = totals.copy.files === 0 && totals.delete.files === 0;
  return (
    <>
      <DescriptionList isHorizontal isCompact columnModifier={{ default: '3Col' }} className="pf-v6-u-mb-md">
        <Total id="copy" label={t.sync.toCopy} files={totals.copy.files} bytes={totals.copy.bytes} />
        <Total id="skip" label={t.sync.unchanged} files={totals.skip.files} />
        {plan.delete && (
          <Total
            id="delete"
            label={t.sync.toDelete}
            files={totals.delete.files}
            bytes={totals.delete.bytes}
          />
        )}
      </DescriptionList>
      {nothing && (
        <Alert isInline isPlain variant="success" title={t.sync.nothing} className="pf-v6-u-mb-sm" />
      )}
      {plan.truncated && (
        <Alert
          isInline
          isPlain
          variant="info"
          title={t.sync.truncated(plan.limit)}
          className="pf-v6-u-mb-sm"
        />
      )}
      {plan.files.length > 0 && (
        <div className="odh-tec-scroll" style={{ maxHeight: '18rem' }}>
          <Table aria-label={t.sync.planLabel} variant="compact" isStickyHeader data-testid="sync-plan">
            <Thead>
              <Tr>
                <Th width={50}>{t.transfers.path}</Th>
                <Th>{t.sync.action}</Th>
                <Th>{t.sync.rule}</Th>
                <Th modifier="nowrap">{t.common.size}</Th>
              </Tr>
            </Thead>
            <Tbody>
              {plan.files.map((file) => (
                <Tr key={`${file.action}:${file.path}`} data-testid="sync-plan-row" data-action={file.action}>
                  <Td dataLabel={t.transfers.path} modifier="breakWord">
                    <span className="odh-tec-mono">{file.path}</span>
                  </Td>
                  <Td dataLabel={t.sync.action}>
                    <Label isCompact color={ACTION_COLORS[file.action]}>
                      {t.sync.actions[file.action] ?? file.action}
                    </Label>
                  </Td>
                  <Td dataLabel={t.sync.rule} data-testid="sync-rule" data-rule={file.rule}>
                    {t.sync.rules[file.rule] ?? file.rule}
                  </Td>
                  <Td dataLabel={t.common.size} modifier="nowrap">
                    {formatBytes(file.size)}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </div>
      )}
    </>
  );
}
