/**
 * Transfer jobs, live: one EventSource per tab (GET /api/transfers/events). The stream starts with a
 * `snapshot` of every job, so a reload shows the same state; then `job` and `removed` events. A `job`
 * event carries either the full job (`files`) or only `files_changed`, merged here by `path`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Button } from '@patternfly/react-core';
import { useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import type { Job, JobEvent } from '../api/types';
import { t } from '../i18n/strings';
import { useToasts } from './toasts';

interface TransfersApi {
  jobs: Job[];
  connected: boolean;
  available: boolean;
  upsert: (job: Job) => void;
  cancel: (id: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
}

const TransfersContext = createContext<TransfersApi | null>(null);

export const isActive = (job: Pick<Job, 'state'>) => job.state === 'queued' || job.state === 'running';

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

export function TransfersProvider({ children }: { children: ReactNode }) {
  const { notify, notifyError } = useToasts();
  const navigate = useNavigate();
  const [jobs, setJobs] = useState<Map<string, Job>>(new Map());
  const [connected, setConnected] = useState(false);
  const [available, setAvailable] = useState(true);
  const seenActive = useRef<Set<string>>(new Set());
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;

  const announce = useCallback((job: Pick<Job, 'id' | 'state' | 'title' | 'error'>) => {
    if (isActive(job)) {
      seenActive.current.add(job.id);
      return;
    }
    if (!seenActive.current.delete(job.id)) return; // finished before this tab saw it run
    const action = (
      <Button variant="link" isInline onClick={() => navigateRef.current('/transfers')}>
        {t.copy.viewTransfers}
      </Button>
    );
    if (job.state === 'completed') notifyRef.current({ variant: 'success', title: t.transfers.finished(job.title), action });
    else if (job.state === 'failed')
      notifyRef.current({ variant: 'danger', title: t.transfers.failed(job.title), message: job.error ?? undefined, action });
    else if (job.state === 'cancelled') notifyRef.current({ variant: 'info', title: t.transfers.cancelled(job.title) });
  }, []);

  const upsert = useCallback(
    (job: Job) => {
      announce(job);
      setJobs((old) => new Map(old).set(job.id, job));
    },
    [announce],
  );

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
        const next = new Map<string, Job>();
        for (const job of data.jobs) {
          if (isActive(job)) seenActive.current.add(job.id);
          next.set(job.id, job);
        }
        setJobs(next);
      });
      source.addEventListener('job', (event) => {
        const update = JSON.parse((event as MessageEvent).data) as JobEvent;
        announce(update);
        setJobs((old) => new Map(old).set(update.id, mergeJobEvent(old.get(update.id), update)));
      });
      source.addEventListener('removed', (event) => {
        const { id } = JSON.parse((event as MessageEvent).data) as { id: string };
        setJobs((old) => {
          const next = new Map(old);
          next.delete(id);
          return next;
        });
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
  }, [announce]);

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
        setJobs((old) => {
          const next = new Map(old);
          next.delete(id);
          return next;
        });
      } catch (err) {
        notifyError(err);
      }
    },
    [notifyError],
  );

  const sorted = useMemo(
    () => [...jobs.values()].sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '')),
    [jobs],
  );
  const value = useMemo(
    () => ({ jobs: sorted, connected, available, upsert, cancel, remove }),
    [sorted, connected, available, upsert, cancel, remove],
  );
  return <TransfersContext.Provider value={value}>{children}</TransfersContext.Provider>;
}

export function useTransfers(): TransfersApi {
  const value = useContext(TransfersContext);
  if (!value) throw new Error('useTransfers outside TransfersProvider');
  return value;
}
