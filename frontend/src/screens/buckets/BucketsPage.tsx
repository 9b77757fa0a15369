/** Buckets: list (creation date, default marker), create with live validation, delete (typed, emptying first). */
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import {
  Alert,
  Bullseye,
  Button,
  Checkbox,
  Content,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Label,
  PageSection,
  Spinner,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { CubesIcon, DatabaseIcon, SyncAltIcon, TrashIcon } from '@patternfly/react-icons';
import { ApiError, api } from '../../api/client';
import type { BucketList } from '../../api/types';
import { useAppData } from '../../app/appData';
import { s3LocationId } from '../../app/jobText';
import { ConfirmDeleteModal } from '../../app/ConfirmDeleteModal';
import { CreateByNameModal } from '../../app/FormModal';
import { messageOf, useToasts } from '../../app/toasts';
import { useBusyAction } from '../../app/useBusyAction';
import { t } from '../../i18n/strings';
import { formatDate } from '../../utils/format';
import { useObjectCount } from '../browser/useObjectCount';

/** The same rules as the server (src/odh_tec/api/buckets.py bucket_name_problem). */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return 'Bucket names must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name))
    return 'Bucket names may contain only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  if (name.includes('..') || name.includes('.-') || name.includes('-.'))
    return 'Bucket names cannot contain two adjacent dots or a dot next to a hyphen';
  if (
    /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) &&
    name.split('.').every((p) => Number(p) <= 255 && String(Number(p)) === p)
  )
    return 'Bucket names cannot look like an IP address';
  if (
    name.startsWith('xn--') ||
    name.startsWith('sthree-') ||
    name.endsWith('-s3alias') ||
    name.endsWith('--ol-s3')
  )
    return 'Bucket names cannot use the reserved prefixes xn--/sthree- or suffixes -s3alias/--ol-s3';
  return null;
}

export function CreateBucketModal({
  existing,
  connection,
  onClose,
  onCreated,
}: {
  existing: string[];
  /** The S3 connection it is made on (the default one when absent). */
  connection?: string;
  onClose: () => void;
  onCreated: (name: string) => void;
}) {
  return (
    <CreateByNameModal
      id="create-bucket"
      title={t.buckets.create}
      field={{
        id: 'bucket-name',
        label: t.common.name,
        help: t.buckets.nameHelp,
        helpTestId: 'bucket-name-help',
        showValid: true,
      }}
      problemOf={(name) =>
        name ? (existing.includes(name) ? t.buckets.alreadyExists : bucketNameProblem(name)) : null
      }
      create={(name) => api.createBucket(name, connection)}
      createdToast={t.buckets.createdToast}
      onCreated={onCreated}
      onClose={onClose}
    />
  );
}

const ROOT = [''];

const bucketDeleteError = (err: unknown) =>
  err instanceof ApiError && err.code === 'BucketNotEmpty'
    ? `${err.message}. ${t.buckets.notEmptyHint}`
    : messageOf(err);

