"""Image metrics: prompt adherence per attribute, Fréchet distance, sharpness and diversity."""

from __future__ import annotations

import numpy as np
from scipy import linalg

from .captions import Attributes
from .judge import ImageJudge


def adherence(
    judge: ImageJudge, images: np.ndarray, wanted: list[dict[str, str]]
) -> dict[str, float]:
    """Share of images whose judged value equals the wanted one, per attribute and for all at once."""
    probs = judge.probabilities(images)
    seen = {k: np.array(judge.heads[k])[p.argmax(axis=1)] for k, p in probs.items()}
    per_attr: dict[str, list[bool]] = {}
    all_ok = []
    for i, want in enumerate(wanted):
        oks = [seen[k][i] == v for k, v in want.items() if k in seen]
        for (k, _), ok in zip([(k, v) for k, v in want.items() if k in seen], oks, strict=True):
            per_attr.setdefault(k, []).append(bool(ok))
        all_ok.append(all(oks))
    out = {k: float(np.mean(v)) for k, v in per_attr.items()}
    out["all"] = float(np.mean(all_ok)) if all_ok else float("nan")
    return out


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the FID formula)."""
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    if not np.isfinite(covmean).all():
        eps = np.eye(len(cov_a)) * 1e-6
        covmean = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    covmean = np.real(covmean)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))


def sharpness(images: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels (uint8 images, 0-255 scale)."""
    x = images.astype(np.float32)
    dx = np.abs(np.diff(x, axis=2)).mean()
    dy = np.abs(np.diff(x, axis=1)).mean()
    return float((dx + dy) / 2)


def mean_pairwise_distance(features: np.ndarray) -> float:
    """Average Euclidean distance between all pairs of rows: spread of a set of samples."""
    if len(features) < 2:
        return 0.0
    d = np.sqrt(((features[:, None] - features[None]) ** 2).sum(-1))
    n = len(features)
    return float(d.sum() / (n * (n - 1)))


def coverage(judge: ImageJudge, images: np.ndarray) -> int:
    """How many distinct attribute combinations the judge sees among the images."""
    probs = judge.probabilities(images)
    keys = list(probs)
    seen = np.stack([probs[k].argmax(axis=1) for k in keys], axis=1)
    return len({tuple(row) for row in seen})


def wanted_of(attrs: list[Attributes]) -> list[dict[str, str]]:
    """Attribute dictionaries for adherence()."""
    return [a.as_dict() for a in attrs]
