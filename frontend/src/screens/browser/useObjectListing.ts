/**
 * The listing of one folder: the first page, "load more" pages, the search (a server-side "starts with", a
 * client-side "contains"), and the refreshes (on demand, after uploads into the folder, after transfer jobs).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import type { FileEntry, FolderEntry } from '../../api/types';
import { messageOf } from '../../app/toasts';
import { useUploadManager } from '../../app/uploads';
import { t } from '../../i18n/strings';
import { isGone, useJobRefresh } from './useJobRefresh';

export type SearchMode = 'prefix' | 'contains';

const SEARCH_DELAY = 350;
const UPLOAD_REFRESH_DELAY = 600;

function useDebounced<T>(value: T, delay: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delay);
    return () => window.clearTimeout(timer);
  }, [value, delay]);
  return debounced;
}

export function useObjectListing(locationId: string | undefined, prefix: string, pageSize?: number) {
  const uploads = useUploadManager();
  const [folders, setFolders] = useState<FolderEntry[]>([]);
  const [files, setFiles] = useState<FileEntry[]>([]);
  const [nextToken, setNextToken] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reloadTick, setReloadTick] = useState(0);
  const [searchText, setSearchText] = useState('');
  const [searchMode, setSearchMode] = useState<SearchMode>('prefix');

  // "Starts with" is a prefix within the folder: a slash in it would leave the folder.
  const searchProblem = searchMode === 'prefix' && searchText.includes('/');
  const serverSearch = useDebounced(
    searchMode === 'prefix' && !searchProblem ? searchText : '',
    SEARCH_DELAY,
  );
  /** The text the rows are filtered by on the client ("contains"), '' for none. */
  const containsText = searchMode === 'contains' ? searchText : '';

  const reload = useCallback(() => setReloadTick((n) => n + 1), []);
  useJobRefresh(locationId, prefix, reload);

  // Navigation clears the search.
  useEffect(() => setSearchText(''), [locationId, prefix]);

  // The folder and search of the rows on screen: a refresh of the same view keeps its rows until the new
  // page arrives (no flash of a spinner), another view shows the spinner instead of stale rows.
  const shownView = useRef<string | null>(null);

  // First page of the listing.
  useEffect(() => {
    if (!locationId) return;
    const controller = new AbortController();
    const view = JSON.stringify([locationId, prefix, serverSearch, pageSize]);
    if (shownView.current !== view) setLoading(true);
    setLoadError(null);
    api.list(locationId, { prefix, search: serverSearch, page_size: pageSize }, controller.signal).then(
      (listing) => {
        setFolders(listing.folders);
        setFiles(listing.files);
        setNextToken(listing.next_page_token);
        setLoading(false);
        shownView.current = view;
      },
      (err) => {
        if ((err as Error).name === 'AbortError') return;
        setFolders([]);
        setFiles([]);
        setNextToken(null);
        setLoadError(isGone(err) && prefix ? t.browser.folderGone : messageOf(err));
        setLoading(false);
        shownView.current = null;
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
      timer = window.setTimeout(reload, UPLOAD_REFRESH_DELAY);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [uploads, locationId, prefix, reload]);

  return {
    folders,
    files,
    nextToken,
    loading,
    loadingMore,
    loadError,
    loadMore,
    reload,
    searchText,
    setSearchText,
    searchMode,
    setSearchMode,
    searchProblem,
    serverSearch,
    containsText,
  };
}

export type ObjectListing = ReturnType<typeof useObjectListing>;
