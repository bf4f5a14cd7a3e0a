"""Answer -> claims: sentences, cut further where one sentence joins several statements.

Citation markers like [1] or [2, 3] are removed from a claim's text; each claim keeps its
character span in the answer so flags can be drawn on the original text.
"""

from __future__ import annotations

import itertools
import re

from ..types import Claim

# (?<!\s): a match starts only at the first space of a run, so a long run of spaces is scanned
# once, not once per position (a 40,000-space answer took 7 s)
CITATION = re.compile(r"(?<!\s)\s*\[\s*\d+(?:\s*[,;\-–]\s*\d+)*\s*\]")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e u.s u.k no fig al approx inc ltd co corp jan feb "
    "mar apr jun jul aug sep sept oct nov dec".split()
)
# a sentence ends at . ! ? (or a newline) followed by space and a likely sentence start
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”')\]]*\s+(?=[\"“'(\[]?[A-Z0-9])|\n+")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# clause joints that usually start a new statement; both sides must be long enough
_JOINTS = re.compile(r";\s+|,\s+(?:and|but|while|whereas|although)\s+|(?<!\s)\s+whereas\s+")
MIN_CLAUSE_WORDS = 4


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of sentences, not splitting after abbreviations or initials."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        # the word before the boundary: a short tail is enough (abbreviations are short), and
        # reading all text since the last boundary was quadratic on "Dr. Dr. Dr. ..."
        before = text[max(start, m.start() - 32) : m.start()].rstrip()
        last = before.split()[-1].lower().rstrip(".") if before.split() else ""
        if "\n" not in m.group() and (
            last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())
        ):
            continue  # "Dr. Smith", "J. R. R. Tolkien": not a boundary
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


_WORD = re.compile(r"\S+")


def _has_words(text: str, start: int, end: int) -> bool:
    """At least MIN_CLAUSE_WORDS words in text[start:end], reading only as far as needed
    (splitting the whole rest of the sentence at every joint was quadratic on "x; x; x; ...")."""
    words = _WORD.finditer(text, start, end)
    return sum(1 for _ in itertools.islice(words, MIN_CLAUSE_WORDS)) >= MIN_CLAUSE_WORDS


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut one sentence at clause joints when both sides carry at least MIN_CLAUSE_WORDS words."""
    spans, cur = [], start
    for m in _JOINTS.finditer(text, start, end):
        if _has_words(text, cur, m.start()) and _has_words(text, m.end(), end):
            spans.append((cur, m.start()))
            cur = m.end()
    spans.append((cur, end))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of any text (used for answers and for evidence passages alike)."""
    out = []
    for s, e in _sentence_spans(text):
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def clean_claim(text: str) -> str:
    """Claim text without citation markers, list bullets or surrounding space."""
    text = CITATION.sub("", text)
    text = _LIST_MARK.sub("", text)
    return " ".join(text.split()).strip()


def split_claims(answer: str) -> list[Claim]:
    """The checkable statements of an answer, in order; [] for an empty or claim-free answer."""
    claims: list[Claim] = []
    for s, e in split_sentences(answer or ""):
        for cs, ce in _clause_spans(answer, s, e):
            text = clean_claim(answer[cs:ce])
            if any(ch.isalnum() for ch in text):
                claims.append(Claim(text=text, start=cs, end=ce))
    return claims
