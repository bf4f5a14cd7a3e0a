"""Yes/no questions about two things ("Are X and Y both novelists?", "Are X and Y of the same
nationality?") decided by one question per thing.

Asked the whole question, the answer judge says "Yes" far too often: on 32 such training questions
it said Yes 27 times, to 13 of the 17 whose answer is No. So each thing is asked about on its own,
over the sentences that name it ("Is John Bush from Finland?" beside John Bush's sentences only),
and the answer is put together here:
- both: Yes when the judge says Yes for each thing;
- same: the judge names each thing's nationality (country, band, ...), each reply must be in that
  thing's own sentences, and the two are compared (a nationality and its country count as one).
Questions this cannot parse, or things with no sentence of their own, fall back to the reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .comparison import about

_AUX = r"(?:are|were|is|was|do|does|did|have|has|had)"
_START = re.compile(rf"^\s*{_AUX}\b", re.I)
# "X and Y, are located in which city?" asks for a thing, not a yes or no
_WH_WORD = re.compile(r"\b(?:which|what|who|whom|whose|where|when|how|why)\b", re.I)
# words that may sit inside a name: "Welcome to Durham, USA", "Never a Dull Moment"
_JOINER = frozenset(
    "of the and de des du da di von van der del la le el y to a an on in for & 's".split()
)
# "the same country", "of the same nationality", "differing genuses"
_SAME = re.compile(r"\b(same|different|differing|differ)\s+(?P<noun>[a-z]+)", re.I)
_SINGULAR = {"genuses": "genus", "genera": "genus", "countries": "country"}
# nationality <-> country, so "American" and "the United States" are the same answer
_COUNTRIES = {
    "american": "united states",
    "us": "united states",
    "usa": "united states",
    "america": "united states",
    "british": "united kingdom",
    "uk": "united kingdom",
    "english": "england",
    "scottish": "scotland",
    "welsh": "wales",
    "irish": "ireland",
    "canadian": "canada",
    "australian": "australia",
    "french": "france",
    "german": "germany",
    "italian": "italy",
    "spanish": "spain",
    "russian": "russia",
    "soviet": "soviet union",
    "chinese": "china",
    "japanese": "japan",
    "korean": "korea",
    "south korean": "korea",
    "south korea": "korea",
    "indian": "india",
    "mexican": "mexico",
    "dutch": "netherlands",
    "swedish": "sweden",
    "norwegian": "norway",
    "danish": "denmark",
    "finnish": "finland",
    "polish": "poland",
    "hungarian": "hungary",
    "austrian": "austria",
    "swiss": "switzerland",
    "belgian": "belgium",
    "brazilian": "brazil",
    "argentine": "argentina",
    "argentinian": "argentina",
    "greek": "greece",
    "turkish": "turkey",
    "israeli": "israel",
    "egyptian": "egypt",
    "new zealander": "new zealand",
    "south african": "south africa",
    "portuguese": "portugal",
    "czech": "czech republic",
    "filipino": "philippines",
}
YES_ABOVE = 0.0  # the judge's log-odds of Yes over No for one thing


@dataclass(frozen=True)
class YesNo:
    """A parsed yes/no question about two things: "both" asks the question of each thing,
    "same" asks for one attribute of each (negated: "differing genuses")."""

    things: tuple[str, str]
    kind: Literal["both", "same"]
    asks: tuple[str, str]  # the question about each thing alone
    negated: bool = False


def _name_before(words: list[str]) -> str:
    """The name ending the words: capitalised words and the joiners inside it."""
    take: list[str] = []
    for w in reversed(words):
        if w[:1].isupper() or w[:1].isdigit() or (take and w.lower() in _JOINER):
            take.insert(0, w)
        else:
            break
    while take and take[0] in _JOINER:  # "the University of X", but "The Straight Story"
        take.pop(0)
    return " ".join(take).strip(" ,?")


def _name_after(words: list[str]) -> str:
    """The name starting the words, up to "both", a comma, or the first lower-case word that is
    not a joiner followed by a capitalised word."""
    take: list[str] = []
    if words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    for i, w in enumerate(words):
        if w.lower() == "both" or w.lower() in _COUNTRIES:  # "Richard Wright American authors"
            break
        if w[:1].isupper() or w[:1].isdigit():
            take.append(w)
            if w.endswith(","):
                break
        elif w.lower() in _JOINER and take and _name_goes_on(words[i + 1 :]):
            take.append(w)
        else:
            break
    return " ".join(take).strip(" ,?")


def _name_goes_on(words: list[str]) -> bool:
    """After a joiner, a name goes on when the first word that is not one is capitalised."""
    rest = [w for w in words if w.lower() not in _JOINER]
    return bool(rest) and rest[0][:1].isupper()


def _singular_aux(question: str) -> str:
    """'Are X both ...' -> 'Is X ...': the question now asks about one thing."""
    swap = {"are": "Is", "were": "Was", "do": "Does", "have": "Has"}
    head, _, rest = question.strip().partition(" ")
    return f"{swap.get(head.lower(), head)} {rest}"


def parse(question: str) -> YesNo | None:
    """The two things of a yes/no question and what to ask of each, or None when it is not one
    this module can split (no two names joined by "and", an "or", or no "both"/"same" cue)."""
    q = " ".join(question.strip().split())
    implied = re.match(r"^(.+?\band\b.+?),\s*(?:are|were|is|was)\b", q, re.I)  # "X and Y, are ..."
    if not (_START.match(q) or implied) or " or " in q.lower() or _WH_WORD.search(q):
        return None
    m = re.search(r"\s+and\s+", q)
    if m is None:
        return None
    left, right = q[: m.start()].split(), q[m.end() :].split()
    if left and _START.match(left[0]):
        left = left[1:]
    if left and left[-1].lower() == "both":
        return None
    first, second = _name_before(left), _name_after(right)
    if not first or not second or first.lower() == second.lower():
        return None
    first = re.sub(r"^both\s+", "", first, flags=re.I)
    same = _SAME.search(q)
    if same:
        noun = same.group("noun").lower()
        noun = _SINGULAR.get(noun, noun)
        ask = "What is the {noun} of {thing}?"
        asks = tuple(ask.format(noun=noun, thing=t) for t in (first, second))
        negated = same.group(1).lower() != "same"
        return YesNo((first, second), "same", (asks[0], asks[1]), negated)
    if not (re.search(r"\bboth\b", q, re.I) or implied):
        return None
    # the question with the pair replaced by one thing, "both" dropped
    pair = re.compile(
        rf"(?:\bboth\s+)?{re.escape(first)}\s*,?\s+and\s+(?:the\s+)?{re.escape(second)}", re.I
    )
    if not pair.search(q):
        return None

    def alone(thing: str) -> str:
        text = pair.sub(thing, q, count=1)
        text = re.sub(r"\s+both\b", "", text, flags=re.I)
        return _singular_aux(text)

    return YesNo((first, second), "both", (alone(first), alone(second)))


def _folded(reply: str) -> str:
    """A reply as a comparable key: lower case, no article, a nationality as its country."""
    text = re.sub(r"[^\w\s]", " ", reply.lower())
    text = " ".join(w for w in text.split() if w not in ("the", "a", "an", "of"))
    return _COUNTRIES.get(text, text)


def _grounded(reply: str, sentences: str) -> bool:
    """Every longer word of the reply (or its country's) occurs in the thing's own sentences."""
    words = re.findall(r"\w{3,}", reply.lower())
    low = sentences.lower()
    if words and all(re.search(rf"\b{re.escape(w)}", low) for w in words):
        return True
    country = _folded(reply)
    names = [d for d, c in _COUNTRIES.items() if c == country] + [country]
    return any(re.search(rf"\b{re.escape(n)}\b", low) for n in names)


@dataclass(frozen=True)
class Decided:
    """The yes or no the two answers give, and the text shown ("No (not John Bush)")."""

    yes: bool
    text: str

    def agreement(self, answer: str) -> float:
        """1 when another answer's first yes or no is this one; else 0 (also when it has none)."""
        m = re.search(r"\b(yes|no|not)\b", answer.lower())
        return float(m is not None and (m.group(1) == "yes") == self.yes)


def decide(
    parsed: YesNo,
    evidence: str,
    ask: Callable[[str, str, str], str],
    yes_logit: Callable[[str, str], float],
) -> Decided | None:
    """Yes or no from one question per thing, each over the sentences naming that thing, or None
    when a thing has none (or a "same" reply is not in them). ask(question, evidence,
    instruction) returns the model's reply; yes_logit(question, evidence) its Yes log-odds."""
    a, b = parsed.things
    sentences = [about(a, b, evidence), about(b, a, evidence)]
    if not all(sentences):
        return None
    if parsed.kind == "both":
        says = [yes_logit(q, s) > YES_ABOVE for q, s in zip(parsed.asks, sentences, strict=True)]
        if all(says):
            return Decided(True, f"Yes, both {a} and {b}")
        nots = " and ".join(t for t, s in zip(parsed.things, says, strict=True) if not s)
        return Decided(False, f"No, not {nots}")
    replies = []
    for q, s in zip(parsed.asks, sentences, strict=True):
        reply = ask(q, s, "Reply in one to three words.").strip().rstrip(".")[:40]
        if not reply or not _grounded(reply, s):
            return None
        replies.append(reply)
    same = _folded(replies[0]) == _folded(replies[1])
    yes = same != parsed.negated
    return Decided(yes, f"{'Yes' if yes else 'No'} ({a}: {replies[0]}; {b}: {replies[1]})")
