"""Answer -> claims: sentences, cut further where one sentence joins several statements.

Citation markers like [1] or [2, 3] are removed from a claim's text; each claim keeps its
character span in the answer so flags can be drawn on the original text.
"""

from __future__ import annotations

import re

from ..types import Claim

CITATION = re.compile(r"\s*\[\s*\d+(?:\s*[,;\-–]\s*\d+)*\s*\]")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e u.s u.k no fig al approx inc ltd co corp jan feb "
    "mar apr jun jul aug sep sept oct nov dec".split()
)
# a sentence ends at . ! ? (or a newline) followed by space and a likely sentence start
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”')\]]*\s+(?=[\"“'(\[]?[A-Z0-9])|\n+")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# clause joints that usually start a new statement; both sides must be long enough
_JOINTS = re.compile(r";\s+|,\s+(?:and|but|while|whereas|although)\s+|\s+whereas\s+")
MIN_CLAUSE_WORDS = 4


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of sentences, not splitting after abbreviations or initials."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        before = text[start : m.start()].rstrip()
        last = before.split()[-1].lower().rstrip(".") if before.split() else ""
        if "\n" not in m.group() and (
            last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())
        ):
            continue  # "Dr. Smith", "J. R. R. Tolkien": not a boundary
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut one sentence at clause joints when both sides carry at least MIN_CLAUSE_WORDS words."""
    spans, cur = [], start
    for m in _JOINTS.finditer(text, start, end):
        left, right = text[cur : m.start()], text[m.end() : end]
        if len(left.split()) >= MIN_CLAUSE_WORDS and len(right.split()) >= MIN_CLAUSE_WORDS:
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
