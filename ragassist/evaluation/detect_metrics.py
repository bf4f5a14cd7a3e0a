"""Length matching, low-false-positive figures and the calibration fit of `eval detect`.

Texts are compared at equal length: each machine text is paired with a human text of the same
split (human sources in turn) and both are cut to the shorter one's token count, which a causal
model's statistics allow without running it again (detect/stats.py). Thresholds for "1% / 5%
false positives" and the logistic calibration are fitted on the training split only and then
applied to the held-out split, whose actual false-positive rate is reported beside.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..detect.stats import METHODS, cut, machine_score
from . import metrics

FPRS = (0.01, 0.05)


@dataclass(frozen=True)
class Scored:
    """One text as compared: its row, the tokens kept, its partner's source."""

    row: dict[str, Any]
    k: int  # scored tokens kept
    partner: str  # the source of the text it was paired with

    @property
    def label(self) -> int:
        return int(self.row["label"])

    @property
    def source(self) -> str:
        return str(self.row["source"])

    def score(self, method: str) -> float:
        return machine_score(method, cut(self.row["stats"], self.k))


def matched_pairs(rows: Sequence[dict[str, Any]], min_tokens: int, seed: int = 0) -> list[Scored]:
    """Every machine row paired with a human row (sources in turn, reused when they run out),
    both cut to the shorter's scored tokens; pairs shorter than min_tokens are left out."""
    rng = np.random.default_rng(seed)
    humans: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["label"] == 0:
            humans.setdefault(r["source"], []).append(r)
    for group in humans.values():
        rng.shuffle(group)  # type: ignore[arg-type]
    pools = sorted(humans)
    machines = [r for r in rows if r["label"] == 1]
    out: list[Scored] = []
    used = dict.fromkeys(pools, 0)
    for i, m in enumerate(machines):
        if not pools:
            break
        src = pools[i % len(pools)]
        h = humans[src][used[src] % len(humans[src])]
        used[src] += 1
        k = min(len(m["stats"]["lp_s"]), len(h["stats"]["lp_s"]))
        if k >= min_tokens:
            out += [Scored(m, k, src), Scored(h, k, m["source"])]
    return out


def as_written(rows: Sequence[dict[str, Any]], min_tokens: int) -> list[Scored]:
    """Every row at its own length (at least min_tokens scored tokens)."""
    return [
        Scored(r, len(r["stats"]["lp_s"]), "")
        for r in rows
        if len(r["stats"]["lp_s"]) >= min_tokens
    ]


def thresholds(train: Sequence[Scored], method: str) -> dict[float, float]:
    """Score thresholds that flag at most each FPR of the training human texts."""
    human = np.array([s.score(method) for s in train if s.label == 0])
    if len(human) == 0:
        return {f: math.inf for f in FPRS}
    return {f: float(np.quantile(human, 1 - f, method="higher")) + 1e-12 for f in FPRS}


def figures(
    items: Sequence[Scored], method: str, cuts: dict[float, float] | None
) -> dict[str, Any]:
    """AUROC, and TPR / actual FPR at the training thresholds, of one method on a set of texts."""
    y = np.array([s.label for s in items])
    s = np.array([x.score(method) for x in items])
    out: dict[str, Any] = {
        "n": f"{int(y.sum())}+{int((1 - y).sum())}",
        "auroc": metrics.auroc(y, s),
    }
    for f in FPRS:
        pct = round(f * 100)
        if cuts is not None:
            flagged = s >= cuts[f]
            out[f"tpr@{pct}%fpr"] = float(flagged[y == 1].mean()) if (y == 1).any() else math.nan
            out[f"fpr (target {pct}%)"] = (
                float(flagged[y == 0].mean()) if (y == 0).any() else math.nan
            )
        else:  # the evaluation's own ROC, as papers report it
            fpr, tpr = metrics.roc_points(y, s)
            out[f"tpr@{pct}%fpr"] = float(tpr[fpr <= f].max()) if len(tpr) else math.nan
    return out


def fit_logistic(train: Sequence[Scored], method: str) -> tuple[float, float]:
    """(a, b) of P(machine) = sigmoid(a * score + b), fitted on the training texts."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[s.score(method)] for s in train])
    y = np.array([s.label for s in train])
    model = LogisticRegression(C=100.0).fit(x, y)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def auroc_by_length(items: Sequence[Scored], method: str, lengths: Sequence[int]) -> dict[str, Any]:
    """AUROC when every pair is cut to exactly k scored tokens (pairs shorter than k left out)."""
    out: dict[str, Any] = {}
    for k in lengths:
        kept = [Scored(s.row, k, s.partner) for s in items if s.k >= k]
        y = [s.label for s in kept]
        out[f"{k} tokens"] = {
            "n": len(kept),
            "auroc": metrics.auroc(y, [s.score(method) for s in kept]) if kept else math.nan,
        }
    return out


def method_names() -> list[str]:
    """Every method of detect/stats.py, length first."""
    return list(METHODS)
