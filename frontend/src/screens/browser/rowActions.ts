/** The kebab menu of a row of the object table, and the download that the menu and the toolbar start. */
import type { IAction } from '@patternfly/react-table';
import { api } from '../../api/client';
import type { FileEntry, FolderEntry } from '../../api/types';
import { t } from '../../i18n/strings';
import type { Dialog } from './BrowserDialogs';

/** Download `url` as a file (the server names it), without leaving the page. */
export function triggerDownload(url: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export interface RowHandlers {
  locationId: string;
  /** Open a folder of this location. */
  openFolder: (prefix: string) => void;
  openDialog: (dialog: Dialog) => void;
}

export const folderActions = (
  folder: FolderEntry,
  { locationId, openFolder, openDialog }: RowHandlers,
): IAction[] => [
  { title: t.browser.open, onClick: () => openFolder(folder.prefix) },
  {
    title: t.browser.downloadZip,
    onClick: () => triggerDownload(api.zipUrl(locationId, [folder.prefix], [])),
  },
  {
    title: t.browser.copyTo,
    onClick: () => openDialog({ kind: 'copy', keys: [], prefixes: [folder.prefix] }),
  },
  { title: t.browser.sync, onClick: () => openDialog({ kind: 'sync', prefix: folder.prefix }) },
  { title: t.browser.modelcar, onClick: () => openDialog({ kind: 'modelcar', prefix: folder.prefix }) },
  {
    title: t.browser.rename,
    onClick: () => openDialog({ kind: 'rename', target: { kind: 'folder', prefix: folder.prefix } }),
  },
  { title: t.share.copyUri, onClick: () => openDialog({ kind: 'uri', path: folder.prefix }) },
  { isSeparator: true },
  {
    title: t.common.delete,
    isDanger: true,
    onClick: () => openDialog({ kind: 'delete', target: { keys: [], prefixes: [folder.prefix] } }),
  },
];

export const fileActions = (file: FileEntry, { locationId, openDialog }: RowHandlers): IAction[] => [
  { title: t.browser.preview, onClick: () => openDialog({ kind: 'preview', key: file.key }) },
  { title: t.browser.details, onClick: () => openDialog({ kind: 'details', key: file.key }) },
  { title: t.common.download, onClick: () => triggerDownload(api.downloadUrl(locationId, file.key)) },
  { title: t.browser.copyTo, onClick: () => openDialog({ kind: 'copy', keys: [file.key], prefixes: [] }) },
  {
    title: t.browser.rename,
    onClick: () => openDialog({ kind: 'rename', target: { kind: 'file', key: file.key } }),
  },
  // Presigned links exist only for S3 objects.
  ...(locationId.startsWith('s3:')
    ? [{ title: t.share.share, onClick: () => openDialog({ kind: 'share', key: file.key }) }]
    : []),
  { title: t.share.copyUri, onClick: () => openDialog({ kind: 'uri', path: file.key }) },
  { isSeparator: true },
  {
    title: t.common.delete,
    isDanger: true,
    onClick: () => openDialog({ kind: 'delete', target: { keys: [file.key], prefixes: [] } }),
  },
];
