/** Every transfer job, live from the one SSE stream: progress, cancel, failed files with reasons. */
import { useState } from 'react';
import {
  Alert,
  Button,
  Content,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  EmptyState,
  EmptyStateBody,
  PageSection,
  Label,
  Stack,
  StackItem,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
  Tooltip,
} from '@patternfly/react-core';
import { ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import {
  AngleDownIcon,
  AngleRightIcon,
  ExchangeAltIcon,
  HistoryIcon,
  TimesIcon,
} from '@patternfly/react-icons';
import { useAppData } from '../../app/appData';
import { jobDestination } from '../../app/jobText';
import { isActive, useTransfers } from '../../app/transfers';
import { t } from '../../i18n/strings';
import { formatDate, formatRate } from '../../utils/format';
import { JobFilesTable, JobSummary, StateLabel } from './JobProgress';
import { ModelCarResult } from './ModelCarResult';

/** The start time: only where the job column keeps room for its title (at 800 px it would wrap word by word). */
const WIDE_ONLY: ('hidden' | 'visibleOnLg')[] = ['hidden', 'visibleOnLg'];

export default function TransfersPage() {
  const { jobs, connected, available, cancel, remove, clearFinished, titleOf } = useTransfers();
  const finished = jobs.filter((job) => !isActive(job)).length;
  const { locations } = useAppData();
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">{t.transfers.title}</Title>
        <Content component="p">{t.transfers.description}</Content>
      </PageSection>
      <PageSection isFilled>
        {!available && (
          <Alert isInline variant="warning" title={t.transfers.unavailable} className="pf-v6-u-mb-md" />
        )}
        {available && !connected && jobs.length > 0 && (
          <Alert isInline isPlain variant="info" title={t.transfers.disconnected} className="pf-v6-u-mb-md" />
        )}
        {jobs.length === 0 ? (
          <EmptyState titleText={t.transfers.empty} headingLevel="h2" icon={ExchangeAltIcon}>
            <EmptyStateBody>{t.transfers.emptyBody}</EmptyStateBody>
          </EmptyState>
        ) : (
          <>
            <Toolbar>
              <ToolbarContent>
                <ToolbarItem>
                  <Button variant="secondary" isDisabled={!finished} onClick={() => clearFinished()}>
                    {t.transfers.clearFinished}
                  </Button>
                </ToolbarItem>
              </ToolbarContent>
            </Toolbar>
            <Table aria-label={t.transfers.tableLabel} data-testid="transfers-table">
              <Thead>
                <Tr>
                  <Th screenReaderText={t.transfers.files} />
                  <Th>{t.transfers.job}</Th>
                  <Th>{t.transfers.state}</Th>
                  <Th width={30}>{t.transfers.progress}</Th>
                  <Th modifier="nowrap" visibility={WIDE_ONLY}>
                    {t.transfers.created}
                  </Th>
                  <Th screenReaderText={t.common.actions} />
                </Tr>
              </Thead>
              {jobs.map((job) => {
                const open = expanded.has(job.id);
                const title = titleOf(job);
                const destination = jobDestination(job, locations);
                const failed = job.files.filter((f) => f.state === 'failed');
                return (
                  <Tbody key={job.id} isExpanded={open}>
                    <Tr data-testid="job-row" data-state={job.state} data-kind={job.kind}>
                      <Td className="pf-v6-c-table__toggle">
                        <Button
                          variant="plain"
                          aria-label={t.transfers.expand(title)}
                          aria-expanded={open}
                          aria-controls={`job-files-${job.id}`}
                          onClick={() => toggle(job.id)}
                          icon={open ? <AngleDownIcon /> : <AngleRightIcon />}
                        />
                      </Td>
                      <Td dataLabel={t.transfers.job} modifier="breakWord" className="odh-tec-job-cell">
                        <div data-testid="job-title">{title}</div>
                        {job.resumed_at && (
                          <Tooltip content={t.transfers.resumedHint(formatDate(job.resumed_at))}>
                            <Label
                              isCompact
                              color="blue"
                              icon={<HistoryIcon />}
                              data-testid="job-resumed"
                              tabIndex={0}
                              className="pf-v6-u-mr-sm"
                            >
                              {t.transfers.resumed}
                            </Label>
                          </Tooltip>
                        )}
                        <Content component="small">
                          {t.transfers.kinds[job.kind] ?? job.kind} → {destination}
                        </Content>
                      </Td>
                      <Td dataLabel={t.transfers.state}>
                        <StateLabel state={job.state} />
                      </Td>
                      <Td dataLabel={t.transfers.progress}>
                        <JobSummary job={job} />
                      </Td>
                      <Td dataLabel={t.transfers.created} modifier="nowrap" visibility={WIDE_ONLY}>
                        {formatDate(job.started_at ?? job.created_at)}
                      </Td>
                      <Td isActionCell>
                        {isActive(job) ? (
                          <Button
                            variant="secondary"
                            isDanger
                            onClick={() => cancel(job.id)}
                            aria-label={t.transfers.cancelJob(title)}
                          >
                            {t.transfers.cancel}
                          </Button>
                        ) : (
                          <Button
                            variant="plain"
                            icon={<TimesIcon />}
                            onClick={() => remove(job.id)}
                            aria-label={t.transfers.removeJob(title)}
                          />
                        )}
                      </Td>
                    </Tr>
                    <Tr isExpanded={open} id={`job-files-${job.id}`}>
                      <Td colSpan={6}>
                        <ExpandableRowContent>
                          {open && (
                            <Stack hasGutter>
                              <StackItem>
                                <DescriptionList isHorizontal isCompact>
                                  <DescriptionListGroup>
                                    <DescriptionListTerm>{t.transfers.destination}</DescriptionListTerm>
                                    <DescriptionListDescription className="odh-tec-mono">
                                      {destination}
                                    </DescriptionListDescription>
                                  </DescriptionListGroup>
                                  {job.resolved_revision && (
                                    <DescriptionListGroup>
                                      <DescriptionListTerm>{t.transfers.revision}</DescriptionListTerm>
                                      <DescriptionListDescription className="odh-tec-mono">
                                        {job.resolved_revision}
                                      </DescriptionListDescription>
                                    </DescriptionListGroup>
                                  )}
                                  {job.modelcar && <ModelCarResult info={job.modelcar} />}
                                  {job.limit_rate ? (
                                    <DescriptionListGroup>
                                      <DescriptionListTerm>{t.transfers.limitRate}</DescriptionListTerm>
                                      <DescriptionListDescription data-testid="job-limit-rate">
                                        {formatRate(job.limit_rate)}
                                      </DescriptionListDescription>
                                    </DescriptionListGroup>
                                  ) : null}
                                </DescriptionList>
                              </StackItem>
                              {failed.length > 0 && (
                                <StackItem>
                                  <Title headingLevel="h3" size="md">
                                    {t.transfers.failedFiles}
                                  </Title>
                                  <JobFilesTable job={job} onlyFailed />
                                </StackItem>
                              )}
                              <StackItem>
                                <Title headingLevel="h3" size="md">
                                  {t.transfers.files}
                                </Title>
                                <JobFilesTable job={job} />
                              </StackItem>
                            </Stack>
                          )}
                        </ExpandableRowContent>
                      </Td>
                    </Tr>
                  </Tbody>
                );
              })}
            </Table>
          </>
        )}
      </PageSection>
    </>
  );
}
