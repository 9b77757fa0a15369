/**
 * Generated from the app's OpenAPI document by openapi-typescript: do not edit by hand.
 * Regenerate with `make api-types` after changing a route or a response model.
 */

export interface paths {
  '/api': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Livez
     * @description Liveness: the process answers. Never touches S3 (a slow S3 must not get the pod restarted).
     */
    get: operations['livez_api_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/livez': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Livez
     * @description Liveness: the process answers. Never touches S3 (a slow S3 must not get the pod restarted).
     */
    get: operations['livez_api_livez_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Health
     * @description Readiness, and what the UI shows about S3. Always 200 while the app serves: with S3 down the
     *     pod must stay routable, or nobody could reach the Settings page to fix the endpoint.
     */
    get: operations['health_api_health_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/kernels': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Kernels */
    get: operations['kernels_api_kernels_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/terminals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Terminals */
    get: operations['terminals_api_terminals_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/disclaimer': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Get Disclaimer */
    get: operations['get_disclaimer_api_disclaimer_get'];
    /** Put Disclaimer */
    put: operations['put_disclaimer_api_disclaimer_put'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/info': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Info */
    get: operations['info_api_info_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Locations */
    get: operations['locations_api_locations_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/buckets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List Buckets */
    get: operations['list_buckets_api_buckets_get'];
    put?: never;
    /** Create Bucket */
    post: operations['create_bucket_api_buckets_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/buckets/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete Bucket */
    delete: operations['delete_bucket_api_buckets__name__delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/objects': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List Objects */
    get: operations['list_objects_api_locations__location_id__objects_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/object': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Stat Object */
    get: operations['stat_object_api_locations__location_id__object_get'];
    /** Upload */
    put: operations['upload_api_locations__location_id__object_put'];
    post?: never;
    /** Delete Object */
    delete: operations['delete_object_api_locations__location_id__object_delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/download': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Download */
    get: operations['download_api_locations__location_id__download_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/folders': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Create Folder */
    post: operations['create_folder_api_locations__location_id__folders_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/folder': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete Folder */
    delete: operations['delete_folder_api_locations__location_id__folder_delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/delete': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Delete Selection */
    post: operations['delete_selection_api_locations__location_id__delete_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/presign': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Presign
     * @description A time-limited download URL for one S3 object. A POST: the answer carries a signature made with the
     *     configured keys, so a cross-site page must not be able to ask for one.
     */
    post: operations['presign_api_locations__location_id__presign_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Get Settings */
    get: operations['get_settings_api_settings_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/s3/embedded-credentials': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Embedded Credentials
     * @description The keys of the embedded S3, for the Settings page's "Reveal" and a notebook on this machine.
     *
     *     They are local-only keys (the embedded S3 listens on 127.0.0.1 and its keys file is on this disk),
     *     so they are the one secret the API hands out, on request only and never in `GET /settings`.
     *     A configured S3's keys are never returned: 404 whenever the S3 in use is not the embedded one.
     */
    get: operations['embedded_credentials_api_settings_s3_embedded_credentials_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/s3': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Put S3 */
    put: operations['put_s3_api_settings_s3_put'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/huggingface': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Put Hf */
    put: operations['put_hf_api_settings_huggingface_put'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/proxy': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Put Proxy */
    put: operations['put_proxy_api_settings_proxy_put'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/registry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Put Registry */
    put: operations['put_registry_api_settings_registry_put'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/transfers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Put Transfers */
    put: operations['put_transfers_api_settings_transfers_put'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/s3/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Test S3 */
    post: operations['test_s3_api_settings_s3_test_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/huggingface/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Test Hf
     * @description Is the Hub reachable (through the proxy, when one applies)? Then, if a token is set, is it valid?
     *     A token is optional: public models and datasets need none.
     */
    post: operations['test_hf_api_settings_huggingface_test_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/proxy/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Test Proxy */
    post: operations['test_proxy_api_settings_proxy_test_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/settings/registry/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Test Registry
     * @description Can the registry be reached (CA bundles and proxy apply), and does it accept the credentials?
     *     `GET /v2/` with the challenge flow (Basic, or a token from the registry's realm).
     */
    post: operations['test_registry_api_settings_registry_test_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/connections': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List Connections */
    get: operations['list_connections_api_connections_get'];
    put?: never;
    /** Add Connection */
    post: operations['add_connection_api_connections_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/connections/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Edit Connection */
    put: operations['edit_connection_api_connections__name__put'];
    post?: never;
    /** Delete Connection */
    delete: operations['delete_connection_api_connections__name__delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/connections/{name}/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Test Connection
     * @description Can this connection list buckets (or reach its default bucket)? With a body, its unsaved
     *     values are tried instead (nothing is saved). The default connection is tried as it is.
     */
    post: operations['test_connection_api_connections__name__test_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/transfers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List Jobs */
    get: operations['list_jobs_api_transfers_get'];
    put?: never;
    /** Start */
    post: operations['start_api_transfers_post'];
    /**
     * Clear Finished
     * @description Forget every finished job, in this run and in the saved history; running ones are untouched.
     */
    delete: operations['clear_finished_api_transfers_delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/transfers/huggingface/preview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Preview */
    post: operations['preview_api_transfers_huggingface_preview_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/transfers/copy/precheck': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Precheck */
    post: operations['precheck_api_transfers_copy_precheck_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/transfers/sync/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Sync Plan
     * @description A dry run: what the sync would copy, skip and delete, and by which rule. Totals count every file;
     *     `files` lists at most `limit` of each action.
     */
    post: operations['sync_plan_api_transfers_sync_plan_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/transfers/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Events
     * @description `snapshot` on connect, then `job` / `removed` events; comment lines keep proxies from timing out.
     *     Past `max_sse_subscribers` open streams, a new one is refused with 429.
     */
    get: operations['events_api_transfers_events_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/transfers/{job_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Get Job */
    get: operations['get_job_api_transfers__job_id__get'];
    put?: never;
    post?: never;
    /**
     * Delete
     * @description Cancel a running job; forget a finished one (it leaves the list, `removed` on the stream).
     */
    delete: operations['delete_api_transfers__job_id__delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/transfers/{job_id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel */
    post: operations['cancel_api_transfers__job_id__cancel_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/vram/estimate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Post Estimate
     * @description One estimate request -> one response (docs/vram.md). `model.repo_id` is fetched from the Hub.
     */
    post: operations['post_estimate_api_vram_estimate_post'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/vram/gpus': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get Gpus
     * @description The GPU catalog with usable memory (what CUDA reports as total).
     */
    get: operations['get_gpus_api_vram_gpus_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/vram/model': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get Model
     * @description Architecture summary of a Hub model: config.json + safetensors weight bytes.
     */
    get: operations['get_model_api_vram_model_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/preview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Preview
     * @description What the preview modal shows: `kind` is text, image, table, parquet, json or binary.
     */
    get: operations['preview_api_locations__location_id__preview_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/preview/raw': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Preview Raw
     * @description The bytes of an image, only with an allow-listed image type (never HTML, SVG or script).
     */
    get: operations['preview_raw_api_locations__location_id__preview_raw_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/locations/{location_id}/zip': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Download Zip
     * @description A folder (`prefix`), a selection (`key`, `prefix` repeated) or a whole location (`prefix=`) as one
     *     zip, streamed as it is read. Entries are named relative to the folder that holds each item.
     */
    get: operations['download_zip_api_locations__location_id__zip_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** BinaryPreview */
    BinaryPreview: {
      truncated: boolean;
      key: string;
      name: string;
      size: number;
      content_type: string | null;
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'binary';
    };
    /** Bucket */
    Bucket: {
      name: string;
      created: string | null;
    };
    /** BucketCreate */
    BucketCreate: {
      name: string;
      /** @default default */
      connection?: string;
    };
    /** BucketCreated */
    BucketCreated: {
      name: string;
    };
    /** BucketDeleted */
    BucketDeleted: {
      deleted_objects: number;
    };
    /** BucketList */
    BucketList: {
      connection: string;
      buckets: components['schemas']['Bucket'][];
      default_bucket: string | null;
      list_denied: boolean;
      message: string | null;
    };
    /** ClearedJobs */
    ClearedJobs: {
      cleared: string[];
    };
    /** ConnectionDeleted */
    ConnectionDeleted: {
      name: string;
    };
    /** ConnectionList */
    ConnectionList: {
      connections: components['schemas']['ConnectionView'][];
      max_connections: number;
    };
    /**
     * ConnectionProblem
     * @description An S3 connection whose buckets could not be listed: the others are listed all the same.
     */
    ConnectionProblem: {
      connection: string;
      error: string;
      message: string;
    };
    /**
     * ConnectionValues
     * @description What may be set on a connection, every field bounded; None: not given (a default, or kept).
     */
    ConnectionValues: {
      endpoint?: string | null;
      region?: string | null;
      access_key_id?: string | null;
      secret_access_key?: string | null;
      default_bucket?: string | null;
    };
    /** ConnectionView */
    ConnectionView: {
      name: string;
      endpoint: string;
      region: string;
      access_key_id: string;
      default_bucket: string;
      /** @enum {string} */
      source: 'env' | 'file' | 'settings';
      has_secret: boolean;
      editable: boolean;
    };
    /** CopyConflict */
    CopyConflict: {
      source_key: string;
      destination_key: string;
    };
    /** CopyJobSource */
    CopyJobSource: {
      location_id: string;
      keys: string[];
      prefixes: string[];
    };
    /** CopyPrecheck */
    CopyPrecheck: {
      files: number;
      total_size: number;
      conflicts: components['schemas']['CopyConflict'][];
    };
    /** CopySource */
    CopySource: {
      location_id: string;
      keys?: string[];
      prefixes?: string[];
    };
    /** CopyTransferRequest */
    CopyTransferRequest: {
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'copy' | 'move';
      source: components['schemas']['CopySource'];
      destination: components['schemas']['Destination'];
      /**
       * @default skip
       * @enum {string}
       */
      conflict?: 'skip' | 'overwrite' | 'rename';
      limit_rate?: number | null;
    };
    /**
     * DeleteFailure
     * @description A key the S3 server refused to delete, with its own error code.
     */
    DeleteFailure: {
      key: string | null;
      error: string | null;
      message: string | null;
    };
    /** DeleteSelection */
    DeleteSelection: {
      keys?: string[];
      prefixes?: string[];
    };
    /** Deleted */
    Deleted: {
      deleted: number;
    };
    /** Destination */
    Destination: {
      location_id: string;
      /** @default  */
      prefix?: string;
      /** @default true */
      repo_folder?: boolean;
      key?: string | null;
    };
    /** Disclaimer */
    Disclaimer: {
      accepted: boolean;
      accepted_at: string | null;
    };
    /** DisclaimerUpdate */
    DisclaimerUpdate: {
      accepted: boolean;
    };
    /** EmbeddedCredentials */
    EmbeddedCredentials: {
      endpoint: string;
      access_key_id: string;
      secret_access_key: string;
      credentials_file: string;
    };
    /**
     * ErrorBody
     * @description The body of every error answer (docs/api.md lists the codes).
     */
    ErrorBody: {
      error: string;
      message: string;
    };
    /** FileEntry */
    FileEntry: {
      key: string;
      name: string;
      size: number;
      last_modified: string | null;
      etag: string | null;
    };
    /**
     * FileState
     * @enum {string}
     */
    FileState: 'queued' | 'running' | 'done' | 'skipped' | 'failed' | 'cancelled';
    /** FolderCreate */
    FolderCreate: {
      prefix: string;
    };
    /** FolderCreated */
    FolderCreated: {
      prefix: string;
    };
    /** FolderEntry */
    FolderEntry: {
      prefix: string;
      name: string;
    };
    /** GpuEstimate */
    GpuEstimate: {
      gpu: number;
      per_gpu_gib: number;
      device_gib: number;
      reserved_gib: number;
      breakdown: {
        [key: string]: number;
      };
    };
    /** GpuInfo */
    GpuInfo: {
      name: string;
      usable_gib: number;
      nominal_gb: number;
      vendor: string;
      source: string;
      aliases: string[];
    };
    /** HFSource */
    HFSource: {
      repo_id: string;
      /**
       * @default model
       * @enum {string}
       */
      repo_type?: 'model' | 'dataset';
      /** @default main */
      revision?: string;
      include?: string[];
      exclude?: string[];
      token?: string | null;
    };
    /** HFTransferRequest */
    HFTransferRequest: {
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'huggingface';
      source: components['schemas']['HFSource'];
      destination: components['schemas']['Destination'];
      limit_rate?: number | null;
    };
    /** HFUpdate */
    HFUpdate: {
      endpoint?: string | null;
      token?: string | null;
    };
    /** Health */
    Health: {
      /** @constant */
      status: 'ok';
      s3: components['schemas']['S3Health'];
    };
    /** HfJobSource */
    HfJobSource: {
      repo_id: string;
      repo_type: string;
      revision: string;
      include: string[];
      exclude: string[];
      token_provided: boolean;
    };
    /** HfPreview */
    HfPreview: {
      repo_id: string;
      repo_type: string;
      revision: string;
      sha: string;
      gated: boolean | string;
      private: boolean;
      files: components['schemas']['HfPreviewFile'][];
      total_size: number;
      file_count: number;
      repo_file_count: number;
    };
    /** HfPreviewFile */
    HfPreviewFile: {
      path: string;
      size: number;
      sha256: string | null;
      lfs: boolean;
      destination_key: string;
      exists: boolean;
      skip: boolean;
    };
    /**
     * HubModelSummary
     * @description `GET /api/vram/model`: the summary, the Hub's files, and the config.json it was read from.
     */
    HubModelSummary: {
      model_type: string;
      architecture: string;
      parameters: number;
      active_parameters: number;
      hidden_size: number;
      num_layers: number;
      num_attention_heads: number;
      num_key_value_heads: number;
      head_dim: number;
      /** @enum {string} */
      attention: 'MHA' | 'GQA' | 'MQA' | 'MLA';
      intermediate_size: number;
      vocab_size: number;
      tie_word_embeddings: boolean;
      max_position_embeddings: number;
      sliding_window: number | null;
      sliding_window_layers: number;
      num_experts: number;
      experts_per_token: number;
      kv_lora_rank: number | null;
      torch_dtype: string;
      quantization: components['schemas']['Quantization'] | null;
      multimodal: boolean;
      remote_code: boolean;
      kv_cache_bytes_per_token_bf16: number;
      notes: string[];
      repo_id: string;
      revision: string;
      weight_bytes: number | null;
      weight_source: ('index' | 'headers') | null;
      parameters_by_dtype: {
        [key: string]: number;
      };
      safetensors_files: components['schemas']['RepoFile'][];
      gguf_files: components['schemas']['RepoFile'][];
      config: {
        [key: string]: unknown;
      };
    };
    /** HubTestResult */
    HubTestResult: {
      ok: boolean;
      message: string;
      error?: string | null;
      token?: boolean | null;
      name?: string | null;
      token_name?: string | null;
    };
    /** HubView */
    HubView: {
      endpoint: string;
      token_set: boolean;
    };
    /**
     * HubWeights
     * @description What the Hub says about a model's files.
     */
    HubWeights: {
      repo_id: string;
      revision: string;
      weight_bytes: number | null;
      weight_source: ('index' | 'headers') | null;
      parameters_by_dtype: {
        [key: string]: number;
      };
      safetensors_files: components['schemas']['RepoFile'][];
      gguf_files: components['schemas']['RepoFile'][];
    };
    /** ImagePreview */
    ImagePreview: {
      truncated: boolean;
      key: string;
      name: string;
      size: number;
      content_type: string | null;
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'image';
      image_type: string;
    };
    /** Info */
    Info: {
      version: string;
      embedded_s3: boolean;
      s3_endpoint: string;
      nb_prefix: string;
    };
    /** Job */
    Job: {
      id: string;
      version: number;
      /** @enum {string} */
      kind: 'huggingface' | 'copy' | 'move' | 'sync' | 'modelcar';
      state: components['schemas']['JobState'];
      title: string;
      source:
        | components['schemas']['HfJobSource']
        | components['schemas']['CopyJobSource']
        | components['schemas']['SyncJobSource']
        | components['schemas']['ModelCarJobSource'];
      destination: components['schemas']['JobDestination'];
      created_at: string;
      started_at: string | null;
      finished_at: string | null;
      resumed_at: string | null;
      resolved_revision: string | null;
      error: string | null;
      destination_base?: string;
      /** @enum {string} */
      conflict?: 'skip' | 'overwrite' | 'rename';
      limit_rate?: number;
      sync?: components['schemas']['SyncJobInfo'];
      modelcar?: components['schemas']['ModelCarInfo'];
      totals: components['schemas']['JobTotals'];
      files: components['schemas']['JobFile'][];
    };
    /** JobDestination */
    JobDestination: {
      location_id: string;
      prefix: string;
      repo_folder?: boolean;
      key?: string;
      image?: string;
      base?: string;
      models_dir?: string;
    };
    /** JobFile */
    JobFile: {
      path: string;
      destination_key: string;
      size: number;
      bytes_done: number;
      state: components['schemas']['FileState'];
      error: string | null;
      /** @enum {string} */
      action?: 'copy' | 'delete';
    };
    /** JobList */
    JobList: {
      jobs: components['schemas']['Job'][];
    };
    /**
     * JobState
     * @enum {string}
     */
    JobState: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
    /** JobTotals */
    JobTotals: {
      files: number;
      files_done: number;
      files_failed: number;
      files_skipped: number;
      files_cancelled: number;
      bytes: number;
      bytes_done: number;
      rate_bps: number;
      eta_seconds: number | null;
    };
    /**
     * KernelActivity
     * @description One entry of the Jupyter-style activity list the ODH idle culler reads.
     */
    KernelActivity: {
      id: string;
      name: string;
      last_activity: string;
      /** @enum {string} */
      execution_state: 'busy' | 'idle';
      connections: number;
    };
    /** Liveness */
    Liveness: {
      /** @constant */
      status: 'alive';
    };
    /** Location */
    Location: {
      id: string;
      /** @enum {string} */
      kind: 's3' | 'local';
      name: string;
      connection?: string;
      path?: string;
      available: boolean;
      default: boolean;
    };
    /** LocationList */
    LocationList: {
      locations: components['schemas']['Location'][];
      errors: components['schemas']['ConnectionProblem'][];
    };
    /** ModelCarHubSource */
    ModelCarHubSource: {
      repo_id: string;
      /**
       * @default model
       * @enum {string}
       */
      repo_type?: 'model' | 'dataset';
      /** @default main */
      revision?: string;
      token?: string | null;
    };
    /** ModelCarInfo */
    ModelCarInfo: {
      image: string;
      base: string;
      base_digest: string | null;
      reference: string | null;
      digest: string | null;
      media_type: string | null;
      storage_uri: string | null;
      inference_service: string | null;
      layers: number | null;
      layers_sent: number | null;
    };
    /** ModelCarJobSource */
    ModelCarJobSource: {
      include: string[];
      exclude: string[];
      location_id?: string;
      prefix?: string;
      repo_id?: string;
      repo_type?: string;
      revision?: string;
      token_provided?: boolean;
    };
    /**
     * ModelCarSource
     * @description A folder of a location, or a Hub repo (`hf`): exactly one of the two.
     */
    ModelCarSource: {
      location_id?: string | null;
      /** @default  */
      prefix?: string;
      hf?: components['schemas']['ModelCarHubSource'] | null;
      include?: string[];
      exclude?: string[];
    };
    /**
     * ModelCarTransferRequest
     * @description Package the source as a KServe ModelCar and push it to `image` (docs/modelcar.md).
     */
    ModelCarTransferRequest: {
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'modelcar';
      source: components['schemas']['ModelCarSource'];
      image: string;
      /** @default  */
      base?: string;
      /** @default /models */
      models_dir?: string;
      limit_rate?: number | null;
    };
    /**
     * ModelSummary
     * @description What the estimator read from a config.json.
     */
    ModelSummary: {
      model_type: string;
      architecture: string;
      parameters: number;
      active_parameters: number;
      hidden_size: number;
      num_layers: number;
      num_attention_heads: number;
      num_key_value_heads: number;
      head_dim: number;
      /** @enum {string} */
      attention: 'MHA' | 'GQA' | 'MQA' | 'MLA';
      intermediate_size: number;
      vocab_size: number;
      tie_word_embeddings: boolean;
      max_position_embeddings: number;
      sliding_window: number | null;
      sliding_window_layers: number;
      num_experts: number;
      experts_per_token: number;
      kv_lora_rank: number | null;
      torch_dtype: string;
      quantization: components['schemas']['Quantization'] | null;
      multimodal: boolean;
      remote_code: boolean;
      kv_cache_bytes_per_token_bf16: number;
      notes: string[];
    };
    /** NamedConnectionValues */
    NamedConnectionValues: {
      endpoint?: string | null;
      region?: string | null;
      access_key_id?: string | null;
      secret_access_key?: string | null;
      default_bucket?: string | null;
      name: string;
    };
    /**
     * ObjectListing
     * @description One level of a location under `prefix`: sub-folders, then files.
     */
    ObjectListing: {
      prefix: string;
      folders: components['schemas']['FolderEntry'][];
      files: components['schemas']['FileEntry'][];
      next_page_token: string | null;
    };
    /** ObjectStat */
    ObjectStat: {
      key: string;
      name: string;
      size: number;
      last_modified: string | null;
      etag: string | null;
      content_type: string | null;
      metadata: {
        [key: string]: string;
      };
    };
    /** ParquetField */
    ParquetField: {
      name: string;
      type: string;
      nullable: boolean;
    };
    /** ParquetPreview */
    ParquetPreview: {
      truncated: boolean;
      key: string;
      name: string;
      size: number;
      content_type: string | null;
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'parquet';
      schema: components['schemas']['ParquetField'][];
      schema_fields: number;
      num_rows: number;
      num_row_groups: number;
      created_by: string | null;
      columns: string[];
      rows: (string | number | boolean | null)[][];
      note: string | null;
      bytes_read: number;
      range_requests: number;
    };
    /** PresignRequest */
    PresignRequest: {
      key: string;
      /** @default 3600 */
      expires_seconds?: number;
    };
    /** Presigned */
    Presigned: {
      url: string;
      expires_at: string;
      internal: boolean;
      note?: string;
    };
    /** PreviewRequest */
    PreviewRequest: {
      source: components['schemas']['HFSource'];
      destination?: components['schemas']['Destination'] | null;
    };
    /** ProxyTestResult */
    ProxyTestResult: {
      ok: boolean;
      message: string;
      error?: string | null;
      status?: number | null;
    };
    /** ProxyUpdate */
    ProxyUpdate: {
      http_proxy?: string | null;
      https_proxy?: string | null;
      no_proxy?: string | null;
      test_url?: string | null;
    };
    /** ProxyView */
    ProxyView: {
      http_proxy: string;
      https_proxy: string;
      no_proxy: string;
    };
    /** Quantization */
    Quantization: {
      method: string;
      weights: string;
      bits: number;
      group_size: number;
    };
    /**
     * RegistryUpdate
     * @description ModelCar packaging: one registry's credentials (the password is write-only) and the base image.
     *     Registries spoken to in plain HTTP are the administrator's (MODELCAR_INSECURE_REGISTRIES) only.
     */
    RegistryUpdate: {
      host?: string | null;
      username?: string | null;
      password?: string | null;
      base_image?: string | null;
    };
    /** RegistryView */
    RegistryView: {
      host: string;
      username: string;
      password_set: boolean;
      base_image: string;
      platform: string;
      insecure: string[];
    };
    /** RepoFile */
    RepoFile: {
      path: string;
      size: number;
    };
    /** S3Health */
    S3Health: {
      ok: boolean;
      endpoint: string;
      message: string;
    };
    /** S3TestResult */
    S3TestResult: {
      ok: boolean;
      message: string;
      error?: string | null;
      buckets?: number | null;
    };
    /** S3Update */
    S3Update: {
      endpoint?: string | null;
      region?: string | null;
      access_key_id?: string | null;
      secret_access_key?: string | null;
      default_bucket?: string | null;
    };
    /** S3View */
    S3View: {
      endpoint: string;
      region: string;
      access_key_id: string;
      secret_access_key_set: boolean;
      default_bucket: string;
      embedded: boolean;
    };
    /** SelectionDeleted */
    SelectionDeleted: {
      deleted: number;
      errors: components['schemas']['DeleteFailure'][];
    };
    /** Settings */
    Settings: {
      s3: components['schemas']['S3View'];
      huggingface: components['schemas']['HubView'];
      proxy: components['schemas']['ProxyView'];
      transfers: components['schemas']['TransfersView'];
      registry: components['schemas']['RegistryView'];
    };
    /** SyncCount */
    SyncCount: {
      files: number;
      bytes: number;
    };
    /** SyncFolder */
    SyncFolder: {
      location_id: string;
      /** @default  */
      prefix?: string;
    };
    /** SyncJobInfo */
    SyncJobInfo: {
      delete: boolean;
      totals: components['schemas']['SyncTotals'];
    };
    /** SyncJobSource */
    SyncJobSource: {
      location_id: string;
      prefix: string;
      include: string[];
      exclude: string[];
    };
    /** SyncPlan */
    SyncPlan: {
      source: components['schemas']['SyncJobSource'];
      destination: components['schemas']['JobDestination'];
      delete: boolean;
      totals: components['schemas']['SyncTotals'];
      files: components['schemas']['SyncPlanFile'][];
      limit: number;
      truncated: boolean;
    };
    /** SyncPlanFile */
    SyncPlanFile: {
      path: string;
      /** @enum {string} */
      action: 'copy' | 'skip' | 'delete';
      /** @enum {string} */
      rule: 'new' | 'size' | 'etag' | 'sha256' | 'size-mtime' | 'not-in-source';
      size: number;
    };
    /** SyncTotals */
    SyncTotals: {
      copy: components['schemas']['SyncCount'];
      skip: components['schemas']['SyncCount'];
      delete: components['schemas']['SyncCount'];
    };
    /**
     * SyncTransferRequest
     * @description Make `destination` look like `source` (docs/transfers.md, Sync).
     */
    SyncTransferRequest: {
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'sync';
      source: components['schemas']['SyncFolder'];
      destination: components['schemas']['SyncFolder'];
      /** @default false */
      delete?: boolean;
      include?: string[];
      exclude?: string[];
      limit_rate?: number | null;
    };
    /** TablePreview */
    TablePreview: {
      truncated: boolean;
      key: string;
      name: string;
      size: number;
      content_type: string | null;
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'table';
      /** @enum {string} */
      format: 'csv' | 'tsv' | 'jsonl';
      columns: string[];
      rows: (string | number | boolean | null)[][];
    };
    /**
     * TestResult
     * @description A connection test's finding; `error` (only when not ok) is a code of docs/api.md. Fields a test
     *     did not set are left out of the answer.
     */
    TestResult: {
      ok: boolean;
      message: string;
      error?: string | null;
    };
    /**
     * TextPreview
     * @description Text or code (`text`), or a JSON document indented (`json`).
     */
    TextPreview: {
      truncated: boolean;
      key: string;
      name: string;
      size: number;
      content_type: string | null;
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      kind: 'text' | 'json';
      language: string;
      text: string;
      bytes_shown?: number;
      note?: string;
    };
    /** TransfersUpdate */
    TransfersUpdate: {
      max_concurrent_transfers?: number | null;
      max_files_per_page?: number | null;
      max_transfer_rate?: number | null;
    };
    /** TransfersView */
    TransfersView: {
      max_concurrent_transfers: number;
      max_files_per_page: number;
      max_transfer_rate: number;
    };
    /** Uploaded */
    Uploaded: {
      key: string;
      size: number;
      etag: string | null;
    };
    /** VramLayout */
    VramLayout: {
      strategy: string;
      gpus: number;
      tensor_parallel?: number;
      pipeline_parallel?: number;
      data_parallel?: number;
      sharding?: string;
      gpu_layers?: number;
    };
    /**
     * VramResult
     * @description One estimate. `breakdown` is GiB per term on the busiest GPU (weights, kv_cache,
     *     activations, logits, gradients, optimizer, other, cuda_context, cuda_graphs…).
     */
    VramResult: {
      per_gpu_gib: number;
      total_gib: number;
      per_gpu_device_gib: number;
      per_gpu_reserved_gib: number;
      gpus_used: number;
      gpus_needed: number;
      fits: boolean;
      breakdown: {
        [key: string]: number;
      };
      explanations: {
        [key: string]: string;
      };
      assumptions: string[];
      warnings: string[];
      gpu: string;
      usable_gib: number;
      spare_gib: number;
      margin_gib: number;
      allocator_reserve_gib: number;
      binding_constraint: string;
      verdict: string;
      layout: components['schemas']['VramLayout'];
      /** @enum {string} */
      engine: 'transformers' | 'vllm' | 'llamacpp';
      /** @enum {string} */
      task: 'inference' | 'finetune';
      weights: string;
      compute_dtype: string;
      per_gpu: components['schemas']['GpuEstimate'][];
      model: components['schemas']['ModelSummary'];
      kv_cache_tokens?: number;
      max_concurrency?: number;
      starts?: boolean;
      trainable_parameters?: number;
      framework?: string;
      hub?: components['schemas']['HubWeights'];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  livez_api_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Liveness'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  livez_api_livez_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Liveness'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  health_api_health_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Health'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  kernels_api_kernels_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['KernelActivity'][];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  terminals_api_terminals_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['KernelActivity'][];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  get_disclaimer_api_disclaimer_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Disclaimer'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  put_disclaimer_api_disclaimer_put: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DisclaimerUpdate'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Disclaimer'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  info_api_info_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Info'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  locations_api_locations_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LocationList'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  list_buckets_api_buckets_get: {
    parameters: {
      query?: {
        connection?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BucketList'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  create_bucket_api_buckets_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['BucketCreate'];
      };
    };
    responses: {
      /** @description Successful Response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BucketCreated'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  delete_bucket_api_buckets__name__delete: {
    parameters: {
      query?: {
        empty?: boolean;
        connection?: string;
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BucketDeleted'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  list_objects_api_locations__location_id__objects_get: {
    parameters: {
      query?: {
        prefix?: string;
        page_size?: number | null;
        page_token?: string | null;
        search?: string;
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ObjectListing'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  stat_object_api_locations__location_id__object_get: {
    parameters: {
      query: {
        key: string;
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ObjectStat'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  upload_api_locations__location_id__object_put: {
    parameters: {
      query: {
        key: string;
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Uploaded'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  delete_object_api_locations__location_id__object_delete: {
    parameters: {
      query: {
        key: string;
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Deleted'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  download_api_locations__location_id__download_get: {
    parameters: {
      query: {
        key: string;
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The object's bytes (its stored Content-Type) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/octet-stream': string;
        };
      };
      /** @description The byte range asked for with `Range` */
      206: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/octet-stream': string;
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  create_folder_api_locations__location_id__folders_post: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['FolderCreate'];
      };
    };
    responses: {
      /** @description Successful Response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FolderCreated'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  delete_folder_api_locations__location_id__folder_delete: {
    parameters: {
      query: {
        prefix: string;
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Deleted'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  delete_selection_api_locations__location_id__delete_post: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DeleteSelection'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SelectionDeleted'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  presign_api_locations__location_id__presign_post: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PresignRequest'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Presigned'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  get_settings_api_settings_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Settings'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  embedded_credentials_api_settings_s3_embedded_credentials_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EmbeddedCredentials'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  put_s3_api_settings_s3_put: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['S3Update'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Settings'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  put_hf_api_settings_huggingface_put: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['HFUpdate'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Settings'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  put_proxy_api_settings_proxy_put: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ProxyUpdate'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Settings'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  put_registry_api_settings_registry_put: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RegistryUpdate'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Settings'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  put_transfers_api_settings_transfers_put: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TransfersUpdate'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Settings'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  test_s3_api_settings_s3_test_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['S3Update'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['S3TestResult'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  test_hf_api_settings_huggingface_test_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['HFUpdate'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HubTestResult'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  test_proxy_api_settings_proxy_test_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ProxyUpdate'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ProxyTestResult'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  test_registry_api_settings_registry_test_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RegistryUpdate'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TestResult'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  list_connections_api_connections_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ConnectionList'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  add_connection_api_connections_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['NamedConnectionValues'];
      };
    };
    responses: {
      /** @description Successful Response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ConnectionView'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  edit_connection_api_connections__name__put: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ConnectionValues'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ConnectionView'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  delete_connection_api_connections__name__delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ConnectionDeleted'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  test_connection_api_connections__name__test_post: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['ConnectionValues'] | null;
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['S3TestResult'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  list_jobs_api_transfers_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobList'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  start_api_transfers_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json':
          | components['schemas']['HFTransferRequest']
          | components['schemas']['CopyTransferRequest']
          | components['schemas']['SyncTransferRequest']
          | components['schemas']['ModelCarTransferRequest'];
      };
    };
    responses: {
      /** @description Successful Response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  clear_finished_api_transfers_delete: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClearedJobs'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  preview_api_transfers_huggingface_preview_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PreviewRequest'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HfPreview'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  precheck_api_transfers_copy_precheck_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CopyTransferRequest'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CopyPrecheck'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  sync_plan_api_transfers_sync_plan_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['SyncTransferRequest'];
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SyncPlan'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  events_api_transfers_events_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Server-Sent Events: `snapshot`, `job` and `removed` (docs/api.md, Events) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  get_job_api_transfers__job_id__get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  delete_api_transfers__job_id__delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  cancel_api_transfers__job_id__cancel_post: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  post_estimate_api_vram_estimate_post: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': unknown;
      };
    };
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['VramResult'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  get_gpus_api_vram_gpus_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GpuInfo'][];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  get_model_api_vram_model_get: {
    parameters: {
      query: {
        repo_id: string;
        revision?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HubModelSummary'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  preview_api_locations__location_id__preview_get: {
    parameters: {
      query: {
        key: string;
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Successful Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | components['schemas']['TextPreview']
            | components['schemas']['TablePreview']
            | components['schemas']['ParquetPreview']
            | components['schemas']['ImagePreview']
            | components['schemas']['BinaryPreview'];
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  preview_raw_api_locations__location_id__preview_raw_get: {
    parameters: {
      query: {
        key: string;
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The image's bytes */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'image/bmp': string;
          'image/gif': string;
          'image/jpeg': string;
          'image/png': string;
          'image/webp': string;
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  download_zip_api_locations__location_id__zip_get: {
    parameters: {
      query?: {
        prefix?: string[];
        key?: string[];
      };
      header?: never;
      path: {
        location_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The files as one zip archive, streamed as it is written */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/zip': string;
        };
      };
      /** @description The request was refused: `error` is the code, `message` says why */
      '4XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description An upstream (S3, the Hub) or the server failed */
      '5XX': {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
}