function DeleteBucketModal({
  name,
  connection,
  onClose,
  onDeleted,
}: {
  name: string;
  connection: string;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const { notify } = useToasts();
  const [empty, setEmpty] = useState(false);
  const objects = useObjectCount(s3LocationId(connection, name), ROOT);
  const { busy, error, run } = useBusyAction(bucketDeleteError);
  const submit = () =>
    run(async () => {
      const answer = await api.deleteBucket(name, empty, connection);
      notify({ variant: 'success', title: t.buckets.deletedToast(name, answer.deleted_objects) });
      onDeleted();
      onClose();
    });
  return (
    <ConfirmDeleteModal
      id="delete-bucket"
      title={t.buckets.deleteTitle}
      phrase={name}
      error={error}
      busy={busy}
      onDelete={() => void submit()}
      onClose={onClose}
      fields={
        <FormGroup fieldId="delete-bucket-empty">
          <Checkbox
            id="delete-bucket-empty"
            label={t.buckets.emptyFirst}
            description={t.buckets.emptyFirstHelp}
            isChecked={empty}
            onChange={(_e, v) => setEmpty(v)}
          />
        </FormGroup>
      }
    >
      <Content component="p">{t.buckets.deleteBody(name)}</Content>
      {empty && objects.count !== null && (
        <Content component="p" data-testid="delete-count">
          {t.deletion.objectCount(objects.count, objects.more)}
        </Content>
      )}
    </ConfirmDeleteModal>
  );
}

export default function BucketsPage() {
  const { notifyError } = useToasts();
  const { refreshLocations } = useAppData();
  const [data, setData] = useState<BucketList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  // Which S3 connection's buckets are shown; the picker appears once there is more than one.
  const [connection, setConnection] = useState('default');
  const [connections, setConnections] = useState<string[]>([]);
  useEffect(() => {
    api.connections().then(
      (list) => setConnections(list.connections.map((c) => c.name)),
      () => setConnections([]),
    );
  }, []);

  const load = useCallback(async () => {
    try {
      setData(null);
      setData(await api.buckets(connection === 'default' ? undefined : connection));
      setError(null);
    } catch (err) {
      setError(messageOf(err));
      notifyError(err);
    }
  }, [notifyError, connection]);
  useEffect(() => {
    void load();
  }, [load]);
  const changed = () => {
    void load();
    void refreshLocations();
  };

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">{t.buckets.title}</Title>
        <Content component="p">{t.buckets.description}</Content>
      </PageSection>
      <PageSection isFilled>
        <Toolbar inset={{ default: 'insetNone' }}>
          <ToolbarContent>
            {connections.length > 1 && (
              <ToolbarItem>
                <FormSelect
                  id="bucket-connection"
                  aria-label={t.buckets.connection}
                  value={connection}
                  onChange={(_e, v) => setConnection(v)}
                  data-testid="bucket-connection"
                >
                  {connections.map((name) => (
                    <FormSelectOption key={name} value={name} label={t.buckets.connectionOption(name)} />
                  ))}
                </FormSelect>
              </ToolbarItem>
            )}
            <ToolbarItem>
              <Button onClick={() => setCreating(true)}>{t.buckets.create}</Button>
            </ToolbarItem>
            <ToolbarItem>
              <Button
                variant="plain"
                aria-label={t.common.refresh}
                icon={<SyncAltIcon />}
                onClick={() => void load()}
              />
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        {data?.list_denied && (
          <Alert isInline variant="info" title={t.buckets.listDenied} className="pf-v6-u-mb-md" />
        )}
        {!data && !error && (
          <Bullseye>
            <Spinner aria-label={t.common.loading} />
          </Bullseye>
        )}
        {error && !data && (
          <EmptyState titleText={t.common.errorTitle} headingLevel="h2" status="danger">
            <EmptyStateBody>{error}</EmptyStateBody>
            <EmptyStateFooter>
              <EmptyStateActions>
                <Button onClick={() => void load()}>{t.common.retry}</Button>
              </EmptyStateActions>
            </EmptyStateFooter>
          </EmptyState>
        )}
        {data && data.buckets.length === 0 && (
          <EmptyState titleText={t.buckets.empty} headingLevel="h2" icon={CubesIcon}>
            <EmptyStateBody>{t.buckets.emptyBody}</EmptyStateBody>
          </EmptyState>
        )}
        {data && data.buckets.length > 0 && (
          <Table aria-label={t.buckets.tableLabel} variant="compact" data-testid="bucket-table">
            <Thead>
              <Tr>
                <Th width={60}>{t.common.name}</Th>
                <Th>{t.buckets.created}</Th>
                <Th screenReaderText={t.common.actions} />
              </Tr>
            </Thead>
            <Tbody>
              {data.buckets.map((b) => (
                <Tr key={b.name} data-testid="bucket-row" data-name={b.name}>
                  <Td dataLabel={t.common.name}>
                    <span className="odh-tec-name-cell">
                      <DatabaseIcon aria-hidden />
                      <Link
                        to={`/browse/${encodeURIComponent(s3LocationId(connection, b.name))}`}
                        aria-label={t.buckets.browse(b.name)}
                      >
                        {b.name}
                      </Link>
                      {b.name === data.default_bucket && (
                        <Label color="blue" isCompact>
                          {t.buckets.defaultMarker}
                        </Label>
                      )}
                    </span>
                  </Td>
                  <Td dataLabel={t.buckets.created} modifier="nowrap">
                    {formatDate(b.created)}
                  </Td>
                  <Td isActionCell>
                    <Button
                      variant="plain"
                      aria-label={t.buckets.deleteBucket(b.name)}
                      icon={<TrashIcon />}
                      onClick={() => setDeleting(b.name)}
                    />
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
      {creating && (
        <CreateBucketModal
          existing={data?.buckets.map((b) => b.name) ?? []}
          connection={connection === 'default' ? undefined : connection}
          onClose={() => setCreating(false)}
          onCreated={changed}
        />
      )}
      {deleting && (
        <DeleteBucketModal
          name={deleting}
          connection={connection}
          onClose={() => setDeleting(null)}
          onDeleted={changed}
        />
      )}
    </>
  );
}
