/** Small modals of the storage browser: create folder, delete (plain or typed confirmation), object details. */
import { useEffect, useRef, useState } from 'react';
import {
  Alert,
  Button,
  Content,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  List,
  ListItem,
  Modal,
  ModalBody,
  ModalHeader,
  Spinner,
} from '@patternfly/react-core';
import { api } from '../../api/client';
import { ConfirmDeleteModal } from '../../app/ConfirmDeleteModal';
import { CreateByNameModal } from '../../app/FormModal';
import { ModalActionsFooter } from '../../app/ModalActionsFooter';
import { messageOf, useToasts } from '../../app/toasts';
import { useBusyAction } from '../../app/useBusyAction';
import { t } from '../../i18n/strings';
import { formatBytes, formatDate } from '../../utils/format';
import { isGone } from './useJobRefresh';
import { useObjectCount } from './useObjectCount';

export function folderNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return null;
  if (trimmed.startsWith('/') || trimmed.endsWith('/') || trimmed.includes('//'))
    return t.folder.invalidSlash;
  if (trimmed.split('/').some((part) => part === '.' || part === '..')) return t.folder.invalidDots;
  return null;
}

export function CreateFolderModal({
  locationId,
  prefix,
  onClose,
  onCreated,
}: {
  locationId: string;
  prefix: string;
  onClose: () => void;
  onCreated: () => void;
}) {
  return (
    <CreateByNameModal
      id="create-folder"
      title={t.folder.title}
      field={{ id: 'folder-name', label: t.folder.name, help: t.folder.help }}
      problemOf={folderNameProblem}
      create={(name) => api.createFolder(locationId, `${prefix}${name}/`)}
      createdToast={t.folder.created}
      onCreated={() => onCreated()}
      onClose={onClose}
    />
  );
}

const PLAIN_CONFIRMATION_FILES = 3;

export interface DeleteTarget {
  keys: string[];
  prefixes: string[];
}

export function DeleteModal({
  locationId,
  target,
  onClose,
  onDeleted,
}: {
  locationId: string;
  target: DeleteTarget;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const { notify } = useToasts();
  const { busy, error, setError, run } = useBusyAction();
  const count = target.keys.length + target.prefixes.length;
  const single = count === 1;
  const isFolder = single && target.prefixes.length === 1;
  const isFile = single && target.keys.length === 1;
  const fewFiles = !single && target.prefixes.length === 0 && target.keys.length <= PLAIN_CONFIRMATION_FILES;
  const name = single
    ? ((target.keys[0] ?? target.prefixes[0]).replace(/\/$/, '').split('/').pop() ?? '')
    : '';
  const objects = useObjectCount(locationId, target.prefixes);
  // A few plain files: one confirmation. Folders: type the folder's name. Larger selections: type a phrase.
  const phrase = isFile || fewFiles ? null : isFolder ? name : t.deletion.selectionPhrase(count);
  const title = isFile
    ? t.deletion.fileTitle
    : fewFiles
      ? t.deletion.filesTitle(count)
      : isFolder
        ? t.deletion.folderTitle
        : t.deletion.selectionTitle;
  const listed = [...target.prefixes, ...target.keys];

  const submit = () =>
    run(async () => {
      let deleted = 0;
      let failed = 0;
      if (isFile) deleted = (await api.deleteObject(locationId, target.keys[0])).deleted;
      else if (isFolder) deleted = (await api.deleteFolder(locationId, target.prefixes[0])).deleted;
      else {
        const answer = await api.deleteSelection(locationId, target.keys, target.prefixes);
        deleted = answer.deleted;
        failed = answer.errors.length;
        if (failed)
          setError(
            answer.errors
              .slice(0, 5)
              .map((e) => `${e.key}: ${e.message}`)
              .join('; '),
          );
      }
      notify({
        variant: failed ? 'warning' : 'success',
        title: failed ? t.deletion.partial(deleted, failed) : t.deletion.deleted(deleted),
      });
      onDeleted();
      if (!failed) onClose();
    });

  return (
    <ConfirmDeleteModal
      id="delete"
      title={title}
      phrase={phrase}
      error={error}
      busy={busy}
      onDelete={() => void submit()}
      onClose={onClose}
      autoFocus
    >
      <Content component="p">
        {isFile
          ? t.deletion.fileBody(name)
          : fewFiles
            ? t.deletion.filesBody(count)
            : isFolder
              ? t.deletion.folderBody(name)
              : t.deletion.selectionBody(target.keys.length, target.prefixes.length)}
      </Content>
      {target.prefixes.length > 0 && !objects.failed && (
        <Content component="p" data-testid="delete-count">
          {objects.count === null
            ? t.deletion.counting
            : t.deletion.objectCount(objects.count + target.keys.length, objects.more)}
        </Content>
      )}
      {!single && (
        <List>
          {listed.slice(0, 8).map((item) => (
            <ListItem key={item} className="odh-tec-mono">
              {item}
            </ListItem>
          ))}
          {listed.length > 8 && <ListItem>{t.deletion.andMore(listed.length - 8)}</ListItem>}
        </List>
      )}
    </ConfirmDeleteModal>
  );
}

/** Download + Close, the footer of the modals that show one file. */
export interface FileModalProps {
  locationId: string;
  fileKey: string;
  onClose: () => void;
  /** The object is no longer there (moved, renamed or deleted since the listing). */
  onGone?: () => void;
}

/**
 * What a file modal shows, loaded when it opens (and again for another file). A file gone since the
 * listing calls `onGone`, when there is one, rather than showing the error.
 */
export function useFileLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  { locationId, fileKey, onGone }: FileModalProps,
): { data: T | null; error: string | null; name: string } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const goneRef = useRef(onGone);
  goneRef.current = onGone;
  useEffect(() => {
    const controller = new AbortController();
    loadRef.current(controller.signal).then(setData, (err) => {
      if ((err as Error).name === 'AbortError') return;
      if (isGone(err) && goneRef.current) goneRef.current();
      else setError(messageOf(err));
    });
    return () => controller.abort();
  }, [locationId, fileKey]);
  return { data, error, name: fileKey.split('/').pop() ?? fileKey };
}

