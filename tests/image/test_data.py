"""The procedural data: labels agree with the pixels; held-out prompts and phrasings stay out of training."""

from __future__ import annotations

import random

import numpy as np

from ragassist.image.captions import (
    HELDOUT_TEMPLATES,
    TRAIN_TEMPLATES,
    all_combinations,
    heldout_combinations,
    make_caption,
    train_combinations,
)
from ragassist.image.data import CENTRES, foreground_mask, load_digits_32, make_shapes, pixel_colour


def test_pixels_show_the_labelled_colour_position_and_size() -> None:
    batch = make_shapes(200, seed=5)
    for image, attrs in zip(batch.images, batch.attributes, strict=True):
        mask = foreground_mask(image)
        assert mask.sum() > 10, attrs
        assert pixel_colour(image) == attrs.colour
        ys, xs = np.nonzero(mask)
        cx, cy = CENTRES[attrs.position]
        assert abs(xs.mean() + 0.5 - cx) < 3.5 and abs(ys.mean() + 0.5 - cy) < 4.5
        assert (mask.sum() > 95) == (attrs.size == "large"), (attrs, mask.sum())
        assert np.median(image.reshape(3, -1), axis=1).max() <= 0.15  # a dark background


def test_same_seed_same_data() -> None:
    a, b = make_shapes(8, seed=1), make_shapes(8, seed=1)
    np.testing.assert_array_equal(a.images, b.images)
    assert a.captions == b.captions
    assert make_shapes(8, seed=2).captions != a.captions


def test_heldout_combinations_are_never_drawn_for_training() -> None:
    held = heldout_combinations()
    train = set(train_combinations())
    assert len(held) == 28 and not held & train and held | train == set(all_combinations())
    batch = make_shapes(500, seed=3, combos=train_combinations())
    assert not set(batch.attributes) & held
    for attr in ("shape", "colour", "size", "position"):  # every value still trains
        assert {getattr(a, attr) for a in train} == {getattr(a, attr) for a in all_combinations()}


def test_heldout_phrasings_never_occur_in_training_captions() -> None:
    rng = random.Random(0)
    combos = all_combinations()
    train_caps = {make_caption(rng.choice(combos), rng) for _ in range(3000)}
    held_caps = {make_caption(rng.choice(combos), rng, heldout=True) for _ in range(300)}
    assert not train_caps & held_caps
    for template, _ in HELDOUT_TEMPLATES:
        lead = template.split("{")[0].strip() or template.split("}")[1].strip(" ,")
        assert lead and not any(lead in c for c in train_caps), lead
    assert len(TRAIN_TEMPLATES) >= 5


def test_digits_are_32x32_rgb_and_split() -> None:
    train, train_y = load_digits_32("train")
    test, test_y = load_digits_32("test")
    assert train.shape[1:] == (3, 32, 32) and len(train) + len(test) == 1797
    assert 0 <= train.min() and train.max() <= 1 and set(np.unique(test_y)) == set(range(10))
