"""Prompt parsing: every caption phrasing (training and held-out) gives back its attributes."""

from __future__ import annotations

import random

import pytest

from ragassist.image.captions import all_combinations, make_caption, random_mention
from ragassist.image.prompt_parse import (
    canonical_caption,
    condition_text,
    is_image_request,
    parse_attributes,
    parse_digit,
)


@pytest.mark.parametrize("heldout", [False, True])
def test_generated_captions_parse_back(heldout: bool) -> None:
    rng = random.Random(1)
    for _ in range(400):
        attrs = rng.choice(all_combinations())
        mention = random_mention(rng)
        caption = make_caption(attrs, rng, mention, heldout=heldout)
        expected = {k: v for k, v in attrs.as_dict().items() if k in mention}
        assert parse_attributes("draw " + caption) == expected, caption


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (
            "a small red circle in the top left",
            {"shape": "circle", "colour": "red", "size": "small", "position": "top left"},
        ),
        ("the flag is a blue triangle on a yellow field", {"shape": "triangle", "colour": "blue"}),
        (
            "Show me a BIG violet plus sign, lower-right corner",
            {"shape": "cross", "colour": "purple", "size": "large", "position": "bottom right"},
        ),
        (
            "a square coloured orange in the middle",
            {"shape": "square", "colour": "orange", "position": "centre"},
        ),
        ("something nice", {}),
    ],
)
def test_free_text_prompts(prompt: str, expected: dict[str, str]) -> None:
    assert parse_attributes(prompt) == expected


def test_digits_and_routing() -> None:
    assert parse_digit("a handwritten 7") == 7
    assert parse_digit("draw the digit three") == 3
    assert parse_digit("a red circle") is None
    assert parse_digit("draw 3 red circles") is None  # a count, not a digit request
    for text in (
        "draw a red circle",
        "Show me what a blue square looks like",
        "a picture of a cat",
        "an image of the flag",
    ):
        assert is_image_request(text), text
    for text in (
        "what is a diffusion model?",
        "explain the drawing process of DDIM",
        "how does the VAE work",
    ):
        assert not is_image_request(text), text
    assert condition_text("Please draw me a picture of a green cross.") == "a green cross"
    assert condition_text("draw") == "draw"


def test_canonical_caption_round_trips_every_combination() -> None:
    for attrs in all_combinations():
        full = attrs.as_dict()
        assert parse_attributes(canonical_caption(full) or "") == full
        partial = {"shape": attrs.shape, "colour": attrs.colour}
        assert parse_attributes(canonical_caption(partial) or "") == partial
    assert canonical_caption({"colour": "red"}) is None
    assert canonical_caption({"shape": "cross", "colour": "orange"}) == "an orange cross"
