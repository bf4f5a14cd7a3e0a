"""Per-token statistics of a text under two models, and the zero-shot scores made from them.

For each scored token t (every token after the first) and models s (small) and l (large):
``lp_m[t]`` is log P_m(x_t | x_<t); ``m1_qp[t]`` = E_{v~q}[log p(v)] and ``m2_qp[t]`` =
E_{v~q}[(log p(v))^2] for q, p in {s, l}. Every published score used here is a function of
these arrays, and a causal model's statistics of a text's first k tokens are the first k
entries, so a text can be cut to any length afterwards without running the models again.

- perplexity (GPTZero-style): mean(-lp_m); lower = more machine-like.
- Binoculars (Hans et al., 2024): mean(-lp_a) / mean(-m1_ba), the log-perplexity under model a
  over the cross-entropy of model b's predictions scored by a; lower = more machine-like.
- Fast-DetectGPT, analytic (Bao et al., 2024): (sum lp_p - sum m1_qp) / sqrt(sum(m2_qp - m1_qp^2)),
  the text's likelihood against the model's own expected likelihood; higher = more machine-like.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

MODELS = ("s", "l")
PAIRS = tuple(q + p for q in MODELS for p in MODELS)  # "sl": q = s weights, p = l scores


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    x = logits.astype(np.float32, copy=True)
    x -= x.max(axis=-1, keepdims=True)
    x -= np.log(np.exp(x).sum(axis=-1, keepdims=True))
    return x


def token_stats(
    ids: list[int], logits_s: np.ndarray, logits_l: np.ndarray
) -> dict[str, list[float]]:
    """The per-token arrays of the module docstring for tokens 1..len(ids)-1, as JSON-able lists."""
    target = np.asarray(ids[1:])
    rows = np.arange(len(target))
    logp = {"s": _log_softmax(logits_s[:-1]), "l": _log_softmax(logits_l[:-1])}
    prob = {m: np.exp(v) for m, v in logp.items()}
    out: dict[str, list[float]] = {}
    for m in MODELS:
        out[f"lp_{m}"] = logp[m][rows, target].astype(float).round(4).tolist()
    for q in MODELS:
        for p in MODELS:
            out[f"m1_{q}{p}"] = (prob[q] * logp[p]).sum(-1).astype(float).round(4).tolist()
            out[f"m2_{q}{p}"] = (prob[q] * logp[p] ** 2).sum(-1).astype(float).round(4).tolist()
    return out


def empty_stats() -> dict[str, list[float]]:
    """The statistics of a text with no scored token."""
    keys = [f"lp_{m}" for m in MODELS] + [f"m{i}_{p}" for i in (1, 2) for p in PAIRS]
    return {k: [] for k in keys}


def cut(stats: dict[str, list[float]], k: int) -> dict[str, np.ndarray]:
    """The statistics of the text's first k+1 tokens (k scored tokens), as arrays."""
    return {key: np.asarray(v[:k], dtype=np.float64) for key, v in stats.items()}


def perplexity(m: str) -> Callable[[dict[str, Any]], float]:
    """Mean negative log-likelihood under model m (log-perplexity)."""
    return lambda st: float(-np.mean(st[f"lp_{m}"]))


def binoculars(a: str, b: str) -> Callable[[dict[str, Any]], float]:
    """Log-perplexity under a over the a-b cross-perplexity (b's predictions scored by a)."""
    return lambda st: float(np.mean(st[f"lp_{a}"]) / np.mean(st[f"m1_{b}{a}"]))


def fast_detectgpt(p: str, q: str) -> Callable[[dict[str, Any]], float]:
    """Analytic sampling discrepancy of scoring model p with sampling model q (normalised per token)."""

    def score(st: dict[str, Any]) -> float:
        mean = st[f"m1_{q}{p}"]
        var = np.clip(st[f"m2_{q}{p}"] - mean**2, 1e-9, None)
        return float((np.sum(st[f"lp_{p}"]) - np.sum(mean)) / math.sqrt(np.sum(var)))

    return score


# name -> (score function, +1 when higher means machine-written, -1 when lower does)
METHODS: dict[str, tuple[Callable[[dict[str, Any]], float], int]] = {
    "length (tokens)": (lambda st: float(len(st["lp_s"])), 1),
    "perplexity 0.5B": (perplexity("s"), -1),
    "perplexity 1.5B": (perplexity("l"), -1),
    "binoculars 0.5B/1.5B": (binoculars("s", "l"), -1),
    "binoculars 1.5B/0.5B": (binoculars("l", "s"), -1),
    "fast-detectgpt 0.5B": (fast_detectgpt("s", "s"), 1),
    "fast-detectgpt 1.5B": (fast_detectgpt("l", "l"), 1),
    "fast-detectgpt 1.5B (0.5B samples)": (fast_detectgpt("l", "s"), 1),
}


def machine_score(method: str, stats: dict[str, Any]) -> float:
    """The method's score oriented so that higher = more machine-like."""
    fn, sign = METHODS[method]
    return sign * fn(stats)
