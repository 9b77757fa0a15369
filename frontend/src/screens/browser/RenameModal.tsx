/**
 * Rename, through the transfer engine: an object is a move job to its exact new key; a folder is a move job
 * of what it holds (its files and sub-folders) into the new folder, with progress on the Transfers page.
 */
import { useState } from 'react';
import { api } from '../../api/client';
import { FormModal, NameField } from '../../app/FormModal';
import { baseName } from '../../app/jobText';
import { useToasts } from '../../app/toasts';
import { isActive, useTransfers } from '../../app/transfers';
import { useBusyAction } from '../../app/useBusyAction';
import { t } from '../../i18n/strings';
import { isGone } from './useJobRefresh';

export type RenameTarget = { kind: 'file'; key: string } | { kind: 'folder'; prefix: string };

const PAGE_SIZE = 1000;

/** Why `value` cannot be the new name of `current` (null: it can). */
export function renameProblem(value: string, current: string, siblings: string[]): string | null {
  const name = value.trim();
  if (!name) return t.rename.empty;
  if (name.includes('/')) return t.rename.noSlash;
  if (name === '.' || name === '..') return t.rename.dots;
  if (name === current) return t.rename.same;
  if (siblings.includes(name)) return t.rename.exists(name);
  return null;
}

/** Something (an object, or a folder with anything in it) is at `path` or under `path/`. */
async function taken(locationId: string, path: string): Promise<boolean> {
  const absent = (err: unknown) => {
    if (isGone(err)) return null;
    throw err;
  };
  const [object, listing] = await Promise.all([
    api.stat(locationId, path).catch(absent),
    api.list(locationId, { prefix: `${path}/`, page_size: 1 }).catch(absent),
  ]);
  return object !== null || (listing !== null && listing.files.length + listing.folders.length > 0);
}

/** One level of a folder: its files and its sub-folders (what a move of its content takes). */
async function contentOf(
  locationId: string,
  prefix: string,
): Promise<{ keys: string[]; prefixes: string[] }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let token: string | null = null;
  do {
    const page = await api.list(locationId, { prefix, page_token: token, page_size: PAGE_SIZE });
    keys.push(...page.files.map((f) => f.key));
    prefixes.push(...page.folders.map((f) => f.prefix));
    token = page.next_page_token;
  } while (token);
  return { keys, prefixes };
}

/** After the move: the old folder's marker (S3) or empty directory (local) goes too, if nothing is left. */
async function removeIfEmpty(locationId: string, prefix: string): Promise<void> {
  const left = await api.list(locationId, { prefix, page_size: 1 }).catch(() => null);
  if (left && !left.files.length && !left.folders.length)
    await api.deleteFolder(locationId, prefix).catch(() => undefined);
}

export function RenameModal({
  locationId,
  prefix,
  target,
  siblings,
  onClose,
  onRenamed,
  onGone,
}: {
  locationId: string;
  /** The folder that holds the target (where the new name goes). */
  prefix: string;
  target: RenameTarget;
  /** Names already in the folder (from the listing). */
  siblings: string[];
  onClose: () => void;
  /** Something changed in the folder (the listing should reload). */
  onRenamed: () => void;
  onGone: (name: string) => void;
}) {
  const { upsert, label, onFinished } = useTransfers();
  const { notify } = useToasts();
  const current = baseName(target.kind === 'file' ? target.key : target.prefix);
  const [value, setValue] = useState(current);
  const { busy, error, setError, run } = useBusyAction();
  const problem = renameProblem(value, current, siblings);
  const shown = value === current ? null : problem; // no complaint before the first edit

  const rename = async (name: string) => {
    if (await taken(locationId, `${prefix}${name}`)) {
      setError(t.rename.exists(name));
      return;
    }
    const source = { location_id: locationId, prefixes: [] as string[], keys: [] as string[] };
    if (target.kind === 'file') {
      upsert(
        await api.startTransfer({
          kind: 'move',
          source: { ...source, keys: [target.key] },
          destination: { location_id: locationId, prefix, key: `${prefix}${name}` },
          conflict: 'skip',
        }),
      );
      notify({ variant: 'info', title: t.rename.started(current, name) });
      onClose();
      return;
    }
    const to = `${prefix}${name}/`;
    const content = await contentOf(locationId, target.prefix);
    if (!content.keys.length && !content.prefixes.length) {
      // An empty folder: nothing to move.
      await api.createFolder(locationId, to);
      await api.deleteFolder(locationId, target.prefix);
      notify({ variant: 'success', title: t.rename.renamed(current, name) });
      onRenamed();
      onClose();
      return;
    }
    const started = await api.startTransfer({
      kind: 'move',
      source: { ...source, ...content },
      destination: { location_id: locationId, prefix: to },
      conflict: 'skip',
    });
    label(started.id, t.rename.folderJob(current, name));
    const job = upsert(started);
    const tidy = () => void removeIfEmpty(locationId, target.prefix).then(onRenamed);
    if (!isActive(job)) {
      if (job.state === 'completed') tidy();
    } else {
      const off = onFinished((done) => {
        if (done.id !== job.id) return;
        off();
        if (done.state === 'completed') tidy();
      });
    }
    notify({ variant: 'info', title: t.rename.started(current, name) });
    onClose();
  };

  const submit = () =>
    !problem &&
    run(async () => {
      try {
        await rename(value.trim());
      } catch (err) {
        if (!isGone(err)) throw err;
        onGone(current);
        onClose();
      }
    });

  return (
    <FormModal
      id="rename"
      title={t.rename.title(current)}
      error={error}
      busy={busy}
      canSubmit={!problem}
      submitLabel={t.rename.submit}
      onSubmit={() => void submit()}
      onClose={onClose}
    >
      <NameField
        id="rename-name"
        label={t.rename.newName}
        value={value}
        onChange={(v) => {
          setValue(v);
          setError(null);
        }}
        problem={shown}
        help={target.kind === 'folder' ? t.rename.folderHelp : t.rename.help}
        helpTestId="rename-help"
      />
    </FormModal>
  );
}
