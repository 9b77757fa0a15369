/** The storage browser: S3 buckets and local folders, one table of folders then files. */
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import {
  Alert,
  Breadcrumb,
  BreadcrumbItem,
  Bullseye,
  Button,
  Checkbox,
  Content,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
  Flex,
  FlexItem,
  FormSelect,
  FormSelectOption,
  MenuToggle,
  PageSection,
  SearchInput,
  Spinner,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import {
  ActionsColumn,
  Table,
  Tbody,
  Td,
  Th,
  Thead,
  Tr,
  type IAction,
  type ISortBy,
} from '@patternfly/react-table';
import {
  CubesIcon,
  EllipsisVIcon,
  ExclamationCircleIcon,
  FileIcon,
  FolderIcon,
  FolderOpenIcon,
  PlusIcon,
  SearchIcon,
  SyncAltIcon,
  UploadIcon,
} from '@patternfly/react-icons';
import { api } from '../../api/client';
import type { FileEntry, FolderEntry } from '../../api/types';
import { useAppData } from '../../app/appData';
import { messageOf } from '../../app/toasts';
import { useUploadManager, useUploads } from '../../app/uploads';
import { t } from '../../i18n/strings';
import { formatBytes, formatDate } from '../../utils/format';
import { CopyMoveModal } from './CopyMoveModal';
import { filesFromDrop, filesFromInput } from './dropFiles';
import { HfImportModal } from './HfImportModal';
import { LocationPicker } from './LocationPicker';
import { CreateFolderModal, DeleteModal, DetailsModal, type DeleteTarget } from './modals';
import { PreviewModal } from './PreviewModal';
import { RenameModal, type RenameTarget } from './RenameModal';
import { UploadsModal } from './UploadsModal';
import { isGone, useGoneNotice, useJobRefresh } from './useJobRefresh';

type Row =
  | { type: 'folder'; id: string; name: string; folder: FolderEntry }
  | { type: 'file'; id: string; name: string; file: FileEntry };

type Dialog =
  | { kind: 'folder' }
  | { kind: 'delete'; target: DeleteTarget }
  | { kind: 'preview'; key: string }
  | { kind: 'details'; key: string }
  | { kind: 'copy'; keys: string[]; prefixes: string[] }
  | { kind: 'rename'; target: RenameTarget }
  | { kind: 'hf' }
  | { kind: 'uploads' }
  | null;

const SEARCH_DELAY = 350;

function triggerDownload(url: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function useDebounced<T>(value: T, delay: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delay);
    return () => window.clearTimeout(timer);
  }, [value, delay]);
  return debounced;
}

