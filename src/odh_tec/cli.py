"""`odh-tec` command line: serve the app, and (from their packages) transfers and the VRAM estimator."""

from __future__ import annotations

import argparse
import os
import signal
import sys

import uvicorn

from odh_tec import presign_cli
from odh_tec.observability.logs import configure_logging
from odh_tec.transfers import cli as transfers_cli
from odh_tec.vram import cli as vram_cli

# Requests still running this long after SIGTERM are cancelled (an upload then aborts its multipart
# upload); with the transfers' own cancel and SeaweedFS's stop, the exit stays well inside
# Kubernetes' 30 s grace period.
GRACE_SECONDS = 3


class StoppingServer(uvicorn.Server):
    """Uvicorn, where a second SIGTERM or SIGINT exits at once (the first one stops cleanly)."""

    def handle_exit(self, sig: int, frame) -> None:
        if self.should_exit:
            embedded = getattr(getattr(self.config.app, "state", None), "services", None)
            weed = getattr(getattr(embedded, "embedded", None), "process", None)
            if weed is not None:
                # Its own process group (start_new_session): it would outlive us otherwise.
                with_suppressed(lambda: os.killpg(weed.pid, signal.SIGKILL))
            print("odh-tec: stopped at once (second signal)", file=sys.stderr, flush=True)
            os._exit(128 + sig)
        super().handle_exit(sig, frame)


def with_suppressed(action) -> None:
    try:
        action()
    except OSError:
        pass


def _serve(args: argparse.Namespace) -> int:
    from odh_tec.app import create_app
    from odh_tec.config import Config
    from odh_tec.memory import return_freed_buffers
    from odh_tec.security.policy import InsecureConfiguration

    overrides: dict = {}
    if args.no_embedded_s3:
        overrides["odh_tec_embedded_s3"] = False
    if args.host:
        overrides["ip"] = args.host
    if args.port:
        overrides["port"] = args.port
    config = Config(**overrides)
    configure_logging(config.log_level, config.log_format)
    return_freed_buffers()
    try:
        app = create_app(config)
    except InsecureConfiguration as exc:
        print(f"odh-tec: {exc}", file=sys.stderr)
        return 2
    shown = "127.0.0.1" if config.ip in ("0.0.0.0", "::") else config.ip
    base = f"http://{shown}:{config.port}"
    print(f"ODH-TEC listening on {base}{config.nb_prefix}/", flush=True)
    policy = app.state.security
    if policy.token_generated:
        print(f"Open this URL to log in (the token changes at every start):\n    {policy.login_url(base)}", flush=True)
    # X-Forwarded-* are read by our own ProxyHeaders middleware, against FORWARDED_ALLOW_IPS.
    server = StoppingServer(
        uvicorn.Config(
            app,
            host=config.ip,
            port=config.port,
            log_level=config.log_level.lower(),
            proxy_headers=False,
            log_config=None,
            timeout_graceful_shutdown=GRACE_SECONDS,
        )
    )
    server.run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="odh-tec", description="Open Data Hub Tools & Extensions Companion")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web app and API")
    serve.add_argument("--host", help="address to bind (default: $IP or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: $PORT or 8888)")
    serve.add_argument(
        "--no-embedded-s3",
        action="store_true",
        help="do not start the embedded SeaweedFS when no S3 endpoint is configured",
    )
    serve.set_defaults(func=_serve)

    transfers_cli.register(sub)
    presign_cli.register(sub)
    vram_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
