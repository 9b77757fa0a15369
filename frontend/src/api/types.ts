/**
 * Shapes of the HTTP API (docs/api.md), under the names the UI uses.
 *
 * Everything the OpenAPI document describes comes from the generated schema.d.ts (`make api-types`),
 * so a change to a response model shows up here as a type error. Hand-written types are kept only
 * for what the document does not hold: the Server-Sent Events of the transfers stream (a text
 * stream, documented in docs/api.md) and UI-side names for route parameters.
 */
import type { components, paths } from './schema';

type Schemas = components['schemas'];

export type ApiErrorBody = Schemas['ErrorBody'];

// System -----------------------------------------------------------------------------------------

export type Info = Schemas['Info'];
export type Disclaimer = Schemas['Disclaimer'];
export type Location = Schemas['Location'];
export type LocationList = Schemas['LocationList'];

// Objects and buckets ----------------------------------------------------------------------------

export type FolderEntry = Schemas['FolderEntry'];
export type FileEntry = Schemas['FileEntry'];
export type Listing = Schemas['ObjectListing'];
export type ObjectStat = Schemas['ObjectStat'];
export type FolderCreated = Schemas['FolderCreated'];
export type Deleted = Schemas['Deleted'];
export type SelectionDeleted = Schemas['SelectionDeleted'];
export type Presigned = Schemas['Presigned'];

export type Bucket = Schemas['Bucket'];
export type BucketList = Schemas['BucketList'];
export type BucketCreated = Schemas['BucketCreated'];
export type BucketDeleted = Schemas['BucketDeleted'];

// Settings ---------------------------------------------------------------------------------------

export type Settings = Schemas['Settings'];
export type EmbeddedCredentials = Schemas['EmbeddedCredentials'];
/** The path segment of `PUT /api/settings/{section}`: one route each, not a parameter of the document. */
export type SettingsSection = 's3' | 'huggingface' | 'proxy' | 'transfers' | 'registry';
export type TestResult = Schemas['S3TestResult'] | Schemas['HubTestResult'] | Schemas['ProxyTestResult'];

// S3 connections ---------------------------------------------------------------------------------

export type Connection = Schemas['ConnectionView'];
export type ConnectionList = Schemas['ConnectionList'];
export type ConnectionDeleted = Schemas['ConnectionDeleted'];
export type ConnectionValues = Schemas['ConnectionValues'];
export type NewConnection = Schemas['NamedConnectionValues'];
export type ConnectionTestResult = Schemas['S3TestResult'];
export type ConnectionProblem = Schemas['ConnectionProblem'];

// Previews ---------------------------------------------------------------------------------------

export type TextPreview = Schemas['TextPreview'];
export type TablePreview = Schemas['TablePreview'];
export type ParquetPreview = Schemas['ParquetPreview'];
export type ImagePreview = Schemas['ImagePreview'];
export type BinaryPreview = Schemas['BinaryPreview'];
/** One of the above, by `kind`. */
export type Preview =
  paths['/api/locations/{location_id}/preview']['get']['responses'][200]['content']['application/json'];

// Transfers --------------------------------------------------------------------------------------

export type JobState = Schemas['JobState'];
export type FileState = Schemas['FileState'];
export type ConflictPolicy = NonNullable<Schemas['CopyTransferRequest']['conflict']>;
export type JobFile = Schemas['JobFile'];
export type Job = Schemas['Job'];
export type JobList = Schemas['JobList'];
export type ClearedJobs = Schemas['ClearedJobs'];

/**
 * A `job` event on the SSE stream: the full job (`files`, first and final events), or the job without
 * its files plus `files_changed` (only the entries that changed since the previous event).
 */
export type JobEvent = Omit<Job, 'files'> & {
  files?: JobFile[];
  files_changed?: JobFile[];
  files_count?: number;
};

export type HfSource = Schemas['HFSource'];
export type Destination = Schemas['Destination'];
export type HfPreview = Schemas['HfPreview'];
export type CopySource = Schemas['CopySource'];
export type CopyPrecheck = Schemas['CopyPrecheck'];
export type SyncRequest = Schemas['SyncTransferRequest'];
export type SyncPlan = Schemas['SyncPlan'];
export type SyncPlanFile = Schemas['SyncPlanFile'];
export type ModelCarRequest = Schemas['ModelCarTransferRequest'];
export type ModelCarInfo = Schemas['ModelCarInfo'];
export type TransferRequest =
  Schemas['HFTransferRequest'] | Schemas['CopyTransferRequest'] | SyncRequest | ModelCarRequest;
