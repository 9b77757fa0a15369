/**
 * Listings that stay true: the open folder reloads by itself when a transfer job that touched it ends
 * (a move's source, any job's destination), and a row that is no longer there explains itself.
 */
import { useCallback, useEffect } from 'react';
import { ApiError } from '../../api/client';
import type { Job } from '../../api/types';
import { useToasts } from '../../app/toasts';
import { useTransfers } from '../../app/transfers';
import { baseName, folderOf, parentOf, type CopySourceShape } from '../../app/jobText';
import { t } from '../../i18n/strings';

const REFRESH_DELAY = 300;

/** Whether a finished job may have changed what the folder `prefix` of `locationId` lists. */
export function jobTouches(job: Job, locationId: string, prefix: string): boolean {
  // Changes in a folder show in it and in every folder above it (a sub-folder appears or goes).
  const related = (folder: string) => folder.startsWith(prefix) || prefix.startsWith(folder);
  const d = job.destination;
  if (d?.location_id === locationId && related(d.key ? parentOf(d.key) : folderOf(d.prefix))) return true;
  const source = job.source as CopySourceShape;
  if (job.kind === 'move' && source.location_id === locationId)
    return [...(source.keys ?? []), ...(source.prefixes ?? [])].some((path) => related(parentOf(path)));
  return false;
}

export function useJobRefresh(locationId: string | undefined, prefix: string, reload: () => void) {
  const { onFinished } = useTransfers();
  useEffect(() => {
    if (!locationId) return;
    let timer: number | undefined;
    const off = onFinished((job) => {
      if (!jobTouches(job, locationId, prefix)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(reload, REFRESH_DELAY);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [onFinished, locationId, prefix, reload]);
}

/** The object or folder asked for does not exist (any more). */
export const isGone = (err: unknown) =>
  err instanceof ApiError && err.status === 404 && err.code === 'NoSuchKey';

/** A row that vanished (moved, renamed or deleted elsewhere): a friendly toast and a fresh listing. */
export function useGoneNotice(reload: () => void) {
  const { notify } = useToasts();
  return useCallback(
    (path: string) => {
      notify({ variant: 'warning', title: t.browser.gone(baseName(path)), message: t.browser.goneBody });
      reload();
    },
    [notify, reload],
  );
}
