"""One error vocabulary for the API and both CLIs: `{"error": CODE, "message": text}` with its status.

Every error the app raises on purpose is an `ApiError`; each module that has errors of its own
subclasses it next to the code that raises them:

    ApiError (400 InvalidRequest)
    ├── BadRequest (400)            ─ InvalidKey, InvalidBucketName, … as `code=`
    │   └── DestinationNotAllowed   netguard: link-local and metadata addresses
    ├── Forbidden (403 AccessDenied)
    ├── NotFound (404 NoSuchKey)    ─ NoSuchBucket, NoSuchLocation, NoSuchTransfer, NotEmbedded
    ├── PreconditionFailed (412)
    ├── RangeNotSatisfiable (416 InvalidRange)
    ├── LimitExceeded (422)         a cap of docs/security.md
    ├── UnsupportedModel (422)      the VRAM estimator cannot read this architecture
    ├── NotPreviewable (422)        previews.parquet
    ├── UnsupportedMediaType (415)  api.previews
    ├── TooManyRequests (429)       transfers.engine: streams, jobs, keys past their caps
    ├── TimedOut (503)
    ├── UpstreamError (502 EndpointUnreachable)
    ├── ChecksumMismatch, SizeMismatch (502)   hf.verify
    ├── MoveVerifyFailed (502)      transfers.copying
    └── HubError (502)              hf.errors: the one place Hub answers become errors
        ├── RepoNotFound, RevisionNotFound, EntryNotFound, NoModelConfig (404)
        ├── GatedRepo, InvalidToken (401) · GatedNotApproved, RepoDisabled (403)
        ├── InvalidRepoId, TokenNotSent (400) · HubRateLimited (429) · HubTimeout (504)
        └── HubUnreachable, HubServerError, BadModelFile, ProxyAuthRequired (502)

S3 failures are turned into `ApiError`s in one place too (`storage.s3.errors.translate_error`), keeping
the server's own code. docs/api.md lists every code; `tests/test_errors.py` keeps it so.
"""

from __future__ import annotations

import errno
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    status = 400
    code = "InvalidRequest"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class BadRequest(ApiError):
    status, code = 400, "InvalidRequest"


class Forbidden(ApiError):
    status, code = 403, "AccessDenied"


class NotFound(ApiError):
    status, code = 404, "NoSuchKey"


class PreconditionFailed(ApiError):
    status, code = 412, "PreconditionFailed"


class RangeNotSatisfiable(ApiError):
    status, code = 416, "InvalidRange"


class LimitExceeded(ApiError):
    """An input past one of the caps that bound the server's work (docs/security.md)."""

    status, code = 422, "LimitExceeded"


class UnsupportedModel(ApiError):
    status, code = 422, "UnsupportedModel"


class TimedOut(ApiError):
    """Work that did not finish within its time limit: worth a retry later."""

    status, code = 503, "TimedOut"


class UpstreamError(ApiError):
    status, code = 502, "EndpointUnreachable"


_OS_ERRORS = {
    errno.ENAMETOOLONG: (400, "InvalidKey"),
    errno.EACCES: (403, "AccessDenied"),
    errno.EPERM: (403, "AccessDenied"),
    errno.EROFS: (403, "AccessDenied"),
    errno.ENOENT: (404, "NoSuchKey"),
    errno.ENOTDIR: (400, "InvalidKey"),
    errno.EISDIR: (400, "InvalidKey"),
    errno.ENOSPC: (507, "InsufficientStorage"),
    errno.EDQUOT: (507, "InsufficientStorage"),
}


def from_os_error(exc: OSError) -> ApiError | None:
    """A local folder's refusal (a name too long, no permission, read-only, full) in this vocabulary;
    None for the other OS errors (network trouble, which may pass)."""
    known = _OS_ERRORS.get(exc.errno or 0)
    if known is None:
        return None
    status, code = known
    return ApiError(exc.strerror or str(exc), code=code, status=status)


def camel_code(code: str) -> str:
    """'unknown_gpu' -> 'UnknownGpu': the estimator's own codes (a pure package) in this vocabulary."""
    return "".join(part.capitalize() for part in code.split("_"))


# A model where the answers are TypedDicts: FastAPI builds a validator for it for every route and
# status, and a model's schema is built once, with the class.
class ErrorBody(BaseModel):
    """The body of every error answer (docs/api.md lists the codes)."""

    error: str
    message: str


def error_body(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}


# What the OpenAPI document says about errors, for every API route. The ranges stand in for the
# single codes: one body for all of them, and FastAPI's own 422 body (which this app never sends,
# see `_validation` below) is left out of the document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "The request was refused: `error` is the code, `message` says why"},
    "5XX": {"model": ErrorBody, "description": "An upstream (S3, the Hub) or the server failed"},
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query"))
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return JSONResponse(error_body("ValidationError", "; ".join(parts)), status_code=422)

    @app.exception_handler(OSError)
    async def _os_error(_: Request, exc: OSError) -> JSONResponse:
        # Local folders: a name too long, a read-only or full volume... a JSON answer, not a bare 500.
        status, code = _OS_ERRORS.get(exc.errno or 0, (500, "InternalError"))
        return JSONResponse(error_body(code, exc.strerror or str(exc)), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if isinstance(detail, dict) and "error" in detail:
            body = detail
        else:
            code = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
            body = error_body(code, str(detail))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
