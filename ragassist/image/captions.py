"""The words of the image world: attribute vocabulary, caption templates and synonyms.

Training captions use one set of templates and synonyms; a second set is held out and only
ever used by the evaluation, to measure whether the model follows phrasings it never saw.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SHAPES = ("circle", "square", "triangle", "cross")
COLOURS = ("red", "green", "blue", "yellow", "purple", "orange", "white")
SIZES = ("small", "large")
POSITIONS = ("top left", "top right", "bottom left", "bottom right", "centre")
ATTRIBUTES = ("shape", "colour", "size", "position")
VOCAB: dict[str, tuple[str, ...]] = {
    "shape": SHAPES,
    "colour": COLOURS,
    "size": SIZES,
    "position": POSITIONS,
}
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# Words a caption may use for each value: the first list trains, the second is held out.
SHAPE_WORDS = {
    "circle": (["circle", "disc", "round dot"], ["round disk", "ball shape"]),
    "square": (
        ["square", "box", "square block"],
        ["square tile", "quadrilateral with equal sides"],
    ),
    "triangle": (["triangle", "triangular shape"], ["three-sided shape", "triangular tile"]),
    "cross": (["cross", "plus sign", "plus shape"], ["cross mark", "plus symbol"]),
}
SIZE_WORDS = {
    "small": (["small", "little"], ["tiny", "miniature"]),
    "large": (["large", "big"], ["huge", "giant"]),
}
COLOUR_WORDS = {c: ([c], [c]) for c in COLOURS}
COLOUR_WORDS["purple"] = (["purple", "violet"], ["purple"])
POSITION_WORDS = {
    "top left": (["top left", "upper left", "top-left corner"], ["upper-left corner", "left top"]),
    "top right": (
        ["top right", "upper right", "top-right corner"],
        ["upper-right corner", "right top"],
    ),
    "bottom left": (
        ["bottom left", "lower left", "bottom-left corner"],
        ["lower-left corner", "left bottom"],
    ),
    "bottom right": (
        ["bottom right", "lower right", "bottom-right corner"],
        ["lower-right corner", "right bottom"],
    ),
    "centre": (["centre", "center", "middle"], ["very middle", "central area"]),
}

# Templates: {np} is the noun phrase (article, size, colour, shape); {loc} is the place
# phrase with its lead-in words, or nothing when the caption does not name a position.
TRAIN_TEMPLATES = (
    ("{np} {loc}", "in the"),
    ("{np} {loc}", "at the"),
    ("there is {np} {loc}", "in the"),
    ("a picture of {np} {loc}", "in the"),
    ("an image showing {np} {loc}", "placed in the"),
    ("{loc}, {np}", "in the"),
    ("{np}, {loc}", ""),
)
HELDOUT_TEMPLATES = (
    ("{loc}, you can see {np}", "over in the"),
    ("a drawing in which {np} sits {loc}", "in the"),
    ("render {np} {loc}", "positioned at the"),
    ("{np} located {loc}", "toward the"),
)
TRAIN_NP = ("{art} {size} {colour} {shape}", "{art} {colour} {shape} that is {size}")
HELDOUT_NP = ("{art} {shape} coloured {colour}, {size}", "{art} {size} {shape} in {colour}")


@dataclass(frozen=True)
class Attributes:
    """What one procedural image shows: each field is one value of VOCAB."""

    shape: str
    colour: str
    size: str
    position: str

    def as_dict(self) -> dict[str, str]:
        return {
            "shape": self.shape,
            "colour": self.colour,
            "size": self.size,
            "position": self.position,
        }


def all_combinations() -> list[Attributes]:
    """Every attribute combination, in a fixed order."""
    return [
        Attributes(s, c, z, p) for s in SHAPES for c in COLOURS for z in SIZES for p in POSITIONS
    ]


def heldout_combinations(fraction: float = 0.1, seed: int = 1234) -> frozenset[Attributes]:
    """A fixed tenth of the combinations that training never draws, for held-out prompts."""
    combos = all_combinations()
    rng = random.Random(seed)
    return frozenset(rng.sample(combos, round(len(combos) * fraction)))


def train_combinations() -> list[Attributes]:
    """The combinations training may draw."""
    held = heldout_combinations()
    return [a for a in all_combinations() if a not in held]


def _article(next_word: str) -> str:
    return "an" if next_word[:1] in "aeiou" else "a"


def make_caption(
    attrs: Attributes,
    rng: random.Random,
    mention: tuple[str, ...] = ATTRIBUTES,
    heldout: bool = False,
) -> str:
    """One caption for attrs naming only the attributes in mention (shape is always named)."""
    pick = 1 if heldout else 0
    shape = rng.choice(SHAPE_WORDS[attrs.shape][pick])
    colour = rng.choice(COLOUR_WORDS[attrs.colour][pick]) if "colour" in mention else ""
    size = rng.choice(SIZE_WORDS[attrs.size][pick]) if "size" in mention else ""
    loc = rng.choice(POSITION_WORDS[attrs.position][pick]) if "position" in mention else ""
    np_template = rng.choice(HELDOUT_NP if heldout else TRAIN_NP)
    if not size:
        np_template = "{art} {colour} {shape}"
    if not colour and "coloured" in np_template:
        np_template = "{art} {size} {shape}"
    body = np_template.replace("{art} ", "").format(size=size, colour=colour, shape=shape)
    body = " ".join(body.split()).strip(" ,")
    noun_phrase = f"{_article(body)} {body}"
    template, lead = rng.choice(HELDOUT_TEMPLATES if heldout else TRAIN_TEMPLATES)
    if loc:
        out = template.replace("{loc}", f"{lead} {loc}".strip())
    else:
        out = template.replace("{loc}, ", "").replace(", {loc}", "").replace(" {loc}", "")
    out = out.replace("{np}", noun_phrase)
    return " ".join(out.split())


def random_mention(rng: random.Random) -> tuple[str, ...]:
    """Which attributes a training caption names: usually all, sometimes fewer."""
    names = ["shape"]
    for name, p in (("colour", 0.9), ("size", 0.75), ("position", 0.75)):
        if rng.random() < p:
            names.append(name)
    return tuple(names)


def digit_caption(digit: int, rng: random.Random, heldout: bool = False) -> str:
    """A caption for a handwritten digit, e.g. 'a handwritten 7'."""
    word = DIGIT_WORDS[digit]
    if heldout:
        options = [f"the numeral {digit} written by hand", f"a scribbled {word}"]
    else:
        options = [
            f"a handwritten {digit}",
            f"the digit {digit}",
            f"a handwritten {word}",
            f"the number {word}, written by hand",
            f"digit {word}",
        ]
    return rng.choice(options)
