"""Training sets for each stage, for either data set: shapes or digits.

Every batch is a pure function of (seed, step), so a run resumed from a checkpoint sees the
same data it would have seen without the interruption.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .captions import VOCAB, heldout_combinations, train_combinations
from .data import digit_captions, load_digits_32, make_shapes
from .judge import DIGIT_VOCAB

log = logging.getLogger(__name__)

DataName = Literal["shapes", "digits"]


@dataclass
class Pool:
    """A fixed set of images with one caption and the class labels of each."""

    images: np.ndarray  # (n, 3, 32, 32) float32
    captions: list[str]
    labels: dict[str, np.ndarray]


def _shift(images: np.ndarray, rng: np.random.Generator, max_shift: int = 1) -> np.ndarray:
    """Move each image by up to max_shift pixels (digits only have 1,437 training images)."""
    out = np.empty_like(images)
    for i, img in enumerate(images):
        dx, dy = rng.integers(-max_shift, max_shift + 1, size=2)
        out[i] = np.roll(img, (int(dy), int(dx)), axis=(1, 2))
    return out


class DataSource:
    """The images, captions and labels one data set gives each training stage."""

    def __init__(self, name: DataName, seed: int) -> None:
        if name not in ("shapes", "digits"):
            raise ValueError(f"data given as {name!r} must be one of shapes, digits")
        self.name, self.seed = name, seed
        self._vae_pool: np.ndarray | None = None
        if name == "digits":
            self.digit_images, self.digit_labels = load_digits_32("train")

    @property
    def heads(self) -> dict[str, list[str]]:
        """The judge's attributes and class names for this data set."""
        vocab = DIGIT_VOCAB if self.name == "digits" else VOCAB
        return {k: list(v) for k, v in vocab.items()}

    def vae_batch(self, step: int, n: int, pool_size: int = 12_000) -> np.ndarray:
        """Images for one VAE step (training combinations only), from a pool rendered once."""
        rng = np.random.default_rng(self.seed * 1_000_003 + step)
        if self.name == "shapes":
            if self._vae_pool is None:
                combos = train_combinations()
                self._vae_pool = make_shapes(pool_size, seed=self.seed + 5, combos=combos).images
            return self._vae_pool[rng.integers(0, len(self._vae_pool), size=n)]
        pick = rng.integers(0, len(self.digit_images), size=n)
        return _shift(self.digit_images[pick], rng)

    def caption_pool(self, n: int) -> Pool:
        """n captioned images for the denoiser (training combinations and phrasings only)."""
        if self.name == "shapes":
            batch = make_shapes(n, seed=self.seed + 17, combos=train_combinations())
            return Pool(batch.images, batch.captions, batch.labels)
        rng = np.random.default_rng(self.seed + 17)
        pick = rng.integers(0, len(self.digit_images), size=n)
        labels = self.digit_labels[pick]
        captions = digit_captions(labels, seed=self.seed + 17)
        return Pool(_shift(self.digit_images[pick], rng), captions, {"digit": labels})

    def judge_pool(self, n: int) -> Pool:
        """n labelled images for the judge: every combination, held-out ones included."""
        if self.name == "shapes":
            combos = train_combinations() + sorted(heldout_combinations(), key=str)
            batch = make_shapes(n, seed=self.seed + 29, combos=combos)
            return Pool(batch.images, batch.captions, batch.labels)
        rng = np.random.default_rng(self.seed + 29)
        pick = rng.integers(0, len(self.digit_images), size=n)
        labels = self.digit_labels[pick]
        return Pool(_shift(self.digit_images[pick], rng), [""] * n, {"digit": labels})


def sample_indices(step: int, seed: int, pool_size: int, n: int) -> np.ndarray:
    """The pool rows of one training step, a pure function of (seed, step)."""
    return np.random.default_rng(seed * 7_919 + step).integers(0, pool_size, size=n)
