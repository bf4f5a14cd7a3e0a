"""The table the reading experiments print: gold contained, token-F1 and length per answer kind."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from ragassist.evaluation.metrics import gold_contained, token_f1


def print_table(rows: Sequence[dict[str, Any]], keys: Iterable[str], gold: str = "golds") -> None:
    """One Markdown row per answer field: gold contained, token-F1 and median words."""
    print("| answer | gold contained | token-F1 | median words |\n|---|---|---|---|")
    for key in keys:
        texts = [(r[key] or "", r[gold]) for r in rows]
        contained = statistics.mean(gold_contained(t, g) for t, g in texts)
        f1 = statistics.mean(token_f1(t, g) for t, g in texts)
        words = statistics.median(len(t.split()) for t, _ in texts)
        print(f"| {key} | {contained:.3f} | {f1:.3f} | {words:g} |")


def won_lost(
    rows: Sequence[dict[str, Any]], new: str, old: str, gold: str = "golds"
) -> tuple[int, int]:
    """(rows right only in the new answer, rows right only in the old one)."""
    right = [
        (gold_contained(r[new] or "", r[gold]), gold_contained(r[old] or "", r[gold])) for r in rows
    ]
    return sum(a > b for a, b in right), sum(b > a for a, b in right)
