/** Shapes of the HTTP API (docs/api.md). */

export interface ApiErrorBody {
  error: string;
  message: string;
}

export interface Info {
  version: string;
  embedded_s3: boolean;
  s3_endpoint: string;
  nb_prefix: string;
}

export interface Disclaimer {
  accepted: boolean;
  accepted_at: string | null;
}

export interface Location {
  id: string;
  kind: 's3' | 'local';
  name: string;
  path?: string;
  available: boolean;
  default: boolean;
}

export interface FolderEntry {
  prefix: string;
  name: string;
}

export interface FileEntry {
  key: string;
  name: string;
  size: number;
  last_modified: string | null;
  etag: string | null;
}

export interface Listing {
  prefix: string;
  folders: FolderEntry[];
  files: FileEntry[];
  next_page_token: string | null;
}

export interface ObjectStat extends FileEntry {
  content_type: string | null;
  metadata: Record<string, string>;
}

export interface Bucket {
  name: string;
  created: string | null;
}

export interface BucketList {
  buckets: Bucket[];
  default_bucket: string | null;
  list_denied: boolean;
}

export interface Settings {
  s3: {
    endpoint: string;
    region: string;
    access_key_id: string;
    secret_access_key_set: boolean;
    default_bucket: string;
    embedded: boolean;
  };
  huggingface: { endpoint: string; token_set: boolean };
  proxy: { http_proxy: string; https_proxy: string; no_proxy: string };
  transfers: { max_concurrent_transfers: number; max_files_per_page: number };
}

export type SettingsSection = 's3' | 'huggingface' | 'proxy' | 'transfers';

export interface TestResult {
  ok: boolean;
  message: string;
  error?: string;
}

// Previews ---------------------------------------------------------------------------------------

interface PreviewBase {
  truncated: boolean;
  key: string;
  name: string;
  size: number;
  content_type: string | null;
}

export interface TextPreview extends PreviewBase {
  kind: 'text' | 'json';
  language: string;
  text: string;
  bytes_shown?: number;
}

export interface TablePreview extends PreviewBase {
  kind: 'table';
  format: 'csv' | 'tsv' | 'jsonl';
  columns: string[];
  rows: Array<Array<string | number | boolean | null>>;
}

export interface ParquetPreview extends PreviewBase {
  kind: 'parquet';
  schema: Array<{ name: string; type: string; nullable: boolean }>;
  num_rows: number;
  num_row_groups: number;
  created_by: string | null;
  columns: string[];
  rows: Array<Array<string | number | boolean | null>>;
  note: string | null;
  bytes_read: number;
}

export interface ImagePreview extends PreviewBase {
  kind: 'image';
  image_type: string;
}

export interface BinaryPreview extends PreviewBase {
  kind: 'binary';
}

export type Preview = TextPreview | TablePreview | ParquetPreview | ImagePreview | BinaryPreview;

// Transfers --------------------------------------------------------------------------------------

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type FileState = 'queued' | 'running' | 'done' | 'skipped' | 'failed' | 'cancelled';
export type ConflictPolicy = 'skip' | 'overwrite' | 'rename';

export interface JobFile {
  path: string;
  destination_key?: string;
  size: number | null;
  bytes_done: number;
  state: FileState;
  error: string | null;
}

export interface Job {
  id: string;
  /** Per job, grows with every change the server sends: of two copies, the higher version is the newer. */
  version?: number;
  kind: 'huggingface' | 'copy' | 'move';
  state: JobState;
  title: string;
  source: Record<string, unknown>;
  /** `key`: a copy or move of one file to an exact key (a rename); `repo_folder`: Hub imports. */
  destination: { location_id: string; prefix: string; key?: string; repo_folder?: boolean };
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** When a restart of the app picked the job up again; null if it never had to. */
  resumed_at?: string | null;
  resolved_revision: string | null;
  error: string | null;
  totals: {
    files: number;
    files_done: number;
    files_failed: number;
    files_skipped: number;
    bytes: number;
    bytes_done: number;
    rate_bps: number | null;
    eta_seconds: number | null;
  };
  files: JobFile[];
  files_count?: number;
}

/**
 * A `job` event on the SSE stream: the full job (`files`, first and final events), or the job without
 * its files plus `files_changed` (only the entries that changed since the previous event).
 */
export type JobEvent = Omit<Job, 'files'> & {
  files?: JobFile[];
  files_changed?: JobFile[];
  files_count?: number;
};

export interface HfSource {
  repo_id: string;
  repo_type: 'model' | 'dataset';
  revision: string;
  include: string[];
  exclude: string[];
  token: string | null;
}

export interface Destination {
  location_id: string;
  prefix: string;
  /** Copies and moves of one file: its exact new key (a rename). */
  key?: string;
  /** Hub imports: false puts the files directly under `prefix` (the UI puts the repo id in it). */
  repo_folder?: boolean;
}

export interface HfPreview {
  repo_id: string;
  repo_type: string;
  revision: string;
  sha: string;
  files: Array<{ path: string; size: number; sha256: string | null; exists: boolean }>;
  total_size: number;
  file_count: number;
}

export interface CopySource {
  location_id: string;
  keys: string[];
  prefixes: string[];
}

export interface CopyPrecheck {
  files: number;
  total_size: number;
  conflicts: Array<{ source_key: string; destination_key: string }>;
}

export type TransferRequest =
  | { kind: 'huggingface'; source: HfSource; destination: Destination }
  | { kind: 'copy' | 'move'; source: CopySource; destination: Destination; conflict: ConflictPolicy };
