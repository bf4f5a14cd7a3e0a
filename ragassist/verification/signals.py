"""Cheap verification signals: how much of a claim's wording, names and numbers the evidence holds.

Each function returns plain floats in [0, 1] (or a small count) so every signal can be shown
with --explain and fed to the fusion model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

_WORD = re.compile(r"\w+(?:['’.-]\w+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NEGATIONS = frozenset(
    "not no never none nobody nothing neither nor cannot without n't didn't doesn't don't "
    "isn't wasn't aren't weren't won't hasn't haven't hadn't couldn't shouldn't".split()
)
STOPWORDS = frozenset(
    """a an the and or but if then than of in on at to for from by with as is are was were be been
    being it its this that these those there here he she they them his her their our we you your i me
    my mine do does did done has have had having will would can could should may might must shall
    so such also very just about into over under again more most some any each which who whom whose
    what when where why how all both few other own same too only yet up down out off per via not no
    s t one ones like well however although while because since after before during between
    through until against among""".split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)


def normalize(text: str) -> str:
    """Lower-case, accents folded, curly quotes straightened: the form words are compared in."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("’", "'").lower()


def words(text: str) -> list[str]:
    """Word tokens of normalised text."""
    return _WORD.findall(normalize(text))


def _stem(word: str) -> str:
    """A crude suffix strip so 'films' matches 'film' and 'directed' matches 'director' less often."""
    for suffix in ("'s", "ies", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Stemmed words that carry meaning (no stopwords, no one-letter tokens)."""
    return [_stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def numbers(text: str) -> list[str]:
    """Numbers in the text, with thousands separators dropped ('1,200' -> '1200')."""
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


def entities(text: str) -> list[str]:
    """Capitalised words not at a sentence start, plus months: a stand-in for named entities."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        toks = _WORD.findall(sentence)
        for i, tok in enumerate(toks):
            low = normalize(tok)
            if low in _MONTHS or (i > 0 and tok[:1].isupper() and low not in STOPWORDS):
                out.append(low)
    return out


def _coverage(items: Sequence[str], pool: set[str]) -> float:
    """Share of items found in pool; 1.0 when there is nothing to check."""
    return sum(1 for x in items if x in pool) / len(items) if items else 1.0


def _ngrams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def _longest_run(claim: Sequence[str], evidence: Sequence[str]) -> int:
    """Length of the longest run of claim tokens found contiguous in the evidence."""
    if not claim or not evidence:
        return 0
    positions: dict[str, list[int]] = {}
    for j, tok in enumerate(evidence):
        positions.setdefault(tok, []).append(j)
    best = 0
    prev: dict[int, int] = {}
    for tok in claim:
        cur = {j: prev.get(j - 1, 0) + 1 for j in positions.get(tok, ())}
        if cur:
            best = max(best, max(cur.values()))
        prev = cur
    return best


def invented_share(claim: str, asked: set[str], known: set[str]) -> float:
    """Share of what the claim adds (content words not in the question, `asked`) that no
    evidence holds (`known`: the content words of the question and every passage)."""
    new = [w for w in content_words(claim) if w not in asked]
    return sum(w not in known for w in new) / len(new) if new else 0.0


def is_invented(signals: Mapping[str, float]) -> bool:
    """Nothing the claim adds occurs in the evidence (verify.flag_invented flags it)."""
    return signals.get("invented_share", 0.0) == 1.0


def lexical_signals(claim: str, evidence: str, question: str = "") -> dict[str, float]:
    """Overlap of a claim with its evidence (and with the question it answers, when given).

    Words the question already holds say little about support, so `novel_*` signals count
    only the claim's words that come from neither the evidence nor the question.
    """
    c_words, e_words = words(claim), words(evidence)
    e_set = set(e_words)
    c_content = content_words(claim)
    e_content = set(content_words(evidence))
    q_content = set(content_words(question))
    e_numbers = set(numbers(evidence))
    e_entities = {normalize(w) for w in _WORD.findall(evidence)}
    c_entities = entities(claim)
    stems_e = [_stem(w) for w in e_words]
    stems_c = [_stem(w) for w in c_words]
    fresh = [w for w in c_content if w not in q_content]
    c_neg = sum(1 for w in c_words if w in _NEGATIONS)
    e_neg_words = {w for w in e_words if w in _NEGATIONS}
    run = _longest_run(stems_c, stems_e)
    bigrams = _ngrams(stems_c, 2)
    return {
        "word_coverage": _coverage(c_content, e_content),
        "token_coverage": _coverage(c_words, e_set),
        "number_coverage": _coverage(numbers(claim), e_numbers),
        "entity_coverage": _coverage(c_entities, e_entities),
        "bigram_coverage": len(bigrams & _ngrams(stems_e, 2)) / len(bigrams) if bigrams else 1.0,
        "longest_run": run / len(c_words) if c_words else 0.0,
        "verbatim": float(bool(c_words) and f" {' '.join(c_words)} " in f" {' '.join(e_words)} "),
        "fresh_coverage": _coverage(fresh, e_content),
        "question_overlap": _coverage(c_content, q_content) if q_content else 0.0,
        "negation_mismatch": float(c_neg > 0 and not e_neg_words),
        "unsupported_words": float(sum(1 for w in c_content if w not in e_content)),
        "min_sentence_coverage": min(
            (_coverage(content_words(part), e_content) for part in _sentences(claim)), default=1.0
        ),
    }


def _sentences(text: str) -> list[str]:
    """Sentences of a multi-sentence claim (a summary), for the weakest-sentence signal."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def looks_english(text: str) -> bool:
    """A rough language check: mostly ASCII letters and, in longer texts, English function words.

    The verifier's figures were measured on English; other languages are scored but marked.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    if sum(1 for c in letters if c.isascii()) / len(letters) < 0.8:
        return False
    toks = words(text)
    if len(toks) < 5:
        return True
    return sum(1 for w in toks if w in _ENGLISH_ONLY) / len(toks) >= 0.05


# function words frequent in English and rare as words in other Latin-script languages
_ENGLISH_ONLY = frozenset(
    "the is was were are and of to that it for with on by this be has have from as at which "
    "who their its an or not but".split()
)
