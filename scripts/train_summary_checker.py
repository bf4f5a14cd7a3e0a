"""Train the summary checker from a seed on HaluEval summarization training rows.

    python scripts/train_summary_checker.py --out ragassist/verification/data/summary-checker [--seed 0]

Rows 1000-4999 of HaluEval summarization: each gives its right and its hallucinated summary,
with the row's document. Rows 0-999 (the summarization profile's and spare) and 7500-7999 (where
scripts/fit_halueval_stack.py fits the fusion on top) are left out; rows 8000-9999 are held out
for the whole project. About 35 minutes on 2 cores for one epoch.

--edits also gives each row's right summary with one FactCC-style edit as a wrong one (tried on
rows 1000-3399, not kept: the loss stayed at the class prior and the checker learned neither the
edits nor HaluEval; docs/results.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from train_reply_checker import checker_arguments, train_checker  # noqa: E402

from ragassist.evaluation import halueval  # noqa: E402
from ragassist.verification import summary_checker  # noqa: E402

TRAIN_ROWS = (1000, 5000)


def main() -> None:
    ap = checker_arguments(__doc__ or "")
    ap.add_argument("--rows", type=int, nargs=2, default=list(TRAIN_ROWS))
    ap.add_argument("--edits", action="store_true", help="add edited right summaries")
    args = ap.parse_args()
    rows = halueval.load_rows("summarization")[slice(*args.rows)]
    about = {
        "rows": f"HaluEval summarization {args.rows[0]}-{args.rows[1] - 1}",
        **({"edits": True} if args.edits else {}),
        "max_tokens": summary_checker.MAX_TOKENS,
    }
    train_checker(
        args,
        lambda: summary_checker.build_examples(rows, args.seed, args.edits),
        summary_checker.encode_batch,
        about,
    )


if __name__ == "__main__":
    main()
