"""FactCC-style training pairs for sentence claims, made from passages by rule-based edits.

HaluEval's QA answers are short phrases, but the assistant's claims are sentences. Following
FactCC (Kryściński et al., 2020), a sentence taken from a passage (or shortened) is a supported
claim; the same sentence with a changed number, a swapped name or a flipped negation, or a
sentence from another passage, is not. Only training rows (0-7999) are used as sources.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .claims import split_sentences
from .signals import entities

_NUM = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_AUX = re.compile(r"\b(is|was|are|were|has|had|can|will|does|did)\b")
_NOT = re.compile(r"\b(is|was|are|were|has|had|can|will|does|did) not\b")
_GLUED = re.compile(r"([a-z)\]])\.([A-Z])")
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b([A-Z][a-z]+(?: [A-Z][a-z]+)*)")


@dataclass(frozen=True)
class SyntheticPair:
    """A claim, the passage it is judged against, its label and the edit that made it."""

    context: str
    claim: str
    label: int
    kind: str  # copy, shortened, number, name, negation, unrelated


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text) if len(text[s:e].split()) >= 5]


def _shorten(sentence: str) -> str | None:
    """Drop a parenthesis or the tail after a comma: still supported, no longer verbatim."""
    cut = re.sub(r"\s*\([^)]*\)", "", sentence)
    if cut != sentence:
        return cut
    head = sentence.split(", ")[0]
    return head.rstrip(".") + "." if len(head.split()) >= 5 and head != sentence else None


def change_number(sentence: str, rng: random.Random) -> str | None:
    """One of the sentence's numbers changed a little (None without a number)."""
    nums = _NUM.findall(sentence)
    if not nums:
        return None
    old = rng.choice(nums)
    digits = old.replace(",", "").replace(".", "")
    value = int(digits) if digits.isdigit() else 0
    new = str(
        value + rng.choice([-3, -2, -1, 1, 2, 5, 10]) if value > 10 else value + rng.randint(1, 5)
    )
    return sentence.replace(old, new, 1)


def swap_name(sentence: str, others: Sequence[str], rng: random.Random) -> str | None:
    """One capitalised name of the sentence replaced by one of `others` it does not hold."""
    names = [m.group(1) for m in _NAME.finditer(sentence) if m.start() > 0]
    pool = [n for n in others if n.lower() not in sentence.lower()]
    if not names or not pool:
        return None
    return sentence.replace(rng.choice(names), rng.choice(pool).title(), 1)


def flip_negation(sentence: str) -> str | None:
    """'is' -> 'is not' or back, on the first auxiliary verb (None without one)."""
    if _NOT.search(sentence):
        return _NOT.sub(r"\1", sentence, count=1)
    if _AUX.search(sentence):
        return _AUX.sub(r"\1 not", sentence, count=1)
    return None


def make_pairs(passages: Sequence[str], seed: int = 0) -> list[SyntheticPair]:
    """One supported and one unsupported claim per usable passage, reproducible from `seed`."""
    rng = random.Random(seed)
    passages = [_GLUED.sub(r"\1. \2", p) for p in passages]  # "century.First" -> two sentences
    sentences = [_sentences(p) for p in passages]
    all_names = sorted({e for p in passages[:500] for e in entities(p) if len(e) > 3})
    out: list[SyntheticPair] = []
    for i, (passage, sents) in enumerate(zip(passages, sentences, strict=True)):
        if not sents:
            continue
        s = rng.choice(sents)
        short = _shorten(s)
        if short and rng.random() < 0.5:
            out.append(SyntheticPair(passage, short, 1, "shortened"))
        else:
            out.append(SyntheticPair(passage, s, 1, "copy"))
        edits = {
            "number": change_number(s, rng),
            "name": swap_name(s, rng.sample(all_names, min(20, len(all_names))), rng),
            "negation": flip_negation(s),
        }
        other = sentences[(i + 1 + rng.randrange(len(passages) - 1)) % len(passages)]
        edits["unrelated"] = rng.choice(other) if other else None
        kinds = [k for k, v in edits.items() if v and v != s]
        if kinds:
            kind = rng.choice(kinds)
            out.append(SyntheticPair(passage, str(edits[kind]), 0, kind))
    return out
