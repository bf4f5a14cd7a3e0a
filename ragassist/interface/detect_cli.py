"""`ragassist detect FILE... [--json]`: was each text written by a model? interface/cli.py registers it."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from pathlib import Path
from typing import Any

from ..errors import InputError, RagassistError

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `detect` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "detect",
        help="estimate whether texts were written by a language model (not proof)",
        description="Score each text file with Binoculars over the two packaged Qwen models and "
        "give a calibrated probability that a model wrote it, with the sentences that drive it. "
        "Figures in docs/results.md; a probability is a measurement on named data, not proof.",
    )
    p.add_argument("files", nargs="+", type=Path, help="UTF-8 text files ('-' reads stdin)")
    p.add_argument("--json", action="store_true", help="one JSON object per file, as a list")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (default: every core)")
    p.set_defaults(func=detect_command)


def _show(name: str, d: Any) -> str:
    if d.probability is None:
        return f"{name}: {d.verdict} ({d.tokens} tokens; at least {_min_tokens(d)} needed)"
    lines = [
        f"{name}: {d.verdict}, P(machine-written) = {d.probability:.2f} "
        f"({d.method} score {d.score:.3f}; {d.tokens} tokens, {d.windows} window(s) scored)"
    ]
    if d.drivers:
        lines.append("  sentences that drive it:")
        for s in d.drivers:
            lines.append(f"    {s.score:+.3f} " + textwrap.shorten(s.text, 100, placeholder=" …"))
    return "\n".join(lines)


def _min_tokens(d: Any) -> int:
    from ..detect.detector import load_calibration

    return int(load_calibration()["min_tokens"])


def detect_command(args: argparse.Namespace) -> int:
    """Score each file; a bad file is reported and the others are still scored (exit 2 then)."""
    from ..detect import Detector

    detector = Detector(threads=args.threads)
    results: list[dict[str, Any]] = []
    failed = 0
    for path in args.files:
        name = "stdin" if str(path) == "-" else str(path)
        try:
            if name == "stdin":
                d = detector.score_bytes(sys.stdin.buffer.read(), "stdin")
            else:
                d = detector.score_file(path)
        except InputError as e:
            failed += 1
            results.append({"file": name, "error": str(e)})
            if not args.json:
                print(f"{name}: error: {e}", file=sys.stderr)
            continue
        except RagassistError:
            raise
        results.append({"file": name, **d.to_dict()})
        if not args.json:
            print(_show(name, d))
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
    elif results and len(results) > failed:
        print("\nNote: " + detector.warning())
    return 2 if failed else 0
