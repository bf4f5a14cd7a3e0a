"""The command line: a thin face over Assistant. Only this module and repl.py talk to the terminal."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable

from ..config import Config
from ..errors import RagassistError
from .ray_options import add_ray_options, ray_address
from .terminal import err, out

# Subsystems that add their own subcommands: module path -> attribute `register(subparsers)`.
PLUGINS = [
    "ragassist.interface.draw_cli",
    "ragassist.interface.eval_cli",
    "ragassist.interface.answer_cli",
    "ragassist.interface.chat_cli",
    "ragassist.interface.serve_cli",
    "ragassist.interface.detect_cli",
]


def _assistant(args: argparse.Namespace):  # noqa: ANN202 - an Assistant
    from ..assistant import Assistant

    overrides = {"index_dir": getattr(args, "index", None)}
    return Assistant(Config.load(getattr(args, "config", None), **overrides))


def cmd_index(args: argparse.Namespace) -> int:
    if not args.paths and not args.corpus:
        raise RagassistError("give at least one file or folder to index, or --corpus NAME")
    assistant = _assistant(args)
    report = assistant.index(
        args.paths,
        corpus=args.corpus,
        rebuild=args.rebuild,
        progress=not args.json,
        ray=ray_address(args),
        ray_workers=args.ray_workers,
    )
    if args.json:
        out.print_json(data=report.__dict__)
    else:
        out.print(
            f"[bold]indexed[/] {assistant.config.index_dir}: {len(report.added)} added, "
            f"{len(report.changed)} changed, {report.unchanged} unchanged, {len(report.removed)} removed, "
            f"{len(report.skipped)} skipped; {report.chunks_added} chunks written "
            f"({report.chunks_embedded} embedded), {report.chunks_total} in total; {report.seconds:.1f} s"
        )
        if report.workers:
            done = ", ".join(f"{worker} ({n})" for worker, n in report.workers.items())
            out.print(f"  Ray workers (files done): {done}", markup=False)
        for path, reason in report.skipped:
            out.print(f"  [yellow]skipped[/] {path}: {reason}")
        if report.ignored:
            out.print(
                f"  {len(report.ignored)} files of unsupported types ignored (e.g. {report.ignored[0][0]})"
            )
    if not report.added and not report.changed and not report.unchanged and not report.removed:
        err.print("[red]no documents found[/]: the paths hold no .txt, .md, .html or .pdf files")
        return 2
    return 3 if report.skipped else 0


def cmd_search(args: argparse.Namespace) -> int:
    hits = _assistant(args).search(args.query, args.k, args.mode, args.source)
    if args.json:
        rows = [
            {
                "rank": r,
                "score": h.score,
                "dense_score": h.dense_score,
                "keyword_score": h.keyword_score,
                "source": h.chunk.source,
                "location": h.chunk.location,
                "chunk_id": h.chunk.id,
                "start": h.chunk.start,
                "end": h.chunk.end,
                "text": h.chunk.text,
            }
            for r, h in enumerate(hits, 1)
        ]
        out.print_json(data=rows)
        return 0
    if not hits:
        out.print("no matching passages")
    for rank, hit in enumerate(hits, 1):
        where = f"{hit.chunk.source}" + (f" ({hit.chunk.location})" if hit.chunk.location else "")
        dense = f"cos {hit.dense_score:.3f}" if hit.dense_score is not None else "cos -"
        bm25 = f"bm25 {hit.keyword_score:.2f}" if hit.keyword_score is not None else "bm25 -"
        out.print(
            f"[bold cyan][{rank}][/] {where}  [dim]score {hit.score:.4f} · {dense} · {bm25}[/]"
        )
        text = " ".join(hit.chunk.text.split())
        out.print(f"    {text[:400]}{'…' if len(text) > 400 else ''}\n", markup=False)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    stats = _assistant(args).stats()
    if args.json:
        out.print_json(data=stats)
    else:
        for key, value in stats.items():
            out.print(f"{key:>16}: {value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ragassist",
        description="A local, offline document assistant that cites its sources and says when it might be wrong.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-vv for debug)"
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--index", help="index folder (default: $RAGASSIST_INDEX or the user data folder)"
    )
    common.add_argument("--config", help="a ragassist.toml file")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", parents=[common], help="index files and folders (incremental)")
    p.add_argument("paths", nargs="*", help="files or folders of .txt, .md, .html, .pdf")
    p.add_argument("--corpus", help="a built-in corpus: python-reference")
    p.add_argument("--rebuild", action="store_true", help="start from an empty index")
    add_ray_options(p, "read, split and embed the files")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", parents=[common], help="find passages (hybrid dense + keyword)")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    p.add_argument("--mode", choices=["dense", "keyword", "hybrid"], default=None)
    p.add_argument("--source", help="only sources matching this glob, e.g. '*.md'")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("stats", parents=[common], help="what is indexed, sizes, settings")
    p.set_defaults(func=cmd_stats)

    for module in PLUGINS:
        try:
            register: Callable[..., None] = importlib.import_module(module).register
        except ModuleNotFoundError as e:
            if e.name and module.startswith(e.name):
                continue  # that subsystem is not part of this build
            raise
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except RagassistError as e:
        err.print("[red]error:[/] ", end="")
        err.print(str(e), markup=False)
        return e.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
