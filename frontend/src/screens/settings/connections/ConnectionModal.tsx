/** Add or edit a named S3 connection. The secret is write-only: empty on edit keeps the stored one. */
import { useState } from 'react';
import { api } from '../../../api/client';
import type { Connection, ConnectionValues } from '../../../api/types';
import { FormModal } from '../../../app/FormModal';
import { TextField } from '../../../app/TextField';
import { useToasts } from '../../../app/toasts';
import { useBusyAction } from '../../../app/useBusyAction';
import { t } from '../../../i18n/strings';
import { bucketNameProblem } from '../../buckets/BucketsPage';

// The server's rule (storage/s3/connections_file.py NAME_PATTERN).
const NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

function nameProblem(name: string, taken: string[]): string | null {
  if (!name) return null;
  if (name === 'default') return t.connections.nameReserved;
  if (!NAME.test(name)) return t.connections.nameProblem;
  return taken.includes(name) ? t.connections.nameTaken : null;
}

const urlProblem = (url: string) =>
  url && !/^https?:\/\/[^/\s@]+/i.test(url) ? t.settings.invalidUrl : null;

export function ConnectionModal({
  editing,
  taken,
  onSaved,
  onClose,
}: {
  /** The connection edited; null to add one. */
  editing: Connection | null;
  /** Names in use (for a new connection's name check). */
  taken: string[];
  onSaved: () => void;
  onClose: () => void;
}) {
  const { notify } = useToasts();
  const { busy, error, run } = useBusyAction();
  const [name, setName] = useState(editing?.name ?? '');
  const [endpoint, setEndpoint] = useState(editing?.endpoint ?? '');
  const [region, setRegion] = useState(editing?.region ?? 'us-east-1');
  const [accessKey, setAccessKey] = useState(editing?.access_key_id ?? '');
  const [secret, setSecret] = useState('');
  const [bucket, setBucket] = useState(editing?.default_bucket ?? '');
  const problems = {
    name: editing ? null : nameProblem(name.trim(), taken),
    endpoint: urlProblem(endpoint.trim()),
    bucket: bucket.trim() ? bucketNameProblem(bucket.trim()) : null,
  };
  const canSubmit = (editing !== null || name.trim() !== '') && !Object.values(problems).some(Boolean);

  const submit = () =>
    run(async () => {
      const values: ConnectionValues = {
        endpoint: endpoint.trim(),
        region: region.trim(),
        access_key_id: accessKey.trim(),
        default_bucket: bucket.trim(),
      };
      // Sent only when typed: an edit without it keeps the stored secret (for the same endpoint).
      if (secret) values.secret_access_key = secret;
      if (editing) {
        await api.editConnection(editing.name, values);
        notify({ variant: 'success', title: t.connections.saved(editing.name) });
      } else {
        await api.addConnection({ ...values, name: name.trim() });
        notify({ variant: 'success', title: t.connections.added(name.trim()) });
      }
      onSaved();
      onClose();
    });

  return (
    <FormModal
      id="connection-modal"
      title={editing ? t.connections.editTitle(editing.name) : t.connections.addTitle}
      submitLabel={editing ? t.settings.save : t.connections.add}
      {...{ error, busy, canSubmit, onClose }}
      onSubmit={() => void submit()}
    >
      {!editing && (
        <TextField
          id="connection-name"
          label={t.connections.name}
          value={name}
          onChange={setName}
          problem={problems.name}
          help={t.connections.nameHelp}
          isRequired
          autoFocus
          autoComplete="off"
        />
      )}
      <TextField
        id="connection-endpoint"
        label={t.connections.endpoint}
        value={endpoint}
        onChange={setEndpoint}
        problem={problems.endpoint}
        help={t.connections.endpointHelp}
        placeholder="https://s3.example.com"
        autoComplete="off"
      />
      <TextField id="connection-region" label={t.settings.region} value={region} onChange={setRegion} />
      <TextField
        id="connection-access-key"
        label={t.settings.accessKey}
        value={accessKey}
        onChange={setAccessKey}
        autoComplete="off"
      />
      <TextField
        id="connection-secret"
        label={t.settings.secretKey}
        value={secret}
        onChange={setSecret}
        type="password"
        autoComplete="new-password"
        help={editing?.has_secret ? t.connections.secretKeep : t.connections.secretNew}
      />
      <TextField
        id="connection-bucket"
        label={t.settings.defaultBucket}
        value={bucket}
        onChange={setBucket}
        problem={problems.bucket}
        autoComplete="off"
      />
    </FormModal>
  );
}
