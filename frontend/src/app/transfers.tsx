/**
 * Transfer jobs, live: one EventSource per tab (GET /api/transfers/events). The stream starts with a
 * `snapshot` of every job, so a reload shows the same state; then `job` and `removed` events. A `job`
 * event carries either the full job (`files`) or only `files_changed`, merged here by `path`.
 *
 * Every job the server sends carries a `version` that grows with each change. An update (an event, a
 * snapshot entry, the answer to start or cancel) replaces what the tab holds only when it is not older, so
 * the late answer to POST /api/transfers (`queued`) cannot undo the stream's `completed`, and delayed or
 * reordered events, or a snapshot after a dropped stream, end at the newest state.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { Button } from '@patternfly/react-core';
import { useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import type { Job, JobEvent } from '../api/types';
import { t } from '../i18n/strings';
import { useAppData } from './appData';
import { jobTitle } from './jobText';
import { useToasts } from './toasts';

type FinishedListener = (job: Job) => void;

interface TransfersApi {
  jobs: Job[];
  connected: boolean;
  available: boolean;
  /** Apply a job from an API answer; returns the copy the tab holds afterwards (the newer one). */
  upsert: (job: Job) => Job;
  cancel: (id: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  /** Forget every finished job, here and in the server's saved history. */
  clearFinished: () => Promise<void>;
  /** Called once for each job this tab sees end (completed, failed or cancelled); returns the unsubscribe. */
  onFinished: (listener: FinishedListener) => () => void;
  /** A title for a job started here (e.g. "Rename folder …"), used instead of the generic one. */
  label: (id: string, title: string) => void;
  /** What the UI calls a job: location names, never internal ids. */
  titleOf: (job: Job) => string;
}

const TransfersContext = createContext<TransfersApi | null>(null);

export const isActive = (job: Pick<Job, 'state'>) => job.state === 'queued' || job.state === 'running';

/** Whether `incoming` may replace `held`: not older (a server without versions: always). */
export function isNotOlder(held: Pick<Job, 'version'> | undefined, incoming: Pick<Job, 'version'>): boolean {
  return held?.version == null || incoming.version == null || incoming.version >= held.version;
}

/** The job a `job` event describes: as is when it has `files`, else `files_changed` merged into `old`. */
export function mergeJobEvent(old: Job | undefined, event: JobEvent): Job {
  const { files, files_changed: changed, ...fields } = event;
  if (files) return { ...fields, files };
  let merged = old?.files ?? [];
  if (changed && changed.length > 0) {
    const byPath = new Map(changed.map((f) => [f.path, f]));
    merged = merged.map((f) => {
      const update = byPath.get(f.path);
      if (!update) return f;
      byPath.delete(f.path);
      return update;
    });
    if (byPath.size > 0) merged = [...merged, ...byPath.values()]; // files this copy did not know yet
  }
  return { ...fields, files: merged };
}

/** Apply one update to what the tab holds: null when it is older than the held copy (dropped). */
export function applyJobEvent(held: Job | undefined, event: JobEvent): Job | null {
  if (held && !isNotOlder(held, event)) return null;
  return mergeJobEvent(held, event);
}

/** The jobs after a snapshot: exactly the snapshot's jobs (others were forgotten), each at its newer copy. */
export function applySnapshot(held: Map<string, Job>, jobs: Job[]): Map<string, Job> {
  const next = new Map<string, Job>();
  for (const job of jobs) {
    const mine = held.get(job.id);
    next.set(job.id, mine && !isNotOlder(mine, job) ? mine : job);
  }
  return next;
}

