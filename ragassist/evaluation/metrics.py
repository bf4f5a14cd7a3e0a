"""Evaluation metrics: detection (AUROC, calibration), retrieval (recall@k, MRR), answers (EM, F1).

Plain numpy, no fitting: every figure here is computed on data no model was fit on.
Detection convention: label 1 = the positive class (for hallucination detection: hallucinated),
and a score or probability is higher for the positive class.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

import numpy as np


def _arrays(labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray):
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(f"labels {y.shape} and scores {s.shape} must be 1-D and the same length")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return y, s


def auroc(labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """Area under the ROC curve: P(score of a random positive > a random negative), ties half.

    Computed from average ranks (Mann-Whitney U); nan when one class is absent.
    """
    y, s = _arrays(labels, scores)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    # average rank for ties
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0  # 1-based average rank of each tie group
    ranks[order] = np.repeat(avg, counts)
    u = ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def roc_points(
    labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates at every distinct threshold, from (0, 0) to (1, 1)."""
    y, s = _arrays(labels, scores)
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last_of_group = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(y)[last_of_group]
    fps = (last_of_group + 1) - tps
    n_pos, n_neg = max(int(y.sum()), 1), max(len(y) - int(y.sum()), 1)
    return np.r_[0.0, fps / n_neg], np.r_[0.0, tps / n_pos]


def confusion_at(
    labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray, threshold: float
) -> dict[str, float]:
    """Accuracy, precision, recall and F1 when `score >= threshold` predicts the positive class."""
    y, s = _arrays(labels, scores)
    pred = s >= threshold
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = float(np.mean(pred == (y == 1))) if len(y) else float("nan")
    return {"accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1}


def precision_at_recall(
    labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray, recall: float = 0.9
) -> float:
    """The best precision over thresholds that catch at least `recall` of the positives."""
    y, s = _arrays(labels, scores)
    n_pos = int(y.sum())
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last_of_group = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(y)[last_of_group]
    predicted = last_of_group + 1
    ok = tps / n_pos >= recall - 1e-12
    return float(np.max(tps[ok] / predicted[ok]))


def reliability(
    labels: Sequence[int] | np.ndarray, probs: Sequence[float] | np.ndarray, bins: int = 10
) -> list[dict[str, float]]:
    """Per equal-width probability bin: mean predicted probability, observed rate, count.

    Empty bins are left out. The data behind a reliability diagram and the ECE.
    """
    y, p = _arrays(labels, probs)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("probabilities must lie in [0, 1]")
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    out = []
    for b in range(bins):
        mask = idx == b
        if mask.any():
            out.append(
                {
                    "low": b / bins,
                    "high": (b + 1) / bins,
                    "mean_probability": float(p[mask].mean()),
                    "observed_rate": float(y[mask].mean()),
                    "count": int(mask.sum()),
                }
            )
    return out


def expected_calibration_error(
    labels: Sequence[int] | np.ndarray, probs: Sequence[float] | np.ndarray, bins: int = 10
) -> float:
    """Binned ECE: sum over bins of (bin share) * |observed rate - mean probability|."""
    y, _ = _arrays(labels, probs)
    if len(y) == 0:
        return float("nan")
    return float(
        sum(
            b["count"] / len(y) * abs(b["observed_rate"] - b["mean_probability"])
            for b in reliability(labels, probs, bins)
        )
    )


def detection_metrics(
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    threshold: float | None = None,
    probabilities: bool = False,
) -> dict[str, float]:
    """The standard detection figures for one scorer: AUROC, P@90%R, and at a threshold acc/F1.

    ECE is added when the scores are probabilities.
    """
    y, s = _arrays(labels, scores)
    out: dict[str, float] = {
        "n": len(y),
        "auroc": auroc(y, s),
        "precision_at_90_recall": precision_at_recall(y, s, 0.9),
    }
    if threshold is not None:
        conf = confusion_at(y, s, threshold)
        out |= {"accuracy": conf["accuracy"], "f1": conf["f1"]}
    if probabilities:
        out["ece"] = expected_calibration_error(y, s)
    return out


# --- retrieval -------------------------------------------------------------------------------


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries whose gold item is at rank <= k (ranks are 1-based; None = not found)."""
    if not ranks:
        return float("nan")
    return float(np.mean([r is not None and r <= k for r in ranks]))


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank of the gold item, 0 when it was not retrieved."""
    if not ranks:
        return float("nan")
    return float(np.mean([1.0 / r if r else 0.0 for r in ranks]))


def first_rank(retrieved: Sequence[str], gold: str | set[str]) -> int | None:
    """1-based rank of the first retrieved id that is gold, or None."""
    golds = {gold} if isinstance(gold, str) else gold
    for i, item in enumerate(retrieved, start=1):
        if item in golds:
            return i
    return None


# --- answers (SQuAD-style) -------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)
_PUNCT_SPACE = str.maketrans(string.punctuation, " " * len(string.punctuation))


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().translate(_PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, golds: str | Sequence[str]) -> float:
    """1.0 when the normalised prediction equals any normalised gold answer."""
    golds = [golds] if isinstance(golds, str) else list(golds)
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(g) for g in golds))


def token_f1(prediction: str, golds: str | Sequence[str]) -> float:
    """SQuAD token F1 between the normalised prediction and the best gold answer."""
    golds = [golds] if isinstance(golds, str) else list(golds)
    pred = normalize_answer(prediction).split()
    best = 0.0
    for gold in golds:
        g = normalize_answer(gold).split()
        if not pred or not g:
            best = max(best, float(pred == g))
            continue
        common = sum((Counter(pred) & Counter(g)).values())
        if common == 0:
            continue
        precision, recall = common / len(pred), common / len(g)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def _spaced(text: str) -> str:
    """normalize_answer with punctuation turned into spaces: "Hillbilly.Hillbilly" is two words."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT_SPACE)).split())


def gold_contained(prediction: str, golds: str | Sequence[str]) -> float:
    """1.0 when some normalised gold answer occurs as whole words in the normalised prediction.

    Tried with punctuation removed (SQuAD: "Arthur's" = "arthurs") and turned into spaces, so an
    answer copied from text that glues sentences together ("EA Sports.Connor") still counts.
    """
    golds = [golds] if isinstance(golds, str) else list(golds)
    for norm in (normalize_answer, _spaced):
        pred = f" {norm(prediction)} "
        if any(norm(g) and f" {norm(g)} " in pred for g in golds):
            return 1.0
    return 0.0
