/** Settings › S3 connections: the default connection and the named ones; add, edit, delete, test. */
import { useCallback, useEffect, useState } from 'react';
import { Alert, Bullseye, Button, Content, Label, Spinner, Tooltip } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { api } from '../../../api/client';
import type { Connection, ConnectionList, ConnectionTestResult } from '../../../api/types';
import { useAppData } from '../../../app/appData';
import { ConfirmDeleteModal } from '../../../app/ConfirmDeleteModal';
import { messageOf, useToasts } from '../../../app/toasts';
import { useBusyAction } from '../../../app/useBusyAction';
import { t } from '../../../i18n/strings';
import { ConnectionModal } from './ConnectionModal';

type Tested = ConnectionTestResult & { name: string };

function DeleteConnection({
  name,
  onDeleted,
  onClose,
}: {
  name: string;
  onDeleted: () => void;
  onClose: () => void;
}) {
  const { notify } = useToasts();
  const { busy, error, run } = useBusyAction();
  const remove = () =>
    run(async () => {
      await api.deleteConnection(name);
      notify({ variant: 'success', title: t.connections.deleted(name) });
      onDeleted();
      onClose();
    });
  return (
    <ConfirmDeleteModal
      id="delete-connection"
      title={t.connections.deleteTitle}
      phrase={null}
      {...{ error, busy, onClose }}
      onDelete={() => void remove()}
    >
      <Content component="p">{t.connections.deleteBody(name)}</Content>
    </ConfirmDeleteModal>
  );
}

function ConnectionRow({
  connection: c,
  testing,
  onTest,
  onEdit,
  onDelete,
}: {
  connection: Connection;
  testing: boolean;
  onTest: () => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  return (
    <Tr data-testid="connection-row" data-name={c.name}>
      <Td dataLabel={t.connections.name}>
        <strong>{c.name}</strong>
      </Td>
      <Td dataLabel={t.connections.endpoint} className="odh-tec-mono">
        {c.endpoint || 'AWS S3'}
      </Td>
      <Td dataLabel={t.connections.source}>
        <Label isCompact color={c.source === 'settings' ? 'blue' : 'grey'}>
          {t.connections.sources[c.source]}
        </Label>
      </Td>
      <Td dataLabel={t.connections.secret}>
        <Label isCompact color={c.has_secret ? 'green' : 'grey'}>
          {t.settings.secretState(c.has_secret)}
        </Label>
      </Td>
      <Td isActionCell modifier="nowrap">
        <Button
          variant="secondary"
          size="sm"
          onClick={onTest}
          isLoading={testing}
          aria-label={t.connections.testLabel(c.name)}
        >
          {t.connections.test}
        </Button>{' '}
        {c.editable ? (
          <>
            <Button variant="link" size="sm" onClick={onEdit} aria-label={t.connections.editLabel(c.name)}>
              {t.connections.edit}
            </Button>
            <Button
              variant="link"
              isDanger
              size="sm"
              onClick={onDelete}
              aria-label={t.connections.deleteLabel(c.name)}
            >
              {t.connections.delete}
            </Button>
          </>
        ) : (
          <Tooltip content={c.name === 'default' ? t.connections.defaultReadOnly : t.connections.readOnly}>
            <Label isCompact variant="outline" tabIndex={0} className="pf-v6-u-ml-sm">
              {t.connections.readOnlyLabel}
            </Label>
          </Tooltip>
        )}
      </Td>
    </Tr>
  );
}

export function ConnectionsTab() {
  const { refreshLocations } = useAppData();
  const [list, setList] = useState<ConnectionList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Connection | 'new' | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [tested, setTested] = useState<Tested | null>(null);

  const load = useCallback(async () => {
    try {
      setList(await api.connections());
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const changed = () => {
    void load();
    void refreshLocations();
  };
  const test = async (name: string) => {
    setTesting(name);
    setTested(null);
    try {
      setTested({ ...(await api.testConnection(name)), name });
    } catch (err) {
      setTested({ ok: false, message: messageOf(err), name });
    } finally {
      setTesting(null);
    }
  };

  if (!list)
    return error ? (
      <Alert isInline variant="danger" title={error} className="pf-v6-u-mt-lg" />
    ) : (
      <Bullseye>
        <Spinner aria-label={t.common.loading} />
      </Bullseye>
    );
  const named = list.connections.filter((c) => c.name !== 'default');
  return (
    <div className="pf-v6-u-pt-lg" style={{ maxWidth: '64rem' }} data-testid="connections-tab">
      <Content component="p">{t.connections.intro}</Content>
      <Button
        onClick={() => setEditing('new')}
        isDisabled={named.length >= list.max_connections}
        className="pf-v6-u-mb-md"
      >
        {t.connections.add}
      </Button>
      <Table aria-label={t.connections.tableLabel} variant="compact" data-testid="connection-table">
        <Thead>
          <Tr>
            <Th>{t.connections.name}</Th>
            <Th>{t.connections.endpoint}</Th>
            <Th>{t.connections.source}</Th>
            <Th>{t.connections.secret}</Th>
            <Th screenReaderText={t.common.actions} />
          </Tr>
        </Thead>
        <Tbody>
          {list.connections.map((c) => (
            <ConnectionRow
              key={c.name}
              connection={c}
              testing={testing === c.name}
              onTest={() => void test(c.name)}
              onEdit={() => setEditing(c)}
              onDelete={() => setDeleting(c.name)}
            />
          ))}
        </Tbody>
      </Table>
      {tested && (
        <Alert
          isInline
          variant={tested.ok ? 'success' : 'danger'}
          title={`${tested.name}: ${tested.ok ? t.settings.testOk : t.settings.testFailed}`}
          className="pf-v6-u-mt-md"
          data-testid="connection-test-result"
        >
          {tested.message}
        </Alert>
      )}
      {editing && (
        <ConnectionModal
          editing={editing === 'new' ? null : editing}
          taken={list.connections.map((c) => c.name)}
          onSaved={changed}
          onClose={() => setEditing(null)}
        />
      )}
      {deleting && <DeleteConnection name={deleting} onDeleted={changed} onClose={() => setDeleting(null)} />}
    </div>
  );
}
