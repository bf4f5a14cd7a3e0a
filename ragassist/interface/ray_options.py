"""The --ray and --ray-workers options that `index` and `eval` share."""

from __future__ import annotations

import argparse

from ..index.cluster import LOCAL, check_address


def add_ray_options(parser: argparse.ArgumentParser, what: str) -> None:
    """Add --ray [ADDRESS] and --ray-workers N; `what` says what the workers do."""
    parser.add_argument(
        "--ray",
        nargs="?",
        const=LOCAL,
        metavar="ADDRESS",
        help=f"{what} on Ray actors: a local Ray started for this run, or a cluster "
        "(ray://HOST:10001, HOST:6379 or auto); needs pip install 'ragassist[ray]'",
    )
    parser.add_argument(
        "--ray-workers", type=int, metavar="N", help="Ray actors (default: one per CPU)"
    )


def ray_address(args: argparse.Namespace) -> str | None:
    """The checked --ray address (None without --ray): a path after --ray is caught here."""
    return None if args.ray is None else check_address(args.ray)
