"""The generator's excerpts as N small windows (a sentence or two each) instead of two halves.

Runs `ragassist` with `question_windows` replaced: the retrieved passages are cut into windows of
about excerpt_chars / N characters (at least 120) and the N closest to the question are shown.
Session 18, 200 training questions at excerpt_chars = 600, N = 3: gold contained 67 against 83
for today's two windows of 900 (p = 0.02), prompt tokens 308 against 319. Not kept.

    .venv/bin/python scripts/experiments/try_small_windows.py 3 eval rag-corpus --seed 0 \\
        --docs /tmp/train-qa/corpus --questions /tmp/train-qa/questions.jsonl --n 200 \\
        --config C_600 --out eval/fit/excerpts-train/x600-top3
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from ragassist.index.embed import Embedder
from ragassist.interface.cli import main
from ragassist.types import Hit
from ragassist.verification import evidence


def small_windows(top: int):  # noqa: ANN201 - a question_windows replacement
    def question_windows(
        question: str, hits: Sequence[Hit], embedder: Embedder, max_chars: int
    ) -> tuple[list[evidence.Window], list[int], list[int]]:
        windows, owners = evidence._cut(hits, max(120, max_chars // top))
        pool = evidence.EvidencePool(windows, embedder)
        vec = np.asarray(embedder.embed([question]))[0]
        best, *_ = evidence.select(pool, question, vec, embedder, top=top)
        return windows, owners, best

    return question_windows


if __name__ == "__main__":
    evidence.question_windows = small_windows(int(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
