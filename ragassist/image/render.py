"""Showing images: a PNG grid on disk, and Unicode half blocks in 24-bit colour for terminals."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

import numpy as np


def grid(
    images: np.ndarray, columns: int | None = None, scale: int = 4, gap: int = 2
) -> np.ndarray:
    """(n, H, W, 3) uint8 -> one (rows*, cols*, 3) uint8 image, each picture enlarged scale times."""
    n, h, w, _ = images.shape
    columns = columns or min(n, 8)
    rows = -(-n // columns)
    big = images.repeat(scale, axis=1).repeat(scale, axis=2)
    out = np.full(
        (rows * (h * scale + gap) + gap, columns * (w * scale + gap) + gap, 3), 40, np.uint8
    )
    for i in range(n):
        r, c = divmod(i, columns)
        y, x = gap + r * (h * scale + gap), gap + c * (w * scale + gap)
        out[y : y + h * scale, x : x + w * scale] = big[i]
    return out


def save_png(
    images: np.ndarray, path: str | Path, columns: int | None = None, scale: int = 4
) -> Path:
    """Write the images as one PNG grid; returns the path."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid(images, columns, scale)).save(path)
    return path


def supports_truecolor(stream: TextIO = sys.stdout) -> bool:
    """Is stream a terminal that shows colour (NO_COLOR unset, TERM not dumb)?"""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM", "") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def half_blocks(images: np.ndarray, gap: int = 2) -> str:
    """Images side by side as text: each character is two pixels (upper half block, fg over bg)."""
    n, h, w, _ = images.shape
    lines = []
    for y in range(0, h - 1, 2):
        parts = []
        for i in range(n):
            for x in range(w):
                (r1, g1, b1), (r2, g2, b2) = images[i, y, x], images[i, y + 1, x]
                parts.append(f"\x1b[38;2;{r1};{g1};{b1}m\x1b[48;2;{r2};{g2};{b2}m\u2580")
            parts.append("\x1b[0m" + " " * gap)
        lines.append("".join(parts).rstrip())
    return "\n".join(lines) + "\x1b[0m"
