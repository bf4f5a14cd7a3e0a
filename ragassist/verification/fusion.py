"""Fusion: many signals -> one calibrated support probability, by a small logistic regression.

The fitted parameters live as JSON in ragassist/verification/data/fusion.json, one model per profile (qa,
dialogue, summarization, general), each with and without the judge's signals. They are fitted by
scripts/fit_verifier.py on HaluEval rows 0-7999 only, from a fixed seed.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import LoadError

if TYPE_CHECKING:
    from ..config import VerifyConfig

log = logging.getLogger(__name__)

FUSION_PATH = Path(__file__).parent / "data" / "fusion.json"


@dataclass(frozen=True)
class FusionModel:
    """Standardise the named signals, then a logistic regression; plus the fitted flag threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # flag below this: chosen on training rows (see `meta`)
    meta: dict[str, Any] = field(default_factory=dict)  # what it was fitted on, seed, figures

    def logit(self, signals: Mapping[str, float]) -> float:
        """The fused log-odds; a missing signal counts as its training mean (no contribution)."""
        z = self.intercept
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            value = signals.get(name, mu)
            z += w * (float(value) - mu) / sd
        return z

    def probability(self, signals: Mapping[str, float]) -> float:
        """The calibrated probability that the claim is supported."""
        z = self.logit(signals)
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def contributions(self, signals: Mapping[str, float]) -> dict[str, float]:
        """Each signal's share of the log-odds, for --explain."""
        return {
            name: w * (float(signals.get(name, mu)) - mu) / sd
            for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        }


def fit(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[int],
    features: Sequence[str],
    seed: int = 0,
    c: float = 1.0,
    flag_rate_on_supported: float = 0.10,
    meta: dict[str, Any] | None = None,
    weights: Sequence[float] | None = None,
) -> FusionModel:
    """Fit the fusion on training rows; the threshold flags `flag_rate_on_supported` of label-1 rows.

    Deterministic: same rows, labels and seed give identical parameters. `weights` (one per
    row) let pairs where a shortcut says nothing count more.
    """
    from sklearn.linear_model import LogisticRegression

    x = np.array([[float(r[f]) for f in features] for r in rows], dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    if len(set(y.tolist())) < 2:
        raise ValueError("the fusion needs rows of both labels (supported and unsupported)")
    mean = x.mean(0)
    scale = np.where(x.std(0) > 1e-9, x.std(0), 1.0)
    model = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    model.fit((x - mean) / scale, y, sample_weight=None if weights is None else np.asarray(weights))
    z = model.decision_function((x - mean) / scale)
    p = 1.0 / (1.0 + np.exp(-z))
    threshold = float(np.quantile(p[y == 1], flag_rate_on_supported))
    return FusionModel(
        features=tuple(features),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        threshold=round(threshold, 6),
        meta={"seed": seed, "C": c, "n": int(len(y)), **(meta or {})},
    )


def to_dict(model: FusionModel) -> dict[str, Any]:
    """JSON-ready form of a fitted model."""
    return asdict(model)


def from_dict(data: Mapping[str, Any]) -> FusionModel:
    """A model back from its JSON form."""
    return FusionModel(
        features=tuple(data["features"]),
        mean=tuple(data["mean"]),
        scale=tuple(data["scale"]),
        coef=tuple(data["coef"]),
        intercept=float(data["intercept"]),
        threshold=float(data["threshold"]),
        meta=dict(data.get("meta", {})),
    )


def save_models(models: Mapping[str, FusionModel], path: Path = FUSION_PATH) -> None:
    """Write every fitted model to one JSON file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {key: to_dict(m) for key, m in sorted(models.items())}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


@functools.cache
def load_models(path: Path = FUSION_PATH) -> dict[str, FusionModel]:
    """All fitted models by key ('qa', 'qa+judge', ...)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise LoadError(
            str(path), f"cannot read the fitted fusion ({e}); run scripts/fit_verifier.py"
        ) from e
    return {key: from_dict(v) for key, v in data.items()}


def model_for(profile: str, judge: bool, path: Path = FUSION_PATH) -> FusionModel:
    """The fitted model of a profile, with the judge's signals or without them."""
    models = load_models(path)
    key = f"{profile}+judge" if judge else profile
    if key not in models:
        if judge and profile in models:
            log.warning("no fitted %s; using %s without the judge's signals", key, profile)
            return models[profile]
        raise LoadError(str(path), f"no fitted model {key!r}; known: {', '.join(models)}")
    return models[key]


def fitted_key(
    profile: str, models: Mapping[str, Any], config: VerifyConfig, judge: bool
) -> tuple[str, bool]:
    """Which fit a verifier uses, as (profile, judge) for model_for: the profile's answer-judge
    fit when that judge is on; else its fit with a small trained model (span reader; reply
    checker for dialogue, summary checker for summarization) when that model is on and the
    claim judge is not (asked for, the judge's own fit is used); else the profile's own, with
    the judge or not."""
    if config.answer_judge and f"{profile}+answer-judge" in models:
        return f"{profile}+answer-judge", False
    checker = {"dialogue": config.reply_checker, "summarization": config.summary_checker}
    for suffix, on in (("reader", config.span_reader), ("checker", checker.get(profile, False))):
        if on and not judge and f"{profile}+{suffix}" in models:
            return f"{profile}+{suffix}", False
    return profile, judge


def stack_base_logits(
    model: FusionModel, signals: dict[str, float], path: Path = FUSION_PATH
) -> None:
    """Add the logits a stacked model reads from the models below it (meta base, base_feature).

    `answers` reads the `general` model's log-odds as cheap_logit; `answers+answer-judge` reads
    the `answers` model's as answers_logit; each base is filled in before the model above it.
    """
    base = model.meta.get("base")
    feature = model.meta.get("base_feature", "cheap_logit")
    if not base or feature not in model.features:
        return
    below = model_for(base, False, path)
    stack_base_logits(below, signals, path)
    signals[feature] = below.logit(signals)
