"""`odh-tec import-hf`, `odh-tec cp`, `odh-tec sync`, `odh-tec modelcar` and `odh-tec s3-env`: the
transfer engine from a notebook or a script.

Same engine, same settings (S3, Hub endpoint and token, proxy, CA bundles) as the server, read from
the environment; no web server is started. With no `AWS_S3_ENDPOINT`, the embedded S3 of a running
`odh-tec serve` of the same data dir is used (found through `<data dir>/s3/endpoint.json`).
Exit codes: 0 done, 1 a file or the job failed, 2 the request was refused (unknown repo, bad
location…), 130 interrupted (what was written is removed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shlex
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

from odh_tec.errors import ApiError
from odh_tec.sizes import parse_rate
from odh_tec.transfers import options_from_env
from odh_tec.transfers.engine import TransferEngine
from odh_tec.transfers.model import FileState, Job, JobState
from odh_tec.transfers.progress import Reporter, human_bytes
from odh_tec.transfers.specs import CONFLICT_POLICIES, CopySpec, HFImportSpec, ModelCarSpec, SyncSpec
from odh_tec.transfers.targets import Target, TargetError, parse_target

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130
REFRESH = 0.2


def register(subparsers) -> None:
    hf = subparsers.add_parser(
        "import-hf",
        help="import a Hugging Face model or dataset into S3 or a local folder",
        description="Stream a Hugging Face repo (pinned to one commit, verified) into s3://BUCKET/PREFIX, "
        "local://LOCATION/PATH or a folder (/abs, ./rel, ~/dir); files land under "
        "<prefix>/<repo id>/.",
    )
    hf.add_argument("repo_id", help="org/name")
    hf.add_argument("--to", required=True, metavar="DEST", help="s3://BUCKET/PREFIX, local://LOCATION/PATH or a folder")
    hf.add_argument("--revision", default="main", help="branch, tag, commit sha or refs/pr/N (default: main)")
    hf.add_argument("--repo-type", choices=("model", "dataset"), default="model")
    hf.add_argument("--include", action="append", default=[], metavar="GLOB", help="only these files (repeatable)")
    hf.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="not these files (repeatable)")
    hf.add_argument("--token", help="Hugging Face token (default: $HF_TOKEN)")
    hf.add_argument("--no-repo-folder", action="store_true", help="put files directly under the prefix")
    hf.add_argument("--dry-run", action="store_true", help="list what would be imported, transfer nothing")
    _common(hf, import_hf)

    cp = subparsers.add_parser(
        "cp",
        help="copy files or folders between S3 buckets and local folders",
        description="Copy SRC to DST: s3://BUCKET/KEY, s3://CONNECTION@BUCKET/KEY (a named S3 connection of "
        "S3_CONNECTIONS_FILE or of the Settings page), local://LOCATION/PATH (a folder of LOCAL_STORAGE_PATHS) "
        "or a plain path (/abs, ./rel, ~/dir). A DST ending with '/' (or an existing folder) is a "
        "folder; with one source file and no trailing '/', DST is the new name. With no "
        "AWS_S3_ENDPOINT, the embedded S3 of a running `odh-tec serve` is used.",
    )
    cp.add_argument("src")
    cp.add_argument("dst")
    cp.add_argument("-r", "--recursive", action="store_true", help="SRC is a folder: copy everything under it")
    cp.add_argument(
        "--conflict", choices=CONFLICT_POLICIES, default="skip", help="when the destination exists (default: skip)"
    )
    cp.add_argument("--move", action="store_true", help="delete each source file once its copy is verified")
    _common(cp, copy)

    sync = subparsers.add_parser(
        "sync",
        help="make a folder look like another one (S3 buckets and local folders)",
        description="Copy the files of the folder SRC that DST lacks or has in another version (same size "
        "and checksum, else same size and DST not older, means unchanged); with --delete, also delete "
        "what DST has and SRC does not. SRC and DST: s3://BUCKET/PREFIX, local://LOCATION/PATH or a "
        "folder (/abs, ./rel, ~/dir). --dry-run shows the plan, moving nothing.",
    )
    sync.add_argument("src")
    sync.add_argument("dst")
    sync.add_argument("--delete", action="store_true", help="delete files in DST that are not in SRC")
    sync.add_argument("--dry-run", action="store_true", help="show what would be copied and deleted, do nothing")
    sync.add_argument("--include", action="append", default=[], metavar="GLOB", help="only these files (repeatable)")
    sync.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="not these files (repeatable)")
    _common(sync, sync_folders)

    car = subparsers.add_parser(
        "modelcar",
        help="package a model as a KServe ModelCar (OCI image) and push it to a registry, streamed",
        description="Stream SRC into a registry as a ModelCar image: one uncompressed layer per file under "
        "--models-dir, on top of --base (default $MODELCAR_BASE_IMAGE, or `scratch`). SRC: s3://BUCKET/PREFIX, "
        "local://LOCATION/PATH, a folder (/abs, ./rel, ~/dir) or hf://ORG/MODEL[@REVISION]. Credentials: "
        "an auth.json ($REGISTRY_AUTH_FILE, podman login) or MODELCAR_REGISTRY_USERNAME/_PASSWORD for "
        "$MODELCAR_REGISTRY. Prints the pushed reference (name@sha256:…) and its storageUri.",
    )
    car.add_argument("src")
    car.add_argument("--to", required=True, metavar="IMAGE", help="REGISTRY/REPOSITORY:TAG")
    car.add_argument(
        "--base", default="", metavar="IMAGE", help="base image, or `scratch` (default: $MODELCAR_BASE_IMAGE)"
    )
    car.add_argument("--models-dir", default="/models", metavar="DIR", help="where the files go (default: /models)")
    car.add_argument("--include", action="append", default=[], metavar="GLOB", help="only these files (repeatable)")
    car.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="not these files (repeatable)")
    car.add_argument("--token", help="Hugging Face token for an hf:// source (default: $HF_TOKEN)")
    _common(car, package_modelcar)

    env = subparsers.add_parser(
        "s3-env",
        help="print export lines for the embedded S3 of a running `odh-tec serve`",
        description="Print AWS_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION as "
        "shell export lines for the embedded S3 of the `odh-tec serve` running with this data dir "
        '($ODH_TEC_DATA_DIR): `eval "$(odh-tec s3-env)"`, or --json for a notebook.',
    )
    env.add_argument("--json", action="store_true", help="print one JSON object instead")
    env.set_defaults(func=s3_env)


def _common(parser: argparse.ArgumentParser, func: Callable[[argparse.Namespace], int]) -> None:
    """The options every transfer command takes, and the entry point that runs it."""
    parser.set_defaults(func=func)
    parser.add_argument("--json", action="store_true", help="print one JSON document (the job) on stdout")
    parser.add_argument("--retries", type=int, default=3, metavar="N", help="tries per file (default: 3)")
    parser.add_argument(
        "--limit-rate",
        type=_rate,
        default=0,
        metavar="RATE",
        help="at most this many bytes per second, e.g. 50MiB, 20MB, 1G (MAX_TRANSFER_RATE also applies)",
    )


def _rate(value: str) -> int:
    try:
        return parse_rate(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# Entry points ------------------------------------------------------------------------------------


def import_hf(args: argparse.Namespace) -> int:
    try:
        target = parse_target(args.to)
    except TargetError as exc:
        return _refused(args, "InvalidTarget", str(exc))
    spec = HFImportSpec(
        repo_id=args.repo_id,
        repo_type=args.repo_type,
        revision=args.revision,
        include=args.include,
        exclude=args.exclude,
        token=args.token,
        location_id=target.location_id,
        prefix=target.path,
        repo_folder=not args.no_repo_folder,
        limit_rate=args.limit_rate or None,
    )
    if args.dry_run:
        return _run(args, lambda engine: _dry_run(engine, spec, args), [target])
    return _run(args, lambda engine: _transfer(engine, spec, args), [target])


def copy(args: argparse.Namespace) -> int:
    try:
        src, dst = parse_target(args.src), parse_target(args.dst)
    except TargetError as exc:
        return _refused(args, "InvalidTarget", str(exc))
    if args.recursive:
        keys, prefixes = [], [src.path]
    elif src.is_folder:
        return _refused(args, "InvalidTarget", f"'{args.src}' is a folder: add -r (--recursive) to copy it")
    else:
        keys, prefixes = [src.path], []
    exact = None if (args.recursive or dst.is_folder) else dst.path
    spec = CopySpec(
        kind="move" if args.move else "copy",
        source_location=src.location_id,
        keys=keys,
        prefixes=prefixes,
        destination_location=dst.location_id,
        prefix="" if exact else dst.path,
        key=exact,
        conflict=args.conflict,
        limit_rate=args.limit_rate or None,
    )
    return _run(args, lambda engine: _transfer(engine, spec, args), [src, dst])


def sync_folders(args: argparse.Namespace) -> int:
    try:
        src, dst = parse_target(args.src), parse_target(args.dst)
    except TargetError as exc:
        return _refused(args, "InvalidTarget", str(exc))
    spec = SyncSpec(
        source_location=src.location_id,
        source_prefix=src.path,  # a folder either way: a trailing '/' is implied
        destination_location=dst.location_id,
        destination_prefix=dst.path,
        delete=args.delete,
        include=args.include,
        exclude=args.exclude,
        limit_rate=args.limit_rate or None,
    )
    return _run(args, lambda engine: _sync(engine, spec, args), [src, dst])


def package_modelcar(args: argparse.Namespace) -> int:
    spec = ModelCarSpec(
        image=args.to,
        base=args.base,
        models_dir=args.models_dir,
        include=args.include,
        exclude=args.exclude,
        token=args.token,
        limit_rate=args.limit_rate or None,
    )
    targets: list[Target] = []
    if args.src.startswith("hf://"):
        repo, _, revision = args.src[len("hf://") :].partition("@")
        spec.repo_id, spec.revision = repo.strip("/"), revision or "main"
    else:
        try:
            src = parse_target(args.src)
        except TargetError as exc:
            return _refused(args, "InvalidTarget", str(exc))
        spec.source_location, spec.source_prefix = src.location_id, src.path
        targets.append(src)
    return _run(args, lambda engine: _modelcar(engine, spec, args), targets)


async def _modelcar(engine: TransferEngine, spec: ModelCarSpec, args: argparse.Namespace) -> int:
    job = await engine.submit(spec)
    await _watch(engine, job, args)
    if args.json:
        print(json.dumps(job.to_json()))
    elif job.state == JobState.COMPLETED:
        info = job.extra["modelcar"]
        sent, layers = info["layers_sent"], info["layers"]
        print(f"pushed {info['reference']} ({sent} of {layers} layers sent, the others were there)")
        print(f"storageUri: {info['storage_uri']}")
    return EXIT_OK if job.state == JobState.COMPLETED else EXIT_FAILED


def s3_env(args: argparse.Namespace) -> int:
    from odh_tec.config import Config
    from odh_tec.embedded_s3 import find_running

    config = Config()
    running = find_running(config.embedded_s3_dir)
    if running is None:
        return _refused(args, "NoEmbeddedS3", _no_embedded(config))
    values = {
        "AWS_S3_ENDPOINT": running.endpoint,
        "AWS_ACCESS_KEY_ID": running.credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": running.credentials.secret_access_key,
        "AWS_DEFAULT_REGION": config.aws_default_region or "us-east-1",
    }
    if args.json:
        print(json.dumps(values))
    else:
        for name, value in values.items():
            print(f"export {name}={shlex.quote(value)}")
    return EXIT_OK


# Plumbing ----------------------------------------------------------------------------------------


class NoS3(ApiError):
    status, code = 400, "NoS3Endpoint"


def _no_embedded(config) -> str:
    where = config.embedded_s3_dir
    return (
        f"no S3 is configured: AWS_S3_ENDPOINT is not set, and no `odh-tec serve` with an embedded S3 is "
        f"running for this data dir ({where}/endpoint.json is missing or stale). Start `odh-tec serve` "
        "(`make run`) with the same ODH_TEC_DATA_DIR, or set AWS_S3_ENDPOINT, AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY"
    )


def _connect_s3(services, targets: list[Target]) -> None:
    """With no S3 endpoint configured, use the embedded S3 a running server started for this data dir."""
    from odh_tec.embedded_s3 import find_running

    config, s3 = services.config, services.settings.s3
    if s3.endpoint or not config.odh_tec_embedded_s3:
        return
    running = find_running(config.embedded_s3_dir)
    if running is not None:
        s3.endpoint, s3.embedded = running.endpoint, True
        s3.access_key_id = running.credentials.access_key_id
        s3.secret_access_key = running.credentials.secret_access_key
    elif any(t.is_s3 and "@" not in t.location_name for t in targets) and not (
        s3.access_key_id and s3.secret_access_key
    ):  # a named connection's target (`s3://NAME@BUCKET`) needs no default S3
        raise NoS3(_no_embedded(config))


def _add_plain_paths(services, targets: list[Target]) -> None:
    """A plain path on the command line is an ad-hoc local location rooted at its folder."""
    from odh_tec.storage.locations import LocalLocation

    known = {loc.name for loc in services.locations.local}
    for target in targets:
        if target.root is not None and target.location_name not in known:
            services.locations.local.append(LocalLocation(target.location_name, target.root))
            known.add(target.location_name)


@contextlib.asynccontextmanager
async def _engine(args: argparse.Namespace, targets: list[Target]) -> AsyncIterator[TransferEngine]:
    from odh_tec.app import build_services
    from odh_tec.config import Config

    services = build_services(Config())
    _connect_s3(services, targets)
    _add_plain_paths(services, targets)
    options = options_from_env()
    options.file_attempts = max(1, args.retries)
    engine = TransferEngine(services, options)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
        await services.connections.close()


def _run(
    args: argparse.Namespace, work: Callable[[TransferEngine], Awaitable[int]], targets: list[Target] | None = None
) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    # A failed job is reported below, in full: the engine's own log line would say it twice.
    logging.getLogger("odh_tec.transfers.engine").setLevel(logging.ERROR)

    async def main() -> int:
        async with _engine(args, targets or []) as engine:
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
    print(
        f"{preview['file_count']} files, {human_bytes(preview['total_size'])} at commit {preview['sha']} "
        f"({preview['repo_file_count']} in the repo)"
    )
    return EXIT_OK


async def _transfer(engine: TransferEngine, spec: HFImportSpec | CopySpec, args: argparse.Namespace) -> int:
    job = await engine.submit(spec)
    await _watch(engine, job, args)
    if args.json:
        print(json.dumps(job.to_json()))
    return EXIT_OK if job.state == JobState.COMPLETED else EXIT_FAILED


async def _sync(engine: TransferEngine, spec: SyncSpec, args: argparse.Namespace) -> int:
    """One JSON shape for a dry run and a run (docs/transfers.md): the plan, and the job that ran it."""
    plan = await engine.plan_sync(spec)
    shown = plan.to_json()
    if args.dry_run:
        if args.json:
            print(json.dumps({"dry_run": True, "plan": shown, "job": None}))
        else:
            _print_plan(shown)
        return EXIT_OK
    job = await engine.submit(spec, planned=plan)
    await _watch(engine, job, args)
    if args.json:
        print(json.dumps({"dry_run": False, "plan": shown, "job": job.to_json()}))
    return EXIT_OK if job.state == JobState.COMPLETED else EXIT_FAILED


def _print_plan(plan: dict) -> None:
    for f in plan["files"]:
        if f["action"] != "skip":
            print(f"{f['action']:6} {f['rule']:13} {human_bytes(f['size']):>10}  {f['path']}")
    totals = plan["totals"]
    print(
        f"{totals['copy']['files']} to copy ({human_bytes(totals['copy']['bytes'])}), "
        f"{totals['skip']['files']} unchanged, {totals['delete']['files']} to delete"
        + (f" (the first {plan['limit']} of each are listed)" if plan["truncated"] else "")
    )


async def _watch(engine: TransferEngine, job: Job, args: argparse.Namespace) -> None:
    """Follow the job to its end (a progress line on stderr unless --json); ^C cancels it."""
    reporter = None if args.json else Reporter(sys.stderr, tty=sys.stderr.isatty())
    try:
        await _follow(engine, job, reporter)
    except asyncio.CancelledError:
        await asyncio.shield(engine.cancel(job.id))
        raise
    _not_cancelled(job)
    if reporter is not None:
        reporter.finish(job)


def _not_cancelled(job: Job) -> None:
    """Nobody cancelled the files a failed job never started: they failed with it (the engine marks
    them `cancelled`; a person would read that as "I cancelled it")."""
    if job.state != JobState.FAILED:
        return
    for f in job.files:
        if f.state in (FileState.CANCELLED, FileState.QUEUED):
            f.state = FileState.FAILED
            f.error = f.error or job.error


async def _follow(engine: TransferEngine, job: Job, reporter: Reporter | None) -> None:
    while not job.state.finished:
        with contextlib.suppress(TimeoutError):
            await engine.wait(job.id, timeout=REFRESH)
        if reporter is not None and not job.state.finished:
            reporter.update(job)