export function FileModalFooter({
  locationId,
  fileKey,
  name,
  onClose,
}: {
  locationId: string;
  fileKey: string;
  name: string;
  onClose: () => void;
}) {
  return (
    <ModalActionsFooter dismissLabel={t.common.close} onDismiss={onClose}>
      <Button variant="secondary" component="a" href={api.downloadUrl(locationId, fileKey)} download={name}>
        {t.common.download}
      </Button>
    </ModalActionsFooter>
  );
}

const HF_KEYS: Record<string, string> = {
  'hf-repo': t.details.hfRepo,
  'hf-repo-type': t.details.hfRepoType,
  'hf-revision': t.details.hfRevision,
  'hf-commit': t.details.hfCommit,
  'hf-sha256': t.details.hfSha256,
};

export function DetailsModal(props: FileModalProps) {
  const { locationId, fileKey, onClose } = props;
  const { data: stat, error, name } = useFileLoad(() => api.stat(locationId, fileKey), props);
  const row = (term: string, value: React.ReactNode) => (
    <DescriptionListGroup key={term}>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{value}</DescriptionListDescription>
    </DescriptionListGroup>
  );
  const metadata = Object.entries(stat?.metadata ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const other = metadata.filter(([k]) => !HF_KEYS[k.toLowerCase()]);
  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="details-title">
      <ModalHeader title={t.details.title(name)} labelId="details-title" />
      <ModalBody>
        {error && <Alert isInline variant="danger" title={error} />}
        {!stat && !error && <Spinner size="lg" aria-label={t.common.loading} />}
        {stat && (
          <DescriptionList isHorizontal isCompact aria-label={t.details.title(name)}>
            {row(t.details.key, <span className="odh-tec-mono">{stat.key}</span>)}
            {row(
              t.common.size,
              stat.size < 1024
                ? formatBytes(stat.size)
                : `${formatBytes(stat.size)} (${stat.size.toLocaleString()} B)`,
            )}
            {row(t.details.contentType, stat.content_type ?? '—')}
            {row(t.common.lastModified, formatDate(stat.last_modified))}
            {row(t.details.etag, <span className="odh-tec-mono">{stat.etag ?? '—'}</span>)}
            {metadata
              .filter(([k]) => HF_KEYS[k.toLowerCase()])
              .map(([k, v]) => row(HF_KEYS[k.toLowerCase()], <span className="odh-tec-mono">{v}</span>))}
            {row(
              t.details.metadata,
              other.length ? (
                <DescriptionList isCompact isHorizontal>
                  {other.map(([k, v]) => row(k, <span className="odh-tec-mono">{v}</span>))}
                </DescriptionList>
              ) : (
                t.details.noMetadata
              ),
            )}
          </DescriptionList>
        )}
      </ModalBody>
      <FileModalFooter locationId={locationId} fileKey={fileKey} name={name} onClose={onClose} />
    </Modal>
  );
}
