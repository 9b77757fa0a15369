"""The app's OpenAPI document, built without a server, S3 or the environment.

`python -m odh_tec.openapi` prints it as JSON. `make api-types` feeds it to openapi-typescript
(`frontend/scripts/api-types.mjs`), which writes the web UI's types to `frontend/src/api/schema.d.ts`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from odh_tec.app import create_app
from odh_tec.config import Config


def document() -> dict[str, Any]:
    """The document as the app serves it at `/api/openapi.json` with no NB_PREFIX.

    Every setting that could change the document (or refuse to build the app) is fixed here, so
    the same code gives the same document on any machine."""
    config = Config(
        _env_file=None,
        nb_prefix="",
        ip="127.0.0.1",
        auth="",
        auth_token="",
        allowed_hosts="",
        local_storage_paths="",
        odh_tec_embedded_s3=False,
    )
    return create_app(config).openapi()


def main() -> None:
    json.dump(document(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
