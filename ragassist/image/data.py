"""Procedural training data: coloured shapes on a dark background, and the scikit-learn digits.

Every image is 32x32 RGB, float32 in [0, 1], channels first (3, 32, 32). The shapes come with
their attribute labels, so the same generator trains the models and the judge that checks them.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import numpy as np

from .captions import (
    ATTRIBUTES,
    COLOURS,
    POSITIONS,
    SHAPES,
    SIZES,
    Attributes,
    digit_caption,
    make_caption,
    random_mention,
    train_combinations,
)

log = logging.getLogger(__name__)

IMAGE_SIZE = 32
PALETTE = {
    "red": (0.90, 0.15, 0.15),
    "green": (0.15, 0.75, 0.20),
    "blue": (0.15, 0.30, 0.95),
    "yellow": (0.95, 0.90, 0.15),
    "purple": (0.60, 0.20, 0.80),
    "orange": (0.98, 0.55, 0.10),
    "white": (0.95, 0.95, 0.95),
}
CENTRES = {  # (x, y) in pixels; y grows downwards
    "top left": (9.5, 9.5),
    "top right": (22.5, 9.5),
    "bottom left": (9.5, 22.5),
    "bottom right": (22.5, 22.5),
    "centre": (16.0, 16.0),
}
RADII = {"small": 4.5, "large": 7.5}
_YY, _XX = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE].astype(np.float32) + 0.5


def _signed_distance(shape: str, dx: np.ndarray, dy: np.ndarray, r: float) -> np.ndarray:
    """Signed distance in pixels from the shape's edge: negative inside."""
    if shape == "circle":
        return np.sqrt(dx**2 + dy**2) - r
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) - 0.85 * r
    if shape == "cross":
        t = 0.36 * r
        bar_h = np.maximum(np.abs(dx) - r, np.abs(dy) - t)
        bar_v = np.maximum(np.abs(dx) - t, np.abs(dy) - r)
        return np.minimum(bar_h, bar_v)
    if shape == "triangle":  # equilateral, apex up
        dy = dy - 0.325 * r  # centre the bounding box, not the centroid
        edges = []
        for angle in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3):
            nx, ny = np.cos(angle), np.sin(angle)  # outward normals (y down)
            edges.append(dx * nx + dy * ny - 0.65 * r)
        return np.max(np.stack(edges), axis=0)
    raise ValueError(f"shape given as {shape!r} must be one of {', '.join(SHAPES)}")


def render(attrs: Attributes, rng: np.random.Generator) -> np.ndarray:
    """Draw one anti-aliased image of attrs with small random jitter; (3, 32, 32) float32."""
    cx, cy = CENTRES[attrs.position]
    cx += rng.uniform(-1.5, 1.5)
    cy += rng.uniform(-1.5, 1.5)
    r = RADII[attrs.size] * rng.uniform(0.9, 1.1)
    alpha = np.clip(0.5 - _signed_distance(attrs.shape, _XX - cx, _YY - cy, r), 0.0, 1.0)
    background = rng.uniform(0.0, 0.15, size=3).astype(np.float32)
    colour = np.clip(np.array(PALETTE[attrs.colour]) + rng.uniform(-0.05, 0.05, 3), 0, 1)
    image = background[:, None, None] * (1 - alpha) + colour[:, None, None] * alpha
    return image.astype(np.float32)


def random_attributes(rng: random.Random, combos: list[Attributes] | None = None) -> Attributes:
    """A uniformly drawn attribute combination (from the training ones unless combos is given)."""
    return rng.choice(combos if combos is not None else train_combinations())


def labels_of(attrs: Attributes) -> dict[str, int]:
    """The class index of each attribute, for the judge."""
    return {
        "shape": SHAPES.index(attrs.shape),
        "colour": COLOURS.index(attrs.colour),
        "size": SIZES.index(attrs.size),
        "position": POSITIONS.index(attrs.position),
    }


@dataclass
class ShapeBatch:
    """Images with their attribute labels and captions."""

    images: np.ndarray  # (n, 3, 32, 32) float32 in [0, 1]
    labels: dict[str, np.ndarray]  # attribute -> (n,) int64 class index
    captions: list[str]
    attributes: list[Attributes]


def make_shapes(
    n: int,
    seed: int,
    combos: list[Attributes] | None = None,
    heldout_phrasing: bool = False,
    full_captions: bool = False,
) -> ShapeBatch:
    """n fresh shape images with labels and one caption each, reproducible from seed."""
    py_rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    attrs = [random_attributes(py_rng, combos) for _ in range(n)]
    images = np.stack([render(a, np_rng) for a in attrs]) if n else np.zeros((0, 3, 32, 32))
    captions = [
        make_caption(
            a,
            py_rng,
            ATTRIBUTES if full_captions else random_mention(py_rng),
            heldout=heldout_phrasing,
        )
        for a in attrs
    ]
    labels = {k: np.array([labels_of(a)[k] for a in attrs], dtype=np.int64) for k in ATTRIBUTES}
    return ShapeBatch(images.astype(np.float32), labels, captions, attrs)


def load_digits_32(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The scikit-learn digits upsampled to 32x32 RGB (white ink on black); 80/20 split."""
    import torch
    import torch.nn.functional as F
    from sklearn.datasets import load_digits

    if split not in ("train", "test", "all"):
        raise ValueError(f"split given as {split!r} must be one of train, test, all")
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    cut = int(0.8 * len(order))
    index = {"train": order[:cut], "test": order[cut:], "all": order}[split]
    small = torch.from_numpy(digits.images[index].astype(np.float32) / 16.0)[:, None]
    padded = F.pad(small, (1, 1, 1, 1))  # 10x10 with a dark border
    big = F.interpolate(padded, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bilinear", align_corners=False)
    images = big.clamp(0, 1).repeat(1, 3, 1, 1).numpy()
    return images.astype(np.float32), digits.target[index].astype(np.int64)


def digit_captions(labels: np.ndarray, seed: int, heldout: bool = False) -> list[str]:
    """One caption per digit label."""
    rng = random.Random(seed)
    return [digit_caption(int(d), rng, heldout) for d in labels]


def foreground_mask(image: np.ndarray) -> np.ndarray:
    """Pixels that stand out from the background: (H, W) bool for a (3, H, W) float image."""
    distance = np.abs(image - np.median(image.reshape(3, -1), axis=1)[:, None, None]).sum(0)
    return distance > 0.3


def pixel_colour(image: np.ndarray) -> str:
    """The palette colour nearest the core of the foreground: a model-free colour check."""
    distance = np.abs(image - np.median(image.reshape(3, -1), axis=1)[:, None, None]).sum(0)
    core = distance >= 0.7 * distance.max()
    colour = image[:, core].mean(axis=1)
    return min(PALETTE, key=lambda c: float(np.abs(np.array(PALETTE[c]) - colour).sum()))
