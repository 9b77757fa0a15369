/** The one dialog the storage browser has open at a time, and what each does to the listing when done. */
import type { FileEntry, FolderEntry } from '../../api/types';
import { CopyMoveModal } from './CopyMoveModal';
import { HfImportModal } from './HfImportModal';
import { ModelCarModal } from './ModelCarModal';
import { CreateFolderModal, DeleteModal, DetailsModal, type DeleteTarget } from './modals';
import { PreviewModal } from './PreviewModal';
import { RenameModal, type RenameTarget } from './RenameModal';
import { CopyUriModal, ShareModal } from './ShareModals';
import { SyncModal } from './SyncModal';
import { UploadsModal } from './UploadsModal';

export type Dialog =
  | { kind: 'folder' }
  | { kind: 'delete'; target: DeleteTarget }
  | { kind: 'preview'; key: string }
  | { kind: 'details'; key: string }
  | { kind: 'copy'; keys: string[]; prefixes: string[] }
  | { kind: 'rename'; target: RenameTarget }
  | { kind: 'share'; key: string }
  | { kind: 'uri'; path: string }
  | { kind: 'hf' }
  /** Sync the folder `prefix` of this location to another folder. */
  | { kind: 'sync'; prefix: string }
  /** Package the folder `prefix` of this location as a ModelCar image and push it. */
  | { kind: 'modelcar'; prefix: string }
  | { kind: 'uploads' }
  | null;

export function BrowserDialogs({
  dialog,
  locationId,
  locationName,
  prefix,
  folders,
  files,
  onClose,
  reload,
  clearSelection,
  gone,
}: {
  dialog: Dialog;
  locationId: string;
  locationName: string;
  prefix: string;
  /** What the open folder lists (rename refuses a name already there). */
  folders: FolderEntry[];
  files: FileEntry[];
  onClose: () => void;
  reload: () => void;
  clearSelection: () => void;
  /** `path` is no longer there: close the dialog and say so. */
  gone: (path: string) => void;
}) {
  switch (dialog?.kind) {
    case 'folder':
      return (
        <CreateFolderModal locationId={locationId} prefix={prefix} onClose={onClose} onCreated={reload} />
      );
    case 'delete':
      return (
        <DeleteModal
          locationId={locationId}
          target={dialog.target}
          onClose={onClose}
          onDeleted={() => {
            clearSelection();
            reload();
          }}
        />
      );
    case 'preview':
      return (
        <PreviewModal
          locationId={locationId}
          fileKey={dialog.key}
          onClose={onClose}
          onGone={() => gone(dialog.key)}
        />
      );
    case 'details':
      return (
        <DetailsModal
          locationId={locationId}
          fileKey={dialog.key}
          onClose={onClose}
          onGone={() => gone(dialog.key)}
        />
      );
    case 'copy':
      return (
        <CopyMoveModal
          locationId={locationId}
          keys={dialog.keys}
          prefixes={dialog.prefixes}
          currentPrefix={prefix}
          onClose={onClose}
          onStarted={clearSelection}
          onGone={reload}
        />
      );
    case 'rename':
      return (
        <RenameModal
          locationId={locationId}
          prefix={prefix}
          target={dialog.target}
          siblings={[...folders.map((f) => f.name), ...files.map((f) => f.name)]}
          onClose={onClose}
          onRenamed={reload}
          onGone={gone}
        />
      );
    case 'share':
      return (
        <ShareModal
          locationId={locationId}
          fileKey={dialog.key}
          onClose={onClose}
          onGone={() => gone(dialog.key)}
        />
      );
    case 'uri':
      return <CopyUriModal locationId={locationId} path={dialog.path} onClose={onClose} />;
    case 'hf':
      return (
        <HfImportModal
          locationId={locationId}
          locationName={locationName}
          prefix={prefix}
          onClose={onClose}
        />
      );
    case 'sync':
      return (
        <SyncModal
          locationId={locationId}
          sourcePrefix={dialog.prefix}
          sourceName={`${locationName}/${dialog.prefix}`}
          onClose={onClose}
        />
      );
    case 'modelcar':
      return (
        <ModelCarModal
          locationId={locationId}
          sourcePrefix={dialog.prefix}
          sourceName={`${locationName}/${dialog.prefix}`}
          onClose={onClose}
        />
      );
    case 'uploads':
      return <UploadsModal onClose={onClose} />;
    default:
      return null;
  }
}
