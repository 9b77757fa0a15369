"""S3 buckets through aiobotocore: path-style, SigV4, checksums only when required.

`S3Connection` owns one client and rebuilds it when the Settings API changes the endpoint, keys or
proxy. `S3Storage` is one bucket seen through the `Storage` interface.

- `connection`: building the client (proxies, CA bundles, payload signing), the settings-keyed client
  the app shares, and bucket operations;
- `errors`: botocore failures translated into the app's errors;
- `storage`: `S3Storage`, one bucket's objects;
- `multipart`: the bounded-memory multipart upload and the multipart copy of large objects;
- `probe`: the Settings page's connection test of unsaved settings.
"""

from odh_tec.storage.s3.connection import S3Connection, client_config, open_client
from odh_tec.storage.s3.errors import translate_error
from odh_tec.storage.s3.multipart import PENDING_ABORTS
from odh_tec.storage.s3.storage import S3Storage

__all__ = ["PENDING_ABORTS", "S3Connection", "S3Storage", "client_config", "open_client", "translate_error"]
