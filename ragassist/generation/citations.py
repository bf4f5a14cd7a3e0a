"""Citations: find [n] markers in an answer, map them to the passages, drop the ones that are not real.

Also recognises an answer that abstains (the fixed sentence from the prompt and close variants),
so the assistant can say plainly that the documents do not answer the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..types import Citation, Hit, Verdict
from .prompt import ABSTAIN

# [1], [2, 3], [1][2], [1-3]; also "[Source 2]" / "[passage 2]", which small models write
_MARKER = re.compile(
    r"\[\s*(?:(?:source|passage|doc(?:ument)?)\s*)?(\d+(?:\s*(?:[,;]|-|–|and)\s*\d+)*)\s*\]",
    re.IGNORECASE,
)

_ABSTAIN_PATTERNS = [
    re.escape(ABSTAIN.rstrip(".")),
    r"(?:documents?|passages?|context|sources?|texts?)\s+(?:do|does)\s+not\s+"
    r"(?:answer|contain|mention|say|provide|include|specify|state)",
    r"(?:documents?|passages?|context|sources?|texts?)\s+(?:don't|doesn't)\s+"
    r"(?:answer|contain|mention|say|provide|include|specify|state)",
    r"not\s+(?:mentioned|stated|specified|provided|given|found|answered)\s+in\s+the\s+"
    r"(?:documents?|passages?|context|sources?|texts?)",
    r"(?:cannot|can't|can not|unable to)\s+(?:tell|answer|determine|find|say)",
    r"no\s+information\s+(?:about|on|regarding)",
    r"(?:there is|there's)\s+no\s+(?:mention|information)",
    r"\bi\s+(?:do not|don't)\s+know\b",
]
_ABSTAIN = re.compile("|".join(f"(?:{p})" for p in _ABSTAIN_PATTERNS), re.IGNORECASE)


@dataclass
class CitationCheck:
    """An answer with its citations resolved: the cleaned text and what was removed."""

    text: str  # the answer with markers that point at no passage removed
    citations: list[Citation] = field(default_factory=list)  # one per distinct valid number
    invalid: list[int] = field(default_factory=list)  # numbers that matched no retrieved passage
    markers: list[tuple[int, int, list[int]]] = field(default_factory=list)  # (start, end, nums)


def _numbers(group: str) -> list[int]:
    out: list[int] = []
    for a, b in re.findall(r"(\d+)\s*(?:[-–]\s*(\d+))?", group):
        lo = int(a)
        hi = int(b) if b else lo
        out.extend(range(lo, min(hi, lo + 50) + 1) if hi >= lo else [lo])
    return out


def check_citations(answer: str, hits: Sequence[Hit]) -> CitationCheck:
    """Map every [n] to hits[n-1]; remove markers (or the numbers in them) that point at nothing."""
    valid = set(range(1, len(hits) + 1))
    cited: dict[int, Citation] = {}
    invalid: list[int] = []
    markers: list[tuple[int, int, list[int]]] = []
    pieces: list[str] = []
    last = 0
    for m in _MARKER.finditer(answer):
        nums = _numbers(m.group(1))
        good = [n for n in nums if n in valid]
        invalid.extend(n for n in nums if n not in valid)
        markers.append((m.start(), m.end(), nums))
        for n in good:
            cited.setdefault(n, Citation(n, hits[n - 1]))
        pieces.append(answer[last : m.start()])
        if good:
            pieces.append("[" + ", ".join(str(n) for n in dict.fromkeys(good)) + "]")
        last = m.end()
    pieces.append(answer[last:])
    text = "".join(pieces)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)  # "fact [9]." -> "fact ." -> "fact."
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    return CitationCheck(
        text=text,
        citations=sorted(cited.values(), key=lambda c: c.number),
        invalid=sorted(set(invalid)),
        markers=markers,
    )


def evidence_citations(verdicts: Sequence[Verdict], hits: Sequence[Hit]) -> list[Citation]:
    """Citations, marked inferred, to the passages holding the evidence of supported claims.

    For answers whose model wrote no [n]: the reader still sees where the support came from.
    """
    number_of = {h.chunk.label: i for i, h in enumerate(hits, 1)}
    numbers = {
        number_of[v.evidence_source]
        for v in verdicts
        if not v.flagged and v.evidence_source in number_of
    }
    return [Citation(n, hits[n - 1], inferred=True) for n in sorted(numbers)]


def has_content(answer: str) -> bool:
    """True when the answer says something besides citation markers ("[2]" alone says nothing)."""
    return any(c.isalnum() for c in _MARKER.sub(" ", answer))


def is_abstention(answer: str) -> bool:
    """True when the answer says the documents do not answer (the fixed sentence or a variant)."""
    return bool(_ABSTAIN.search(answer))
