/** The one typed client of the HTTP API. Every failure becomes an ApiError carrying the server's message. */
import { apiUrl, seg } from './base';
import type {
  ApiErrorBody,
  BucketCreated,
  BucketDeleted,
  BucketList,
  ClearedJobs,
  Connection,
  ConnectionDeleted,
  ConnectionList,
  ConnectionTestResult,
  ConnectionValues,
  CopyPrecheck,
  CopySource,
  Deleted,
  Destination,
  Disclaimer,
  FolderCreated,
  HfPreview,
  HfSource,
  Info,
  Job,
  JobList,
  Listing,
  LocationList,
  NewConnection,
  ObjectStat,
  Presigned,
  Preview,
  SelectionDeleted,
  Settings,
  SettingsSection,
  SyncPlan,
  SyncRequest,
  TestResult,
  TransferRequest,
} from './types';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Turn a non-2xx response into an ApiError with the server's `{error, message}`. */
export async function errorFrom(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = await response.json();
  } catch {
    /* not JSON */
  }
  return new ApiError(
    response.status,
    body.error ?? `HTTP${response.status}`,
    body.message ?? `${response.status} ${response.statusText || 'request failed'}`,
  );
}

export function errorFromXhr(xhr: XMLHttpRequest): ApiError {
  try {
    const body = JSON.parse(xhr.responseText) as ApiErrorBody;
    return new ApiError(xhr.status, body.error, body.message);
  } catch {
    return new ApiError(
      xhr.status,
      `HTTP${xhr.status}`,
      `${xhr.status} ${xhr.statusText || 'request failed'}`,
    );
  }
}

/** One JSON request; network failures and non-2xx answers become ApiErrors. */
export async function request<T>(
  method: string,
  url: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      signal,
      headers:
        body === undefined
          ? { Accept: 'application/json' }
          : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NetworkError', `The server could not be reached (${(err as Error).message})`);
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const get = <T>(url: string, signal?: AbortSignal) => request<T>('GET', url, undefined, signal);
const loc = (id: string, path: string, query?: Record<string, string | number | undefined | string[]>) =>
  apiUrl(`/locations/${seg(id)}${path}`, query);

export const api = {
  info: () => get<Info>(apiUrl('/info')),
  disclaimer: () => get<Disclaimer>(apiUrl('/disclaimer')),
  acceptDisclaimer: () => request<Disclaimer>('PUT', apiUrl('/disclaimer'), { accepted: true }),

  locations: () => get<LocationList>(apiUrl('/locations')),
  list: (
    locationId: string,
    params: { prefix: string; page_token?: string | null; search?: string; page_size?: number },
    signal?: AbortSignal,
  ) =>
    get<Listing>(
      loc(locationId, '/objects', {
        prefix: params.prefix,
        page_token: params.page_token ?? undefined,
        search: params.search || undefined,
        page_size: params.page_size,
      }),
      signal,
    ),
  stat: (locationId: string, key: string) => get<ObjectStat>(loc(locationId, '/object', { key })),
  createFolder: (locationId: string, prefix: string) =>
    request<FolderCreated>('POST', loc(locationId, '/folders'), { prefix }),
  deleteObject: (locationId: string, key: string) =>
    request<Deleted>('DELETE', loc(locationId, '/object', { key })),
  deleteFolder: (locationId: string, prefix: string) =>
    request<Deleted>('DELETE', loc(locationId, '/folder', { prefix })),
  deleteSelection: (locationId: string, keys: string[], prefixes: string[]) =>
    request<SelectionDeleted>('POST', loc(locationId, '/delete'), { keys, prefixes }),
  /** A share link: a presigned download URL for one S3 object, valid `expiresSeconds`. */
  presign: (locationId: string, key: string, expiresSeconds: number) =>
    request<Presigned>('POST', loc(locationId, '/presign'), { key, expires_seconds: expiresSeconds }),
  preview: (locationId: string, key: string, signal?: AbortSignal) =>
    get<Preview>(loc(locationId, '/preview', { key }), signal),

  // Plain URLs for the browser to fetch itself (downloads, images, uploads).
  uploadUrl: (locationId: string, key: string) => loc(locationId, '/object', { key }),
  downloadUrl: (locationId: string, key: string) => loc(locationId, '/download', { key }),
  previewRawUrl: (locationId: string, key: string) => loc(locationId, '/preview/raw', { key }),
  zipUrl: (locationId: string, prefixes: string[], keys: string[]) =>
    loc(locationId, '/zip', { prefix: prefixes, key: keys }),

  /** The buckets of one S3 connection (the default one when none is named). */
  buckets: (connection?: string) => get<BucketList>(apiUrl('/buckets', { connection })),
  createBucket: (name: string, connection?: string) =>
    request<BucketCreated>('POST', apiUrl('/buckets'), connection ? { name, connection } : { name }),
  deleteBucket: (name: string, empty: boolean, connection?: string) =>
    request<BucketDeleted>(
      'DELETE',
      apiUrl(`/buckets/${seg(name)}`, { empty: empty ? 'true' : undefined, connection }),
    ),

  connections: () => get<ConnectionList>(apiUrl('/connections')),
  addConnection: (body: NewConnection) => request<Connection>('POST', apiUrl('/connections'), body),
  editConnection: (name: string, body: ConnectionValues) =>
    request<Connection>('PUT', apiUrl(`/connections/${seg(name)}`), body),
  deleteConnection: (name: string) =>
    request<ConnectionDeleted>('DELETE', apiUrl(`/connections/${seg(name)}`)),
  testConnection: (name: string) =>
    request<ConnectionTestResult>('POST', apiUrl(`/connections/${seg(name)}/test`)),

  settings: () => get<Settings>(apiUrl('/settings')),
  saveSettings: (section: SettingsSection, body: Record<string, unknown>) =>
    request<Settings>('PUT', apiUrl(`/settings/${section}`), body),
  testSettings: (section: Exclude<SettingsSection, 'transfers'>, body: Record<string, unknown>) =>
    request<TestResult>('POST', apiUrl(`/settings/${section}/test`), body),

  transfers: () => get<JobList>(apiUrl('/transfers')),
  startTransfer: (body: TransferRequest) => request<Job>('POST', apiUrl('/transfers'), body),
  cancelTransfer: (id: string) => request<Job>('POST', apiUrl(`/transfers/${seg(id)}/cancel`)),
  /** Forget a finished job (it leaves the list; a `removed` event follows). */
  removeTransfer: (id: string) => request<Job>('DELETE', apiUrl(`/transfers/${seg(id)}`)),
  clearFinishedTransfers: () => request<ClearedJobs>('DELETE', apiUrl('/transfers')),
  hfPreview: (source: HfSource, destination: Destination) =>
    request<HfPreview>('POST', apiUrl('/transfers/huggingface/preview'), { source, destination }),
  copyPrecheck: (source: CopySource, destination: Destination) =>
    request<CopyPrecheck>('POST', apiUrl('/transfers/copy/precheck'), {
      kind: 'copy',
      source,
      destination,
      conflict: 'skip',
    }),
  /** A sync's dry run: what it would copy, skip and delete (moves nothing). */
  syncPlan: (body: SyncRequest) => request<SyncPlan>('POST', apiUrl('/transfers/sync/plan'), body),
  transferEventsUrl: () => apiUrl('/transfers/events'),
};

export type { ApiErrorBody };
