"""`odh-tec import-hf` and `odh-tec cp`: the transfer engine from a notebook or a script.

Same engine, same settings (S3, Hub endpoint and token, proxy, CA bundles) as the server, read from
the environment; no web server is started. Exit codes: 0 done, 1 a file or the job failed, 2 the
request was refused (unknown repo, bad location…), 130 interrupted (what was written is removed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

from odh_tec.errors import ApiError
from odh_tec.transfers import options_from_env
from odh_tec.transfers.engine import TransferEngine
from odh_tec.transfers.model import Job, JobState
from odh_tec.transfers.progress import Reporter, human_bytes
from odh_tec.transfers.specs import CONFLICT_POLICIES, CopySpec, HFImportSpec
from odh_tec.transfers.targets import TargetError, parse_target

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130
REFRESH = 0.2


def register(subparsers) -> None:
    hf = subparsers.add_parser(
        "import-hf", help="import a Hugging Face model or dataset into S3 or a local folder",
        description="Stream a Hugging Face repo (pinned to one commit, verified) into s3://BUCKET/PREFIX "
                    "or local://LOCATION/PATH; files land under <prefix>/<repo id>/.")
    hf.add_argument("repo_id", help="org/name")
    hf.add_argument("--to", required=True, metavar="URL", help="s3://BUCKET/PREFIX or local://LOCATION/PATH")
    hf.add_argument("--revision", default="main", help="branch, tag, commit sha or refs/pr/N (default: main)")
    hf.add_argument("--repo-type", choices=("model", "dataset"), default="model")
    hf.add_argument("--include", action="append", default=[], metavar="GLOB", help="only these files (repeatable)")
    hf.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="not these files (repeatable)")
    hf.add_argument("--token", help="Hugging Face token (default: $HF_TOKEN)")
    hf.add_argument("--no-repo-folder", action="store_true", help="put files directly under the prefix")
    hf.add_argument("--dry-run", action="store_true", help="list what would be imported, transfer nothing")
    _common(hf)
    hf.set_defaults(func=import_hf)

    cp = subparsers.add_parser(
        "cp", help="copy files or folders between S3 buckets and local folders",
        description="Copy SRC to DST (s3://BUCKET/KEY or local://LOCATION/PATH). A DST ending with '/' is a "
                    "folder; with one source file and no trailing '/', DST is the new key.")
    cp.add_argument("src")
    cp.add_argument("dst")
    cp.add_argument("-r", "--recursive", action="store_true", help="SRC is a folder: copy everything under it")
    cp.add_argument("--conflict", choices=CONFLICT_POLICIES, default="skip",
                    help="when the destination exists (default: skip)")
    cp.add_argument("--move", action="store_true", help="delete each source file once its copy is verified")
    _common(cp)
    cp.set_defaults(func=copy)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document (the job) on stdout")
    parser.add_argument("--retries", type=int, default=3, metavar="N", help="tries per file (default: 3)")


# Entry points ------------------------------------------------------------------------------------


def import_hf(args: argparse.Namespace) -> int:
    try:
        target = parse_target(args.to)
    except TargetError as exc:
        return _refused(args, "InvalidTarget", str(exc))
    spec = HFImportSpec(repo_id=args.repo_id, repo_type=args.repo_type, revision=args.revision,
                        include=args.include, exclude=args.exclude, token=args.token,
                        location_id=target.location_id, prefix=target.path, repo_folder=not args.no_repo_folder)
    if args.dry_run:
        return _run(args, lambda engine: _dry_run(engine, spec, args))
    return _run(args, lambda engine: _transfer(engine, spec, args))


def copy(args: argparse.Namespace) -> int:
    try:
        src, dst = parse_target(args.src), parse_target(args.dst)
    except TargetError as exc:
        return _refused(args, "InvalidTarget", str(exc))
    if args.recursive:
        keys, prefixes = [], [src.path]
    elif src.is_folder:
        return _refused(args, "InvalidTarget", f"'{args.src}' is a folder: add --recursive")
    else:
        keys, prefixes = [src.path], []
    exact = None if (args.recursive or dst.is_folder) else dst.path
    spec = CopySpec(kind="move" if args.move else "copy", source_location=src.location_id, keys=keys,
                    prefixes=prefixes, destination_location=dst.location_id,
                    prefix="" if exact else dst.path, key=exact, conflict=args.conflict)
    return _run(args, lambda engine: _transfer(engine, spec, args))


# Plumbing ----------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _engine(args: argparse.Namespace) -> AsyncIterator[TransferEngine]:
    from odh_tec.app import build_services
    from odh_tec.config import Config

    services = build_services(Config())
    options = options_from_env()
    options.file_attempts = max(1, args.retries)
    engine = TransferEngine(services, options)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
        await services.s3.close()


def _run(args: argparse.Namespace, work: Callable[[TransferEngine], Awaitable[int]]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    async def main() -> int:
        async with _engine(args) as engine:
            return await work(engine)

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the transfer was cancelled and its partial files removed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ApiError as exc:
        return _refused(args, exc.code, exc.message)


def _refused(args: argparse.Namespace, code: str, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": code, "message": message}))
    print(f"error: {code}: {message}", file=sys.stderr)
    return EXIT_REFUSED


async def _dry_run(engine: TransferEngine, spec: HFImportSpec, args: argparse.Namespace) -> int:
    preview = await engine.preview_hf(spec)
    if args.json:
        print(json.dumps(preview))
        return EXIT_OK
    for f in preview["files"]:
        mark = "same" if f["skip"] else ("exists" if f["exists"] else "new")
        print(f"{mark:6} {human_bytes(f['size']):>10}  {f['path']}")
    print(f"{preview['file_count']} files, {human_bytes(preview['total_size'])} at commit {preview['sha']} "
          f"({preview['repo_file_count']} in the repo)")
    return EXIT_OK


async def _transfer(engine: TransferEngine, spec: HFImportSpec | CopySpec, args: argparse.Namespace) -> int:
    job = await engine.submit(spec)
    reporter = None if args.json else Reporter(sys.stderr, tty=sys.stderr.isatty())
    try:
        await _follow(engine, job, reporter)
    except asyncio.CancelledError:
        await asyncio.shield(engine.cancel(job.id))
        raise
    if args.json:
        print(json.dumps(job.to_json()))
    elif reporter is not None:
        reporter.finish(job)
    return EXIT_OK if job.state == JobState.COMPLETED else EXIT_FAILED


async def _follow(engine: TransferEngine, job: Job, reporter: Reporter | None) -> None:
    while not job.state.finished:
        with contextlib.suppress(TimeoutError):
            await engine.wait(job.id, timeout=REFRESH)
        if reporter is not None and not job.state.finished:
            reporter.update(job)
