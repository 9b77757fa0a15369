/**
 * Browser uploads: each file is one XHR `PUT …/object?key=` with the raw file as the body (progress
 * events, real cancel via abort: the server then aborts its multipart upload). At most
 * MAX_CONCURRENT_TRANSFERS files at a time. `If-None-Match: *` makes the server answer 412 instead of
 * overwriting, and the user decides.
 */
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { api, errorFromXhr } from '../api/client';
import { useAppData } from './appData';

export type UploadState = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled' | 'skipped' | 'conflict';

export interface UploadItem {
  id: number;
  file: File;
  locationId: string;
  key: string;
  size: number;
  loaded: number;
  state: UploadState;
  error?: string;
  rate: number;
  overwrite: boolean;
}

export interface PendingFile {
  file: File;
  path: string; // relative path, '/'-separated (folders keep their structure)
}

type Listener = () => void;
type DoneListener = (item: UploadItem) => void;

const RENDER_INTERVAL = 250;

/** Answer a conflict: queue the item again to overwrite, or skip it. */
function settle(item: UploadItem, overwrite: boolean) {
  if (overwrite) {
    item.overwrite = true;
    item.state = 'queued';
  } else item.state = 'skipped';
}

export class UploadManager {
  private items: UploadItem[] = [];
  private snapshot: UploadItem[] = [];
  private xhrs = new Map<number, XMLHttpRequest>();
  private samples = new Map<number, Array<[number, number]>>();
  private listeners = new Set<Listener>();
  private doneListeners = new Set<DoneListener>();
  private nextId = 1;
  private timer: number | undefined;
  limit = 2;

  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

  onDone(listener: DoneListener) {
    this.doneListeners.add(listener);
    return () => {
      this.doneListeners.delete(listener);
    };
  }

  private emit(now = false) {
    const flush = () => {
      this.timer = undefined;
      this.snapshot = this.items.map((item) => ({ ...item }));
      this.listeners.forEach((l) => l());
    };
    if (now) {
      window.clearTimeout(this.timer);
      flush();
    } else if (this.timer === undefined) {
      this.timer = window.setTimeout(flush, RENDER_INTERVAL);
    }
  }

  add(files: PendingFile[], locationId: string, prefix: string) {
    for (const { file, path } of files) {
      const clean = path.replace(/^\.?\/+/, '');
      this.items.push({
        id: this.nextId++,
        file,
        locationId,
        key: prefix + clean,
        size: file.size,
        loaded: 0,
        state: 'queued',
        rate: 0,
        overwrite: false,
      });
    }
    this.emit(true);
    this.pump();
  }

  private get active() {
    return this.items.filter((i) => i.state === 'uploading').length;
  }

  private pump() {
    while (this.active < Math.max(1, this.limit)) {
      const next = this.items.find((i) => i.state === 'queued');
      if (!next) break;
      this.start(next);
    }
  }

  private finish(item: UploadItem, state: UploadState, error?: string) {
    item.state = state;
    item.error = error;
    item.rate = 0;
    this.xhrs.delete(item.id);
    this.samples.delete(item.id);
    this.emit(true);
    if (state === 'done') this.doneListeners.forEach((l) => l(item));
    this.pump();
  }

  private start(item: UploadItem) {
    const xhr = new XMLHttpRequest();
    item.state = 'uploading';
    item.loaded = 0;
    item.error = undefined;
    this.xhrs.set(item.id, xhr);
    this.samples.set(item.id, [[performance.now(), 0]]);
    xhr.open('PUT', api.uploadUrl(item.locationId, item.key));
    xhr.setRequestHeader('Content-Type', item.file.type || 'application/octet-stream');
    if (!item.overwrite) xhr.setRequestHeader('If-None-Match', '*');
    xhr.upload.onprogress = (event) => {
      item.loaded = event.loaded;
      const now = performance.now();
      const samples = this.samples.get(item.id) ?? [];
      samples.push([now, event.loaded]);
      while (samples.length > 2 && now - samples[0][0] > 3000) samples.shift();
      const [t0, b0] = samples[0];
      item.rate = now > t0 ? ((event.loaded - b0) * 1000) / (now - t0) : 0;
      this.emit();
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        item.loaded = item.size;
        this.finish(item, 'done');
      } else if (xhr.status === 412) {
        item.loaded = 0;
        this.finish(item, 'conflict');
      } else {
        this.finish(item, 'failed', errorFromXhr(xhr).message);
      }
    };
    xhr.onerror = () => this.finish(item, 'failed', 'The connection to the server was lost');
    xhr.onabort = () => this.finish(item, 'cancelled');
    xhr.send(item.file);
    this.emit(true);
  }

  cancel(id: number) {
    const item = this.items.find((i) => i.id === id);
    if (!item) return;
    const xhr = this.xhrs.get(id);
    if (xhr) xhr.abort();
    else if (item.state === 'queued' || item.state === 'conflict') this.finish(item, 'cancelled');
  }

  cancelAll() {
    for (const item of this.items)
      if (item.state === 'queued' || item.state === 'conflict') item.state = 'cancelled';
    for (const xhr of [...this.xhrs.values()]) xhr.abort();
    this.emit(true);
  }

  resolve(id: number, overwrite: boolean) {
    const item = this.items.find((i) => i.id === id);
    if (!item || item.state !== 'conflict') return;
    settle(item, overwrite);
    this.emit(true);
    this.pump();
  }

  resolveAll(overwrite: boolean) {
    for (const item of this.items) {
      if (item.state === 'conflict') settle(item, overwrite);
    }
    this.emit(true);
    this.pump();
  }

  clearFinished() {
    this.items = this.items.filter(
      (i) => i.state === 'queued' || i.state === 'uploading' || i.state === 'conflict',
    );
    this.emit(true);
  }
}

const UploadsContext = createContext<UploadManager | null>(null);

export function UploadsProvider({ children }: { children: ReactNode }) {
  const manager = useMemo(() => new UploadManager(), []);
  const { settings } = useAppData();
  useEffect(() => {
    if (settings) manager.limit = settings.transfers.max_concurrent_transfers;
  }, [manager, settings]);
  useEffect(() => {
    // Leaving the page with uploads running would cut them: ask first.
    const guard = (event: BeforeUnloadEvent) => {
      if (manager.getSnapshot().some((i) => i.state === 'uploading' || i.state === 'queued')) {
        event.preventDefault();
      }
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [manager]);
  return <UploadsContext.Provider value={manager}>{children}</UploadsContext.Provider>;
}

export function useUploadManager(): UploadManager {
  const manager = useContext(UploadsContext);
  if (!manager) throw new Error('useUploadManager outside UploadsProvider');
  return manager;
}

export function useUploads(): UploadItem[] {
  const manager = useUploadManager();
  return useSyncExternalStore(manager.subscribe, manager.getSnapshot);
}
