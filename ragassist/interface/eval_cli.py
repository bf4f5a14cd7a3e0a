"""`ragassist eval`: run an evaluation suite, or compare two runs. interface/cli.py calls register()."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..errors import InputError
from .ray_options import add_ray_options, ray_address

log = logging.getLogger(__name__)

# Written out rather than built from suites.SUITES: importing the suites costs 0.6 s at start-up.
EPILOG = """suites:
  verify-file             score your JSONL of {context, answer[, label]} rows (--file)
  halueval-qa             detection on held-out HaluEval-QA pairs (rows 8000-9999)
  halueval-dialogue       detection on held-out HaluEval-dialogue pairs
  halueval-summarization  detection on held-out HaluEval-summarization pairs
  rag-halueval            end to end over the held-out HaluEval-QA passages
  rag-corpus              end to end over --docs with --questions
  image                   image model: prompt adherence, judge ceiling, injected wrong images
  detect                  machine-written text detection (human vs ChatGPT/Qwen/SmolLM2 text)
A re-run with the same setup resumes; see eval/README.md."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `eval` command to the CLI's subparsers."""
    p = subparsers.add_parser(
        "eval",
        help="run a hallucination or RAG evaluation suite",
        description="Run an evaluation suite (resumable, seeded) or compare two runs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("suite", nargs="?", help="suite name (see below)")
    p.add_argument("--n", type=int, help="items to evaluate (default: the suite's standard size)")
    p.add_argument("--seed", type=int, default=0, help="seed of the item sampling (default 0)")
    p.add_argument("--config", type=Path, help="a ragassist.toml for the pipeline under test")
    p.add_argument("--out", type=Path, help="output folder (default runs/SUITE-seedS)")
    p.add_argument(
        "--questions", type=Path, help="rag-corpus: JSONL of questions with gold answers"
    )
    p.add_argument("--docs", type=Path, help="rag-corpus: folder of documents or a built-in corpus")
    p.add_argument(
        "--file", type=Path, help="verify-file: JSONL of {context, answer[, label]} rows"
    )
    p.add_argument("--retrieval-only", action="store_true", help="RAG suites: skip answering")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_ray_options(p, "score the items")
    p.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("RUN_A", "RUN_B"),
        help="print metric deltas, and the items both runs scored, paired",
    )
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Carry out `ragassist eval ...`; user errors are raised as RagassistError."""
    from ..evaluation import report
    from ..evaluation.paired import format_paired, paired
    from ..evaluation.run import run
    from ..evaluation.runner import RunOptions

    if args.compare:
        a, b = args.compare
        print(report.format_comparison(report.compare(a, b), str(a), str(b)))
        table = format_paired(*paired(a, b))
        if table:
            print("\n" + table)
        return 0
    if not args.suite:
        from ..evaluation.suites import get_suite

        get_suite("")  # raises, listing the suites
        raise InputError("name a suite")  # pragma: no cover - get_suite("") always raises
    options = RunOptions(
        suite=args.suite,
        n=args.n,
        seed=args.seed,
        config_path=args.config,
        out=args.out,
        questions=args.questions,
        docs=args.docs,
        file=args.file,
        progress=not args.no_progress,
        ray=ray_address(args),
        ray_workers=args.ray_workers,
    )
    result = run(options, {"retrieval_only": args.retrieval_only})
    scored = result.scored_now
    print(f"{options.suite}: {scored} items scored now; report in {result.out / 'report.md'}")
    print((result.out / "report.md").read_text(encoding="utf-8"), file=sys.stdout)
    return 0
