/**
 * What the UI calls a transfer job and its places: location names from /api/locations, never the internal
 * ids (`s3:bucket`, `local:pvc`) that the server's titles carry.
 */
import type { Job, Location } from '../api/types';
import { t } from '../i18n/strings';

export interface CopySourceShape {
  location_id?: string;
  keys?: string[];
  prefixes?: string[];
}

/** `a/b/c.txt` → `c.txt`; `a/b/` → `b`. */
export const baseName = (path: string) => path.replace(/\/+$/, '').split('/').pop() ?? path;

/** The folder that holds `path` (`a/b/c.txt` → `a/b/`, `a/b/` → `a/`, `c.txt` → ''). */
export function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  return cut < 0 ? '' : trimmed.slice(0, cut + 1);
}

/** A folder prefix as the server normalises it: no leading '/', one trailing '/', '' for the top. */
export function folderOf(prefix: string | undefined): string {
  const cleaned = (prefix ?? '').replace(/^\/+/, '');
  return !cleaned || cleaned.endsWith('/') ? cleaned : `${cleaned}/`;
}

/** A location as people write it: `bucket` (default S3 connection), `connection@bucket`, or the folder's name. */
export function locationLabel(l: Pick<Location, 'name' | 'connection'>): string {
  return l.connection && l.connection !== 'default' ? `${l.connection}@${l.name}` : l.name;
}

/** The location id of a bucket: `s3:bucket` on the default connection, `s3:connection@bucket` elsewhere. */
export function s3LocationId(connection: string | undefined, bucket: string): string {
  return !connection || connection === 'default' ? `s3:${bucket}` : `s3:${connection}@${bucket}`;
}

export function locationName(id: string, locations: Location[] | null | undefined): string {
  const found = locations?.find((l) => l.id === id);
  return found ? locationLabel(found) : id.replace(/^[a-z0-9]+:/, '');
}

/** `bucket/folder/` (or `bucket/folder/file` for an exact key). */
export function place(id: string, path: string, locations: Location[] | null | undefined): string {
  return `${locationName(id, locations)}/${path}`;
}

export function jobDestination(
  job: Pick<Job, 'destination'>,
  locations: Location[] | null | undefined,
): string {
  const d = job.destination;
  if (d?.image) return d.image; // a ModelCar: the registry is the destination
  if (!d?.location_id) return '';
  return place(d.location_id, d.key ? d.key.replace(/^\/+/, '') : folderOf(d.prefix), locations);
}

/** The title shown for a job: Hub imports keep the server's (`org/model@revision`); copies, moves and syncs
 * are described here, with location names. */
export function jobTitle(
  job: Pick<Job, 'kind' | 'title' | 'source' | 'destination'>,
  locations: Location[] | null | undefined,
): string {
  if (job.kind === 'sync') {
    const source = job.source as { location_id?: string; prefix?: string };
    if (!source.location_id) return job.title;
    const from = place(source.location_id, folderOf(source.prefix), locations);
    return t.transfers.syncTitle(from, jobDestination(job, locations));
  }
  if (job.kind !== 'copy' && job.kind !== 'move') return job.title;
  const source = job.source as CopySourceShape;
  const items = [...(source.prefixes ?? []), ...(source.keys ?? [])];
  const d = job.destination;
  if (
    job.kind === 'move' &&
    d?.key &&
    items.length === 1 &&
    source.location_id === d.location_id &&
    parentOf(items[0]) === parentOf(d.key)
  )
    return t.transfers.renameTitle(baseName(items[0]), baseName(d.key));
  const what = items.length === 1 ? `"${baseName(items[0])}"` : t.transfers.items(items.length);
  return t.transfers.copyTitle(job.kind, what, jobDestination(job, locations));
}
