/** The columns of the object table and how its rows sort: folders first, then files. */
import { useMemo, useState } from 'react';
import type { ISortBy, ThProps } from '@patternfly/react-table';
import type { FileEntry, FolderEntry } from '../../api/types';
import { t } from '../../i18n/strings';

export type Row =
  | { type: 'folder'; id: string; name: string; folder: FolderEntry }
  | { type: 'file'; id: string; name: string; file: FileEntry };

/** Column indexes as the table counts them (0 is the selection checkbox). */
export const NAME_COLUMN = 1;
export const SIZE_COLUMN = 2;
export const MODIFIED_COLUMN = 3;

export interface Column {
  index: number;
  label: string;
  width?: ThProps['width'];
  modifier?: ThProps['modifier'];
}

/** The sortable columns, in table order. */
export const COLUMNS: Column[] = [
  { index: NAME_COLUMN, label: t.common.name, width: 50 },
  { index: SIZE_COLUMN, label: t.common.size, modifier: 'nowrap' },
  { index: MODIFIED_COLUMN, label: t.common.lastModified, modifier: 'nowrap' },
];

export const DEFAULT_SORT: ISortBy = { index: NAME_COLUMN, direction: 'asc' };

const byName = (a: { name: string }, b: { name: string }) =>
  a.name.localeCompare(b.name, undefined, { numeric: true });

/**
 * The rows in table order. Folders have no size or date: they sort by name (descending only when the name
 * column is). Ties between files go by name. `contains` (lower-cased match) filters the rows, '' for all.
 */
export function sortRows(
  folders: FolderEntry[],
  files: FileEntry[],
  sortBy: ISortBy,
  contains: string,
): Row[] {
  const dir = sortBy.direction === 'desc' ? -1 : 1;
  const sortedFolders = [...folders].sort((a, b) => byName(a, b) * (sortBy.index === NAME_COLUMN ? dir : 1));
  const sortedFiles = [...files].sort((a, b) => {
    if (sortBy.index === SIZE_COLUMN) return (a.size - b.size) * dir || byName(a, b);
    if (sortBy.index === MODIFIED_COLUMN)
      return (a.last_modified ?? '').localeCompare(b.last_modified ?? '') * dir || byName(a, b);
    return byName(a, b) * dir;
  });
  let all: Row[] = [
    ...sortedFolders.map((folder) => ({
      type: 'folder' as const,
      id: folder.prefix,
      name: folder.name,
      folder,
    })),
    ...sortedFiles.map((file) => ({ type: 'file' as const, id: file.key, name: file.name, file })),
  ];
  if (contains) {
    const needle = contains.toLowerCase();
    all = all.filter((r) => r.name.toLowerCase().includes(needle));
  }
  return all;
}

/** The sort state of the table and the rows sorted (and filtered) by it. */
export function useSortedRows(folders: FolderEntry[], files: FileEntry[], contains: string) {
  const [sortBy, setSortBy] = useState<ISortBy>(DEFAULT_SORT);
  const rows = useMemo(() => sortRows(folders, files, sortBy, contains), [folders, files, sortBy, contains]);
  const sortParams = (index: number): ThProps['sort'] => ({
    sortBy,
    onSort: (_e, i, direction) => setSortBy({ index: i, direction }),
    columnIndex: index,
  });
  return { rows, sortParams };
}
