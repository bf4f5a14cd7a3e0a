"""PNG plots for reports, drawn headless with matplotlib's Agg backend.

Each function writes one file and returns its name (relative to the report folder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers or in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import metrics  # noqa: E402


def _save(fig: plt.Figure, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


def roc(
    path: Path,
    labels: np.ndarray,
    scores: Mapping[str, np.ndarray],
    title: str = "ROC: detecting hallucinations",
) -> str:
    """ROC curves of several scorers of the positive class, with their AUROC in the legend."""
    fig, ax = plt.subplots(figsize=(5, 5))
    for name, s in scores.items():
        fpr, tpr = metrics.roc_points(labels, s)
        ax.plot(fpr, tpr, label=f"{name} (AUROC {metrics.auroc(labels, s):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(
        xlabel="false-positive rate",
        ylabel="true-positive rate",
        title=title,
    )
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def reliability_diagram(path: Path, labels: np.ndarray, probs: np.ndarray, bins: int = 10) -> str:
    """Observed rate against mean predicted probability per bin; the diagonal is perfect."""
    data = metrics.reliability(labels, probs, bins)
    ece = metrics.expected_calibration_error(labels, probs, bins)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.plot(
        [b["mean_probability"] for b in data],
        [b["observed_rate"] for b in data],
        marker="o",
        label=f"verifier (ECE {ece:.3f})",
    )
    for b in data:
        ax.annotate(str(b["count"]), (b["mean_probability"], b["observed_rate"]), fontsize=7)
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1.08),
        xlabel="predicted P(hallucinated)",
        ylabel="observed share hallucinated",
        title="Reliability (count per bin)",
    )
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def score_histograms(path: Path, labels: np.ndarray, probs: np.ndarray) -> str:
    """Histograms of P(supported) for right answers and for hallucinated ones."""
    fig, ax = plt.subplots(figsize=(6, 4))
    edges = [i / 20 for i in range(21)]
    ax.hist(probs[labels == 0], bins=edges, alpha=0.6, label="right answers")
    ax.hist(probs[labels == 1], bins=edges, alpha=0.6, label="hallucinated answers")
    ax.set(xlabel="verifier P(supported)", ylabel="answers", title="Verifier scores by true label")
    ax.legend(fontsize=8)
    return _save(fig, path)


def recall_curve(path: Path, ranks: Sequence[int | None], max_k: int = 10) -> str:
    """Recall@k of the gold passage for k = 1..max_k."""
    ks = list(range(1, max_k + 1))
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(ks, [metrics.recall_at_k(ranks, k) for k in ks], marker="o")
    ax.set(
        xlabel="k",
        ylabel="recall@k",
        ylim=(0, 1.02),
        xticks=ks,
        title="Retrieval: gold passage in the top k",
    )
    ax.grid(alpha=0.3)
    return _save(fig, path)