export function TransfersProvider({ children }: { children: ReactNode }) {
  const { notify, notifyError } = useToasts();
  const { locations } = useAppData();
  const navigate = useNavigate();
  const [jobs, setJobs] = useState<Map<string, Job>>(new Map());
  // The same map, readable at once: updates are judged against it (no side effects in state updaters).
  const held = useRef<Map<string, Job>>(new Map());
  const removed = useRef<Set<string>>(new Set()); // a late answer must not bring these back
  const [connected, setConnected] = useState(false);
  const [available, setAvailable] = useState(true);
  const seenActive = useRef<Set<string>>(new Set());
  const listeners = useRef<Set<FinishedListener>>(new Set());
  const labels = useRef<Map<string, string>>(new Map());
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;
  const locationsRef = useRef(locations);
  locationsRef.current = locations;

  // Stable, for toasts from the stream (which must not reconnect when the names arrive)…
  const describe = useCallback(
    (job: Job) => labels.current.get(job.id) ?? jobTitle(job, locationsRef.current),
    [],
  );
  // …and a new function for the screens when the location names change, so they re-render.
  const titleOf = useCallback(
    (job: Job) => labels.current.get(job.id) ?? jobTitle(job, locations),
    [locations],
  );

  const label = useCallback((id: string, title: string) => {
    labels.current.set(id, title);
  }, []);

  const commit = useCallback((next: Map<string, Job>) => {
    held.current = next;
    setJobs(next);
  }, []);

  const announce = useCallback(
    (job: Job) => {
      if (isActive(job)) {
        seenActive.current.add(job.id);
        return;
      }
      if (!seenActive.current.delete(job.id)) return; // finished before this tab saw it run
      const title = describe(job);
      const action = (
        <Button variant="link" isInline onClick={() => navigateRef.current('/transfers')}>
          {t.copy.viewTransfers}
        </Button>
      );
      if (job.state === 'completed')
        notifyRef.current({ variant: 'success', title: t.transfers.finished(title), action });
      else if (job.state === 'failed')
        notifyRef.current({
          variant: 'danger',
          title: t.transfers.failed(title),
          message: job.error ?? undefined,
          action,
        });
      else if (job.state === 'cancelled')
        notifyRef.current({ variant: 'info', title: t.transfers.cancelled(title) });
    },
    [describe],
  );

  const finished = useCallback((job: Job) => {
    for (const listener of [...listeners.current]) {
      try {
        listener(job);
      } catch (err) {
        console.warn('transfer listener failed', err);
      }
    }
  }, []);

  /** One update (event or API answer): applied only when not older than the held copy. */
  const apply = useCallback(
    (update: JobEvent): Job | undefined => {
      const before = held.current.get(update.id);
      if (removed.current.has(update.id)) return before;
      const job = applyJobEvent(before, update);
      if (!job) return before;
      commit(new Map(held.current).set(job.id, job));
      announce(job);
      if (!isActive(job) && (!before || isActive(before))) finished(job);
      return job;
    },
    [announce, commit, finished],
  );

  const upsert = useCallback((job: Job) => apply(job) ?? job, [apply]);

  const onFinished = useCallback((listener: FinishedListener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  useEffect(() => {
    let source: EventSource | null = null;
    let timer: number | undefined;
    let attempt = 0;
    let stopped = false;

    const connect = () => {
      if (stopped) return;
      source = new EventSource(api.transferEventsUrl());
      source.addEventListener('open', () => {
        attempt = 0;
        setConnected(true);
        setAvailable(true);
      });
      source.addEventListener('snapshot', (event) => {
        const data = JSON.parse((event as MessageEvent).data) as { jobs: Job[] };
        const before = held.current;
        const next = applySnapshot(before, data.jobs);
        commit(next);
        for (const job of next.values()) {
          const old = before.get(job.id);
          announce(job);
          // Ended while the stream was down: listeners hear of it now.
          if (old && isActive(old) && !isActive(job)) finished(job);
        }
      });
      source.addEventListener('job', (event) => {
        apply(JSON.parse((event as MessageEvent).data) as JobEvent);
      });
      source.addEventListener('removed', (event) => {
        const { id } = JSON.parse((event as MessageEvent).data) as { id: string };
        removed.current.add(id);
        const next = new Map(held.current);
        next.delete(id);
        commit(next);
      });
      source.addEventListener('error', () => {
        setConnected(false);
        if (source && source.readyState === EventSource.CLOSED) {
          // The browser gave up (e.g. HTTP error): retry ourselves, slowly when the route is missing.
          source.close();
          attempt += 1;
          api.transfers().then(
            () => setAvailable(true),
            (err) => setAvailable(err?.status !== 404),
          );
          timer = window.setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(attempt, 5)));
        }
      });
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      source?.close();
    };
  }, [announce, apply, commit, finished]);

  const cancel = useCallback(
    async (id: string) => {
      try {
        upsert(await api.cancelTransfer(id));
      } catch (err) {
        notifyError(err);
      }
    },
    [notifyError, upsert],
  );

  const remove = useCallback(
    async (id: string) => {
      try {
        await api.removeTransfer(id);
        removed.current.add(id);
        const next = new Map(held.current);
        next.delete(id);
        commit(next);
      } catch (err) {
        notifyError(err);
      }
    },
    [commit, notifyError],
  );

  const clearFinished = useCallback(async () => {
    try {
      const { cleared } = await api.clearFinishedTransfers();
      const next = new Map(held.current);
      for (const id of cleared) {
        removed.current.add(id);
        next.delete(id);
      }
      commit(next);
    } catch (err) {
      notifyError(err);
    }
  }, [commit, notifyError]);

  const sorted = useMemo(
    () => [...jobs.values()].sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '')),
    [jobs],
  );
  const value = useMemo(
    () => ({
      jobs: sorted,
      connected,
      available,
      upsert,
      cancel,
      remove,
      clearFinished,
      onFinished,
      label,
      titleOf,
    }),
    [sorted, connected, available, upsert, cancel, remove, clearFinished, onFinished, label, titleOf],
  );
  return <TransfersContext.Provider value={value}>{children}</TransfersContext.Provider>;
}

export function useTransfers(): TransfersApi {
  const value = useContext(TransfersContext);
  if (!value) throw new Error('useTransfers outside TransfersProvider');
  return value;
}
