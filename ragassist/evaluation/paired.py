"""Two runs on the same items, answer by answer: which items changed, and is the change chance?

A difference of two rates over a few hundred questions can be noise. Pairing the items of two
runs counts the discordant ones (right in one run only) and gives McNemar's exact p-value: under
"no difference", each discordant item is a fair coin.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .jsonl import json_objects

PAIRED_FIELDS = ("gold_contained", "abstained", "flagged")  # per-item yes/no fields of RAG runs


@dataclass(frozen=True)
class Paired:
    """One yes/no field over the items both runs scored."""

    name: str
    items: int
    both: int
    only_a: int
    only_b: int

    @property
    def p_value(self) -> float:
        """McNemar's exact two-sided p: the discordant items as fair coin flips."""
        n, k = self.only_a + self.only_b, min(self.only_a, self.only_b)
        if n == 0:
            return 1.0
        tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
        return min(1.0, 2 * tail)


def _rows(run: Path) -> dict[str, dict[str, Any]]:
    rows = json_objects(run / "results.jsonl", "--compare", "a run's scored items")
    return {str(r["id"]): r for _, _, r in rows if "id" in r}


def _yes(row: dict[str, Any], name: str) -> bool:
    return bool(row.get(name) or 0)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def paired(run_a: Path, run_b: Path) -> tuple[list[Paired], dict[str, tuple[float, float]]]:
    """Each yes/no field paired over the shared items, and the medians/means beside them
    (answer words median, token-F1 mean) as (A, B)."""
    a, b = _rows(run_a), _rows(run_b)
    shared = [k for k in a if k in b]
    fields = []
    for name in PAIRED_FIELDS:
        if not any(name in a[k] for k in shared):
            continue
        ya = [_yes(a[k], name) for k in shared]
        yb = [_yes(b[k], name) for k in shared]
        fields.append(
            Paired(
                name,
                len(shared),
                sum(x and y for x, y in zip(ya, yb, strict=True)),
                sum(x and not y for x, y in zip(ya, yb, strict=True)),
                sum(y and not x for x, y in zip(ya, yb, strict=True)),
            )
        )
    extra: dict[str, tuple[float, float]] = {}
    said = [k for k in shared if isinstance(a[k].get("answer"), str) and "answer" in b[k]]
    if said:
        words = [[len(str(r[k]["answer"]).split()) for k in said] for r in (a, b)]
        extra["answer words, median"] = (statistics.median(words[0]), statistics.median(words[1]))
    scored = [k for k in shared if _number(a[k].get("token_f1")) and _number(b[k].get("token_f1"))]
    if scored:
        f1 = [statistics.fmean(float(r[k]["token_f1"]) for k in scored) for r in (a, b)]
        extra["token-F1, mean"] = (f1[0], f1[1])
    return fields, extra


def format_paired(fields: list[Paired], extra: dict[str, tuple[float, float]]) -> str:
    """The paired fields as a text table (empty when the runs share no item)."""
    if not fields:
        return ""
    lines = [
        f"paired over {fields[0].items} items both runs scored:",
        f"{'field':<16}  {'A':>5}  {'B':>5}  {'only A':>6}  {'only B':>6}  {'p (McNemar)':>11}",
    ]
    for f in fields:
        a, b = f.both + f.only_a, f.both + f.only_b
        lines.append(
            f"{f.name:<16}  {a:>5}  {b:>5}  {f.only_a:>6}  {f.only_b:>6}  {f.p_value:>11.3f}"
        )
    for name, (va, vb) in extra.items():
        lines.append(f"{name}: A {va:.3g}, B {vb:.3g}")
    return "\n".join(lines)