export default function StorageBrowser() {
  const { locationId } = useParams();
  const [params] = useSearchParams();
  const prefix = params.get('prefix') ?? '';
  const navigate = useNavigate();
  const { locations, locationsError, settings } = useAppData();
  const uploads = useUploadManager();
  const uploadItems = useUploads();

  const [folders, setFolders] = useState<FolderEntry[]>([]);
  const [files, setFiles] = useState<FileEntry[]>([]);
  const [nextToken, setNextToken] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reloadTick, setReloadTick] = useState(0);
  const [searchText, setSearchText] = useState('');
  const [searchMode, setSearchMode] = useState<'prefix' | 'contains'>('prefix');
  const [sortBy, setSortBy] = useState<ISortBy>({ index: 1, direction: 'asc' });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const lastClicked = useRef<number | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const location = locations?.find((l) => l.id === locationId);
  const locationName = location?.name ?? locationId?.replace(/^[a-z0-9]+:/, '') ?? '';
  const searchProblem = searchMode === 'prefix' && searchText.includes('/');
  const serverSearch = useDebounced(
    searchMode === 'prefix' && !searchProblem ? searchText : '',
    SEARCH_DELAY,
  );
  const pageSize = settings?.transfers.max_files_per_page;

  const go = useCallback(
    (id: string, newPrefix = '') =>
      navigate({
        pathname: `/browse/${encodeURIComponent(id)}`,
        search: newPrefix ? `?prefix=${encodeURIComponent(newPrefix)}` : '',
      }),
    [navigate],
  );
  const reload = useCallback(() => setReloadTick((n) => n + 1), []);
  useJobRefresh(locationId, prefix, reload);
  const goneNotice = useGoneNotice(reload);
  const gone = (path: string) => {
    setDialog(null);
    goneNotice(path);
  };

  // No location in the URL: open the default one (or the first available).
  useEffect(() => {
    if (locationId || !locations?.length) return;
    const pick = locations.find((l) => l.default && l.available) ?? locations.find((l) => l.available);
    if (pick) navigate(`/browse/${encodeURIComponent(pick.id)}`, { replace: true });
  }, [locationId, locations, navigate]);

  // Navigation clears the selection and the search.
  useEffect(() => {
    setSelected(new Set());
    lastClicked.current = null;
  }, [locationId, prefix, serverSearch]);
  useEffect(() => setSearchText(''), [locationId, prefix]);

  // First page of the listing.
  useEffect(() => {
    if (!locationId) return;
    const controller = new AbortController();
    setLoading(true);
    setLoadError(null);
    api.list(locationId, { prefix, search: serverSearch, page_size: pageSize }, controller.signal).then(
      (listing) => {
        setFolders(listing.folders);
        setFiles(listing.files);
        setNextToken(listing.next_page_token);
        setLoading(false);
      },
      (err) => {
        if ((err as Error).name === 'AbortError') return;
        setFolders([]);
        setFiles([]);
        setNextToken(null);
        setLoadError(isGone(err) && prefix ? t.browser.folderGone : messageOf(err));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [locationId, prefix, serverSearch, reloadTick, pageSize]);

  const loadMore = async () => {
    if (!locationId || !nextToken) return;
    setLoadingMore(true);
    try {
      const listing = await api.list(locationId, {
        prefix,
        search: serverSearch,
        page_token: nextToken,
        page_size: pageSize,
      });
      setFolders((old) => [
        ...old,
        ...listing.folders.filter((f) => !old.some((o) => o.prefix === f.prefix)),
      ]);
      setFiles((old) => [...old, ...listing.files]);
      setNextToken(listing.next_page_token);
    } catch (err) {
      setLoadError(messageOf(err));
    } finally {
      setLoadingMore(false);
    }
  };

  // Refresh when an upload into this folder finishes (batched).
  useEffect(() => {
    let timer: number | undefined;
    const off = uploads.onDone((item) => {
      if (item.locationId !== locationId || !item.key.startsWith(prefix)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(reload, 600);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [uploads, locationId, prefix, reload]);

  const rows: Row[] = useMemo(() => {
    const dir = sortBy.direction === 'desc' ? -1 : 1;
    const byName = (a: { name: string }, b: { name: string }) =>
      a.name.localeCompare(b.name, undefined, { numeric: true });
    const sortedFolders = [...folders].sort((a, b) => byName(a, b) * (sortBy.index === 1 ? dir : 1));
    const sortedFiles = [...files].sort((a, b) => {
      if (sortBy.index === 2) return (a.size - b.size) * dir || byName(a, b);
      if (sortBy.index === 3)
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
    if (searchMode === 'contains' && searchText) {
      const needle = searchText.toLowerCase();
      all = all.filter((r) => r.name.toLowerCase().includes(needle));
    }
    return all;
  }, [folders, files, sortBy, searchMode, searchText]);

  const selectedRows = rows.filter((r) => selected.has(r.id));
  const selKeys = selectedRows.filter((r) => r.type === 'file').map((r) => r.id);
  const selPrefixes = selectedRows.filter((r) => r.type === 'folder').map((r) => r.id);
  const allSelected = rows.length > 0 && selectedRows.length === rows.length;

  const toggleRow = (index: number, checked: boolean, shift: boolean) => {
    setSelected((old) => {
      const next = new Set(old);
      if (shift && lastClicked.current !== null) {
        const [from, to] = [Math.min(lastClicked.current, index), Math.max(lastClicked.current, index)];
        for (let i = from; i <= to; i++) {
          if (checked) next.add(rows[i].id);
          else next.delete(rows[i].id);
        }
      } else if (checked) next.add(rows[index].id);
      else next.delete(rows[index].id);
      return next;
    });
    lastClicked.current = index;
  };

  const addUploads = (pending: Awaited<ReturnType<typeof filesFromDrop>>) => {
    if (!locationId || !pending.length) return;
    uploads.add(pending, locationId, prefix);
    setDialog({ kind: 'uploads' });
  };

  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    if (!locationId || location?.available === false) return;
    addUploads(await filesFromDrop(event.dataTransfer));
  };
  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes('Files');

  useEffect(() => {
    folderInput.current?.setAttribute('webkitdirectory', '');
    folderInput.current?.setAttribute('directory', '');
  });

  // Keyboard: Escape clears the selection.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !dialog && selected.size) setSelected(new Set());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialog, selected.size]);

  const activeUploads = uploadItems.filter((i) => i.state === 'uploading' || i.state === 'queued').length;

  // --- rendering -------------------------------------------------------------------------------

  if (locations === null) {
    return (
      <PageSection>
        <Bullseye>
          <Spinner aria-label={t.common.loading} />
        </Bullseye>
      </PageSection>
    );
  }

  if (!locationId) {
    return (
      <PageSection>
        <Title headingLevel="h1">{t.browser.title}</Title>
        <EmptyState
          titleText={t.browser.noLocations}
          headingLevel="h2"
          icon={CubesIcon}
          status={locationsError ? 'danger' : undefined}
        >
          <EmptyStateBody>{locationsError ?? t.browser.noLocationsBody}</EmptyStateBody>
          <EmptyStateFooter>
            <EmptyStateActions>
              <Button variant="primary" onClick={() => navigate('/buckets')}>
                {t.browser.goToBuckets}
              </Button>
              <Button variant="link" onClick={() => navigate('/settings')}>
                {t.browser.goToSettings}
              </Button>
            </EmptyStateActions>
          </EmptyStateFooter>
        </EmptyState>
      </PageSection>
    );
  }

  const segments = prefix.split('/').filter(Boolean);
  const unavailable = location?.available === false;
  const disabled = unavailable || !!loadError;

  const folderActions = (folder: FolderEntry): IAction[] => [
    { title: t.browser.open, onClick: () => go(locationId, folder.prefix) },
    {
      title: t.browser.downloadZip,
      onClick: () => triggerDownload(api.zipUrl(locationId, [folder.prefix], [])),
    },
    {
      title: t.browser.copyTo,
      onClick: () => setDialog({ kind: 'copy', keys: [], prefixes: [folder.prefix] }),
    },
    {
      title: t.browser.rename,
      onClick: () => setDialog({ kind: 'rename', target: { kind: 'folder', prefix: folder.prefix } }),
    },
    { isSeparator: true },
    {
      title: t.common.delete,
      isDanger: true,
      onClick: () => setDialog({ kind: 'delete', target: { keys: [], prefixes: [folder.prefix] } }),
    },
  ];
  const fileActions = (file: FileEntry): IAction[] => [
    { title: t.browser.preview, onClick: () => setDialog({ kind: 'preview', key: file.key }) },
    { title: t.browser.details, onClick: () => setDialog({ kind: 'details', key: file.key }) },
    { title: t.common.download, onClick: () => triggerDownload(api.downloadUrl(locationId, file.key)) },
    { title: t.browser.copyTo, onClick: () => setDialog({ kind: 'copy', keys: [file.key], prefixes: [] }) },
    {
      title: t.browser.rename,
      onClick: () => setDialog({ kind: 'rename', target: { kind: 'file', key: file.key } }),
    },
    { isSeparator: true },
    {
      title: t.common.delete,
      isDanger: true,
      onClick: () => setDialog({ kind: 'delete', target: { keys: [file.key], prefixes: [] } }),
    },
  ];

  const sortParams = (index: number) => ({
    sortBy,
    onSort: (_e: unknown, i: number, direction: 'asc' | 'desc') => setSortBy({ index: i, direction }),
    columnIndex: index,
  });

  const toolbar = (
    <Toolbar aria-label={t.browser.toolbarLabel} inset={{ default: 'insetNone' }}>
      <ToolbarContent>
        <ToolbarGroup variant="filter-group">
          <ToolbarItem>
            <FormSelect
              id="search-mode"
              aria-label={t.browser.searchModeLabel}
              value={searchMode}
              onChange={(_e, v) => setSearchMode(v as 'prefix' | 'contains')}
              style={{ width: '13rem' }}
            >
              <FormSelectOption value="prefix" label={t.browser.startsWith} />
              <FormSelectOption value="contains" label={t.browser.contains} />
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <SearchInput
              aria-label={t.browser.search}
              placeholder={t.browser.search}
              value={searchText}
              onChange={(_e, v) => setSearchText(v)}
              onClear={() => setSearchText('')}
              isDisabled={disabled}
              style={{ minWidth: '16rem' }}
            />
          </ToolbarItem>
        </ToolbarGroup>
        <ToolbarGroup variant="action-group">
          <ToolbarItem>
            <Button icon={<UploadIcon />} onClick={() => fileInput.current?.click()} isDisabled={disabled}>
              {t.browser.uploadFiles}
            </Button>
          </ToolbarItem>
          <ToolbarItem>
            <Button
              variant="secondary"
              icon={<FolderOpenIcon />}
              onClick={() => folderInput.current?.click()}
              isDisabled={disabled}
            >
              {t.browser.uploadFolder}
            </Button>
          </ToolbarItem>
          <ToolbarItem>
            <Button
              variant="secondary"
              icon={<PlusIcon />}
              onClick={() => setDialog({ kind: 'folder' })}
              isDisabled={disabled}
            >
              {t.browser.createFolder}
            </Button>
          </ToolbarItem>
          <ToolbarItem>
            <Button variant="secondary" onClick={() => setDialog({ kind: 'hf' })} isDisabled={disabled}>
              {t.browser.hfImport}
            </Button>
          </ToolbarItem>
          {uploadItems.length > 0 && (
            <ToolbarItem>
              <Button
                variant="link"
                onClick={() => setDialog({ kind: 'uploads' })}
                data-testid="uploads-button"
              >
                {t.uploads.button(activeUploads)}
              </Button>
            </ToolbarItem>
          )}
        </ToolbarGroup>
        <ToolbarGroup variant="action-group-plain" align={{ default: 'alignEnd' }}>
          <ToolbarItem>
            <Button variant="plain" aria-label={t.common.refresh} icon={<SyncAltIcon />} onClick={reload} />
          </ToolbarItem>
        </ToolbarGroup>
      </ToolbarContent>
      {selectedRows.length > 0 && (
        <ToolbarContent>
          <ToolbarGroup variant="action-group">
            <ToolbarItem alignSelf="center">
              <strong data-testid="selection-count">
                {t.browser.selected(selKeys.length, selPrefixes.length)}
              </strong>
            </ToolbarItem>
            <ToolbarItem>
              <Button
                variant="secondary"
                onClick={() => triggerDownload(api.zipUrl(locationId, selPrefixes, selKeys))}
              >
                {t.browser.downloadZip}
              </Button>
            </ToolbarItem>
            <ToolbarItem>
              <Button
                variant="secondary"
                onClick={() => setDialog({ kind: 'copy', keys: selKeys, prefixes: selPrefixes })}
              >
                {t.browser.copyTo}
              </Button>
            </ToolbarItem>
            <ToolbarItem>
              <Button
                variant="danger"
                onClick={() =>
                  setDialog({ kind: 'delete', target: { keys: selKeys, prefixes: selPrefixes } })
                }
              >
                {t.common.delete}
              </Button>
            </ToolbarItem>
            <ToolbarItem>
              <Button variant="link" onClick={() => setSelected(new Set())}>
                {t.browser.clearSelection}
              </Button>
            </ToolbarItem>
          </ToolbarGroup>
        </ToolbarContent>
      )}
    </Toolbar>
  );

  let body;
  if (unavailable) {
    body = (
      <EmptyState titleText={t.browser.loadError} headingLevel="h2" status="warning">
        <EmptyStateBody>{`${location?.path ?? locationName}: ${t.browser.unavailable}`}</EmptyStateBody>
      </EmptyState>
    );
  } else if (loadError && !rows.length) {
    body = (
      <EmptyState
        titleText={t.browser.loadError}
        headingLevel="h2"
        icon={ExclamationCircleIcon}
        status="danger"
      >
        <EmptyStateBody data-testid="load-error">{loadError}</EmptyStateBody>
        <EmptyStateFooter>
          <EmptyStateActions>
            <Button variant="primary" onClick={reload}>
              {t.common.retry}
            </Button>
          </EmptyStateActions>
        </EmptyStateFooter>
      </EmptyState>
    );
  } else if (loading) {
    body = (
      <Bullseye className="pf-v6-u-p-xl">
        <Spinner aria-label={t.common.loading} />
      </Bullseye>
    );
  } else if (!rows.length) {
    const searching = !!searchText;
    body = (
      <EmptyState
        titleText={searching ? t.browser.noMatches : t.browser.emptyFolder}
        headingLevel="h2"
        icon={searching ? SearchIcon : FolderOpenIcon}
      >
        <EmptyStateBody>{searching ? t.browser.noMatchesBody : t.browser.emptyFolderBody}</EmptyStateBody>
        <EmptyStateFooter>
          <EmptyStateActions>
            {searching ? (
              <Button variant="link" onClick={() => setSearchText('')}>
                {t.browser.clearSearch}
              </Button>
            ) : (
              <>
                <Button onClick={() => fileInput.current?.click()}>{t.browser.uploadFiles}</Button>
                <Button variant="secondary" onClick={() => setDialog({ kind: 'folder' })}>
                  {t.browser.createFolder}
                </Button>
              </>
            )}
          </EmptyStateActions>
          {searching && nextToken && (
            <EmptyStateActions>
              <Button variant="secondary" onClick={loadMore} isLoading={loadingMore}>
                {t.browser.loadMore}
              </Button>
            </EmptyStateActions>
          )}
        </EmptyStateFooter>
      </EmptyState>
    );
  } else {
    body = (
      <>
        <Table aria-label={t.browser.tableLabel} variant="compact" data-testid="object-table">
          <Thead>
            <Tr>
              <Th className="pf-v6-c-table__check" aria-label={t.browser.selectAll}>
                <Checkbox
                  id="select-all"
                  aria-label={t.browser.selectAll}
                  isChecked={allSelected ? true : selectedRows.length ? null : false}
                  onChange={(_e, checked) =>
                    setSelected(checked ? new Set(rows.map((r) => r.id)) : new Set())
                  }
                />
              </Th>
              <Th sort={sortParams(1)} width={50}>
                {t.common.name}
              </Th>
              <Th sort={sortParams(2)} modifier="nowrap">
                {t.common.size}
              </Th>
              <Th sort={sortParams(3)} modifier="nowrap">
                {t.common.lastModified}
              </Th>
              <Th screenReaderText={t.common.actions} />
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((row, index) => (
              <Tr
                key={row.id}
                isRowSelected={selected.has(row.id)}
                data-testid="object-row"
                data-name={row.name}
              >
                <Td className="pf-v6-c-table__check">
                  <Checkbox
                    id={`select-${index}`}
                    aria-label={t.browser.selectRow(row.name)}
                    isChecked={selected.has(row.id)}
                    onChange={(event, checked) =>
                      toggleRow(index, checked, (event.nativeEvent as MouseEvent).shiftKey === true)
                    }
                  />
                </Td>
                <Td dataLabel={t.common.name}>
                  <span className="odh-tec-name-cell">
                    {row.type === 'folder' ? (
                      <FolderIcon aria-label={t.browser.folder} />
                    ) : (
                      <FileIcon aria-label={t.browser.file} />
                    )}
                    <Button
                      variant="link"
                      isInline
                      onClick={() =>
                        row.type === 'folder'
                          ? go(locationId, row.folder.prefix)
                          : setDialog({ kind: 'preview', key: row.file.key })
                      }
                    >
                      {row.name}
                    </Button>
                  </span>
                </Td>
                <Td dataLabel={t.common.size} className="odh-tec-nowrap">
                  {row.type === 'file' ? formatBytes(row.file.size) : '—'}
                </Td>
                <Td dataLabel={t.common.lastModified} className="odh-tec-nowrap">
                  {row.type === 'file' ? formatDate(row.file.last_modified) : '—'}
                </Td>
                <Td isActionCell>
                  <ActionsColumn
                    items={row.type === 'folder' ? folderActions(row.folder) : fileActions(row.file)}
                    actionsToggle={({ onToggle, isOpen, isDisabled, toggleRef }) => (
                      <MenuToggle
                        ref={toggleRef}
                        variant="plain"
                        onClick={onToggle}
                        isExpanded={isOpen}
                        isDisabled={isDisabled}
                        aria-label={t.browser.rowActions(row.name)}
                        icon={<EllipsisVIcon />}
                      />
                    )}
                  />
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
        <Flex
          className="pf-v6-u-mt-md"
          alignItems={{ default: 'alignItemsCenter' }}
          justifyContent={{ default: 'justifyContentSpaceBetween' }}
        >
          <FlexItem>
            <Content component="small" data-testid="loaded-count">
              {searchMode === 'contains' && searchText
                ? t.browser.containsNote(folders.length + files.length)
                : t.browser.loadedCount(folders.length + files.length, !!nextToken)}
            </Content>
          </FlexItem>
          {nextToken && (
            <FlexItem>
              <Button variant="secondary" onClick={loadMore} isLoading={loadingMore} isDisabled={loadingMore}>
                {t.browser.loadMore}
              </Button>
            </FlexItem>
          )}
        </Flex>
        {loadError && <Alert isInline variant="danger" title={loadError} className="pf-v6-u-mt-md" />}
      </>
    );
  }

  return (
    <>
      <PageSection>
        <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsMd' }}>
          <FlexItem>
            <Title headingLevel="h1">{t.browser.title}</Title>
          </FlexItem>
          <FlexItem>
            <LocationPicker locations={locations} current={locationId} onChange={(id) => go(id)} />
          </FlexItem>
        </Flex>
        <Breadcrumb aria-label={t.browser.breadcrumb} className="pf-v6-u-mt-md">
          <BreadcrumbItem
            isActive={segments.length === 0}
            render={({ className, ariaCurrent }) =>
              segments.length === 0 ? (
                <span className={className} aria-current={ariaCurrent}>
                  {locationName}
                </span>
              ) : (
                <Link className={className} to={`/browse/${encodeURIComponent(locationId)}`}>
                  {locationName}
                </Link>
              )
            }
          />
          {segments.map((segment, i) => {
            const target = `${segments.slice(0, i + 1).join('/')}/`;
            const last = i === segments.length - 1;
            return (
              <BreadcrumbItem
                key={target}
                isActive={last}
                render={({ className, ariaCurrent }) =>
                  last ? (
                    <span className={className} aria-current={ariaCurrent}>
                      {segment}
                    </span>
                  ) : (
                    <Link
                      className={className}
                      to={`/browse/${encodeURIComponent(locationId)}?prefix=${encodeURIComponent(target)}`}
                    >
                      {segment}
                    </Link>
                  )
                }
              />
            );
          })}
        </Breadcrumb>
      </PageSection>
      <PageSection isFilled>
        <div
          className={`odh-tec-dropzone${dragging ? ' is-dragging' : ''}`}
          data-drop-label={t.browser.dropHere}
          data-testid="dropzone"
          onDragEnter={(e) => {
            if (!hasFiles(e)) return;
            e.preventDefault();
            dragDepth.current += 1;
            setDragging(true);
          }}
          onDragOver={(e) => {
            if (hasFiles(e)) e.preventDefault();
          }}
          onDragLeave={() => {
            dragDepth.current = Math.max(0, dragDepth.current - 1);
            if (!dragDepth.current) setDragging(false);
          }}
          onDrop={onDrop}
        >
          {toolbar}
          {searchProblem && (
            <Alert
              isInline
              isPlain
              variant="warning"
              title={t.browser.searchSlash}
              className="pf-v6-u-mb-sm"
            />
          )}
          {body}
        </div>
        {[
          { ref: fileInput, label: t.browser.uploadFiles, testId: 'file-input' },
          { ref: folderInput, label: t.browser.uploadFolder, testId: 'folder-input' },
        ].map((input) => (
          <input
            key={input.testId}
            ref={input.ref}
            type="file"
            multiple
            className="odh-tec-hidden-input"
            aria-label={input.label}
            data-testid={input.testId}
            onChange={(e) => {
              addUploads(filesFromInput(e.target.files));
              e.target.value = '';
            }}
          />
        ))}
      </PageSection>

      {dialog?.kind === 'folder' && (
        <CreateFolderModal
          locationId={locationId}
          prefix={prefix}
          onClose={() => setDialog(null)}
          onCreated={reload}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteModal
          locationId={locationId}
          target={dialog.target}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            setSelected(new Set());
            reload();
          }}
        />
      )}
      {dialog?.kind === 'preview' && (
        <PreviewModal
          locationId={locationId}
          fileKey={dialog.key}
          onClose={() => setDialog(null)}
          onGone={() => gone(dialog.key)}
        />
      )}
      {dialog?.kind === 'details' && (
        <DetailsModal
          locationId={locationId}
          fileKey={dialog.key}
          onClose={() => setDialog(null)}
          onGone={() => gone(dialog.key)}
        />
      )}
      {dialog?.kind === 'copy' && (
        <CopyMoveModal
          locationId={locationId}
          keys={dialog.keys}
          prefixes={dialog.prefixes}
          currentPrefix={prefix}
          onClose={() => setDialog(null)}
          onStarted={() => setSelected(new Set())}
          onGone={reload}
        />
      )}
      {dialog?.kind === 'rename' && (
        <RenameModal
          locationId={locationId}
          prefix={prefix}
          target={dialog.target}
          siblings={[...folders.map((f) => f.name), ...files.map((f) => f.name)]}
          onClose={() => setDialog(null)}
          onRenamed={reload}
          onGone={gone}
        />
      )}
      {dialog?.kind === 'hf' && (
        <HfImportModal
          locationId={locationId}
          locationName={locationName}
          prefix={prefix}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'uploads' && <UploadsModal onClose={() => setDialog(null)} />}
    </>
  );
}
