"""PNG grids and terminal half blocks show the pixels they are given."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ragassist.image.render import grid, half_blocks, save_png, supports_truecolor


def test_grid_places_each_enlarged_image() -> None:
    images = np.zeros((3, 32, 32, 3), np.uint8)
    images[1] = 200
    g = grid(images, columns=2, scale=2, gap=2)
    assert g.shape == (2 * (64 + 2) + 2, 2 * (64 + 2) + 2, 3)
    assert (g[2:66, 68:132] == 200).all() and (g[2:66, 2:66] == 0).all()


def test_png_round_trip(tmp_path) -> None:
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    path = save_png(images, tmp_path / "sub" / "x.png", scale=1)
    back = np.asarray(Image.open(path))
    np.testing.assert_array_equal(back[2:34, 2:34], images[0])


def test_half_blocks_carry_top_and_bottom_pixel_colours() -> None:
    image = np.zeros((1, 2, 1, 3), np.uint8)
    image[0, 0, 0] = (255, 0, 0)
    image[0, 1, 0] = (0, 0, 255)
    text = half_blocks(image)
    assert "\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m\u2580" in text
    assert len(half_blocks(np.zeros((2, 32, 32, 3), np.uint8)).splitlines()) == 16
    assert not supports_truecolor(io.StringIO())
