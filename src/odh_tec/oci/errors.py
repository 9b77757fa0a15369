"""What a container registry's answers become in the app's one error tree (docs/api.md lists the codes)."""

from __future__ import annotations

from odh_tec.errors import ApiError, BadRequest, Forbidden, NotFound, UpstreamError


class InvalidImageReference(BadRequest):
    code = "InvalidImageReference"


class RegistryUnauthorized(ApiError):
    """The registry wants credentials it did not get, or refused the ones it got."""

    status, code = 401, "RegistryUnauthorized"


class RegistryDenied(Forbidden):
    code = "RegistryDenied"


class ImageNotFound(NotFound):
    code = "ImageNotFound"


class RegistryRateLimited(ApiError):
    status, code = 429, "RegistryRateLimited"


class RegistryUnreachable(UpstreamError):
    """No connection, a TLS failure, a timeout: may pass, so a file is retried."""

    code = "RegistryUnreachable"


class RegistryError(UpstreamError):
    """Any other refusal or failure of the registry (a 5xx is retried, a 4xx is not)."""

    code = "RegistryError"
