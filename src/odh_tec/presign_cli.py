"""`odh-tec presign s3://BUCKET/KEY`: a time-limited download link, as `POST …/presign` makes it.

Finds S3 the way `odh-tec cp` does (the environment, else the embedded S3 of a running `odh-tec serve`).
The link is printed and nothing else keeps it: it opens the object, without keys, until it expires.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from odh_tec.errors import ApiError
from odh_tec.storage.s3.presign import DEFAULT_EXPIRES, check_expiry, presign_download

EXIT_OK, EXIT_REFUSED = 0, 2


def register(subparsers) -> None:
    cmd = subparsers.add_parser(
        "presign",
        help="print a time-limited download URL for one S3 object",
        description="Print a presigned GET URL for s3://BUCKET/KEY, signed with the configured keys: anyone "
        "holding it can download the object until it expires. With no AWS_S3_ENDPOINT, the embedded "
        "S3 of a running `odh-tec serve` is used.",
    )
    cmd.add_argument("uri", help="s3://BUCKET/KEY (a file, not a folder)")
    cmd.add_argument(
        "--expires",
        type=int,
        default=DEFAULT_EXPIRES,
        metavar="SECONDS",
        help=f"lifetime in seconds, 60 to 604800 (default: {DEFAULT_EXPIRES})",
    )
    cmd.add_argument("--json", action="store_true", help='print {"url", "expires_at", "internal", "note"?}')
    cmd.set_defaults(func=presign)


def presign(args: argparse.Namespace) -> int:
    from odh_tec.transfers.targets import TargetError, parse_target

    try:
        target = parse_target(args.uri)
    except TargetError as exc:
        return _refused(args, "InvalidTarget", str(exc))
    if not target.is_s3:
        return _refused(args, "NotS3", f"'{args.uri}' is not an S3 object: only s3://BUCKET/KEY can be presigned")
    if target.is_folder or not target.path:
        return _refused(args, "InvalidKey", f"'{args.uri}' is a folder: name one object")
    try:
        answer = asyncio.run(_presign(target, check_expiry(args.expires)))
    except ApiError as exc:
        return _refused(args, exc.code, exc.message)
    if args.json:
        print(json.dumps(answer))
    else:
        print(answer["url"])
        if answer.get("note"):
            print(f"note: {answer['note']}", file=sys.stderr)
        print(f"expires: {answer['expires_at']}", file=sys.stderr)
    return EXIT_OK


async def _presign(target, expires: int) -> dict:
    from odh_tec.app import build_services
    from odh_tec.config import Config
    from odh_tec.transfers.cli import _connect_s3

    services = build_services(Config())
    _connect_s3(services, [target])
    try:
        await services.locations.get(target.location_id).stat(target.path)
        connection, bucket = services.locations.s3_bucket(target.location_id)
        return dict(await presign_download(connection, bucket, target.path, expires))
    finally:
        await services.connections.close()


def _refused(args: argparse.Namespace, code: str, message: str) -> int:
    if args.json:
        print(json.dumps({"error": code, "message": message}))
    print(f"error: {code}: {message}", file=sys.stderr)
    return EXIT_REFUSED
