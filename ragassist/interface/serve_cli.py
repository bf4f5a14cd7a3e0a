"""`ragassist serve`: the HTTP server (ragassist/interface/server/) run by uvicorn.

The port opens at once and /health says "loading" while a progress line shows the models load;
then it says "ready". Binding to anything but a loopback address needs an API key.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import logging
import os
import threading
import time
from typing import Any

from ..config import Config
from ..errors import InputError
from .terminal import err

log = logging.getLogger(__name__)

KEY_ENV = "RAGASSIST_API_KEY"


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: addresses no other machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, api_key: str | None) -> None:
    """Refuse to serve the documents to the network without a key."""
    if not is_loopback(host) and not api_key:
        raise InputError(
            f"refusing to listen on {host} without an API key: anyone who can reach this "
            f"machine could read your documents. Pass --api-key KEY (or set {KEY_ENV}), "
            "or keep the default --host 127.0.0.1"
        )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .server.app import create_app
    from .server.engine import Engine

    api_key = args.api_key or os.environ.get(KEY_ENV) or None
    check_binding(args.host, api_key)
    if args.queue < 0 or args.timeout <= 0 or args.max_upload_mb <= 0:
        raise InputError("--queue takes 0 or more, --timeout and --max-upload-mb more than 0")
    config = Config.load(args.config, index_dir=args.index)
    if args.model:
        config = dataclasses.replace(
            config, generate=dataclasses.replace(config.generate, model=args.model)
        )
    engine = Engine(config, max_waiting=args.queue, timeout_s=args.timeout)
    app = create_app(engine, api_key=api_key, max_upload_mb=args.max_upload_mb)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level="warning" if not args.verbose else "info",
            access_log=bool(args.verbose),
            timeout_graceful_shutdown=5,
            # a client that waits out a Retry-After reuses its connection: keep it open that long
            timeout_keep_alive=30,
        )
    )
    url = f"http://{args.host}:{args.port}"
    began = time.perf_counter()

    def progress(step: str) -> None:
        if step == "ready":
            err.print(f"[green]ready[/] in {time.perf_counter() - began:.1f} s: {url}")
        else:
            err.print(f"loading {step}… [dim](GET {url}/health says when ready)[/]")

    def load() -> None:
        try:
            engine.load(progress)
        except Exception as e:  # the message names the problem; the server then stops
            err.print("[red]error:[/] ", end="")
            err.print(str(e), markup=False)
            server.should_exit = True

    err.print(f"ragassist serve: index {config.index_dir}; listening on {url}")
    threading.Thread(target=load, name="ragassist-load", daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down on: a normal stop
        err.print("stopped")
    finally:
        engine.shutdown()
    return 1 if engine.status == "failed" else 0


def register(sub: Any) -> None:
    """Add `ragassist serve` to the CLI."""
    p = sub.add_parser(
        "serve", help="an HTTP server: OpenAI-compatible API, native endpoints, a web page"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--index", help="index folder (default: $RAGASSIST_INDEX or the user data folder)"
    )
    p.add_argument("--config", help="a ragassist.toml file")
    p.add_argument("--model", help="the default generator (a name from `ragassist models`)")
    p.add_argument(
        "--api-key",
        help=f"require 'Authorization: Bearer KEY' on every API call (or set {KEY_ENV}); "
        "needed to bind to a non-loopback address",
    )
    p.add_argument(
        "--queue", type=int, default=8, help="answers that may wait behind the running one (8)"
    )
    p.add_argument(
        "--timeout", type=float, default=300.0, help="seconds an answer may run (default 300)"
    )
    p.add_argument(
        "--max-upload-mb", type=float, default=20.0, help="largest uploaded file in MB (20)"
    )
    p.set_defaults(func=cmd_serve)
