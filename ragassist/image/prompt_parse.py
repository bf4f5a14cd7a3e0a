"""Read the attributes a free-text prompt asks for, so the judge knows what to check.

A small lexicon, not a model: every synonym the captions use (training and held-out) plus a
few more. What the prompt does not name is left out, and the judge does not check it.
"""

from __future__ import annotations

import re

from .captions import COLOUR_WORDS, DIGIT_WORDS, POSITION_WORDS, SHAPE_WORDS, SIZE_WORDS

_REQUEST = re.compile(
    r"^\s*(please\s+)?(can you\s+|could you\s+)?(draw|paint|sketch|render|generate|make|create|show me|show)"
    r"(\s+me)?(\s+(a|an)\s+(picture|image|drawing|photo)\s+of)?\s+",
    re.IGNORECASE,
)
_IMAGE_REQUEST = re.compile(
    r"^\s*(please\s+)?(can you\s+|could you\s+)?(draw|paint|sketch)\b"
    r"|\bshow me what\b.*\blooks? like\b"
    r"|\b(picture|image|drawing|illustration|sketch) of\b"
    r"|\bwhat does\b.*\blook like\b",
    re.IGNORECASE,
)

_EXTRA_SHAPES = {
    "circle": ["circles", "disk", "round"],
    "square": ["squares"],
    "triangle": ["triangles"],
    "cross": ["crosses", "plus"],
}
_EXTRA_SIZES = {"small": ["smaller", "mini"], "large": ["larger", "bigger", "enormous"]}
_EXTRA_COLOURS = {"purple": ["lilac", "magenta"], "yellow": ["golden"]}


def _lexicon(
    table: dict[str, tuple[list[str], list[str]]], extra: dict[str, list[str]]
) -> list[tuple[str, str]]:
    """(phrase, value) pairs, longest phrase first so 'plus sign' wins over 'plus'."""
    pairs = {
        (w.lower().replace("-", " "), v) for v, (train, held) in table.items() for w in train + held
    }
    pairs |= {(w, v) for v, words in extra.items() for w in words}
    return sorted(pairs, key=lambda p: -len(p[0]))


_SHAPES = _lexicon(SHAPE_WORDS, _EXTRA_SHAPES)
_SIZES = _lexicon(SIZE_WORDS, _EXTRA_SIZES)
_COLOURS = _lexicon(COLOUR_WORDS, _EXTRA_COLOURS)


def _find(text: str, lexicon: list[tuple[str, str]]) -> list[tuple[int, str]]:
    """(position, value) of every lexicon phrase in text, longest match first, no overlaps."""
    found: list[tuple[int, str]] = []
    taken = [False] * len(text)
    for phrase, value in lexicon:
        for m in re.finditer(rf"\b{re.escape(phrase)}\b", text):
            if not any(taken[m.start() : m.end()]):
                found.append((m.start(), value))
                for i in range(m.start(), m.end()):
                    taken[i] = True
    return sorted(found)


def _position(text: str) -> str | None:
    for value, (train, held) in POSITION_WORDS.items():
        if any(re.search(rf"\b{re.escape(w)}\b", text) for w in train + held):
            return value
    vertical = "top" if re.search(r"\b(top|upper|above)\b", text) else None
    vertical = "bottom" if re.search(r"\b(bottom|lower|below)\b", text) else vertical
    horizontal = "left" if re.search(r"\bleft\b", text) else None
    horizontal = "right" if re.search(r"\bright\b", text) else horizontal
    if vertical and horizontal:
        return f"{vertical} {horizontal}"
    if re.search(r"\b(centre|center|central|middle|centred|centered)\b", text):
        return "centre"
    return None


def parse_digit(prompt: str) -> int | None:
    """The digit a prompt asks for ('a handwritten 7', 'the digit seven'), or None."""
    text = prompt.lower()
    if not re.search(
        r"\b(digit|handwritten|hand-written|numeral|number|written by hand|scribbled)\b", text
    ):
        return None
    m = re.search(r"\b([0-9])\b", text)
    if m:
        return int(m.group(1))
    for d, word in enumerate(DIGIT_WORDS):
        if re.search(rf"\b{word}\b", text):
            return d
    return None


def parse_attributes(prompt: str) -> dict[str, str]:
    """The shape, colour, size and position a prompt asks for; only those it names.

    The colour is the one named closest before the shape ('a blue triangle on a yellow
    field' asks for a blue triangle), else the first one named.
    """
    text = prompt.lower().replace("-", " ").replace("top left hand", "top left")
    text = re.sub(r"\s+", " ", text)
    out: dict[str, str] = {}
    shapes = _find(text, _SHAPES)
    if shapes:
        out["shape"] = shapes[0][1]
    colours = _find(text, _COLOURS)
    if colours:
        before = [c for c in colours if shapes and c[0] < shapes[0][0]]
        out["colour"] = (before[-1] if before else colours[0])[1]
    sizes = _find(text, _SIZES)
    if sizes:
        out["size"] = sizes[0][1]
    position = _position(text)
    if position:
        out["position"] = position
    return out


def condition_text(prompt: str) -> str:
    """The prompt without its request words ('draw me a picture of ...'), to embed as the condition."""
    stripped = _REQUEST.sub("", prompt).strip().rstrip(".!?")
    return stripped or prompt.strip()


def is_image_request(text: str) -> bool:
    """Does this message ask for a picture ('draw ...', 'show me what ... looks like', 'image of')?"""
    return bool(_IMAGE_REQUEST.search(text))


def canonical_caption(attributes: dict[str, str]) -> str | None:
    """The attributes in the training captions' plainest words ('a small red circle in the top left').

    Conditioning on this instead of the user's wording makes unusual phrasings as easy to follow
    as familiar ones; None when no shape was asked for (then the prompt itself is the condition).
    """
    if "shape" not in attributes:
        return None
    words = [attributes.get("size", ""), attributes.get("colour", ""), attributes["shape"]]
    body = " ".join(w for w in words if w)
    article = "an" if body[0] in "aeiou" else "a"
    where = f" in the {attributes['position']}" if "position" in attributes else ""
    return f"{article} {body}{where}"
