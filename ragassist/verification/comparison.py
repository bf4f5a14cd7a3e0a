"""Two-option comparisons ("Who was born first, X or Y?") decided by reading one fact per option.

A small model states the facts of a comparison right and then often draws the wrong conclusion
(session 13: "Chris Barfoot: 7 September 1966 / Géza von Cziffra: 19 December 1900 / Answer:
Chris Barfoot is older."). So the model is asked only for the deciding number or year of each
option, each checked against the sentences about that option, and the comparison is done here.
Questions this cannot parse, or facts it cannot find there, fall back to the model's own reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# an adjective that describes the options themselves ("Which town is larger, X or Y?"), not
# something of theirs ("Which director was from a smaller country, X or Y?")
_ALONE = r"(?=\s*(?:,|\?|$|than\b|or\b))"
# (cue, what is asked of each option, which value wins: -1 the smaller, +1 the larger); the
# first cue found in the question decides; {noun} is filled from the words after "more"/"fewer"
_BORN, _DIED = "In what year was {option} born?", "In what year did {option} die?"
_DATED, _COUNT = (
    "In what year was {option} {event}?",
    "How many {noun} does the passage give for {option}?",
)
_SIZE = "What is the population or size of {option}?"
_MORE, _FEWER = r"(?:more|most|greater number of) ", r"(?:fewer|fewest|less|least) "
_NOUN = r"(?P<noun>[a-z]+(?: [a-z]+)?)"
_CUES: tuple[tuple[str, str, int], ...] = (
    (r"born (?:first|earlier)|(?:older|oldest|elder)" + _ALONE, _BORN, -1),
    (r"born (?:later|last)|(?:younger|youngest)" + _ALONE, _BORN, 1),
    (r"died (?:first|earlier)", _DIED, -1),
    (r"died (?:later|last)", _DIED, 1),
    (r"first|earlier|earliest|sooner", _DATED, -1),
    (r"later|latest|more recent(?:ly)?|newer", _DATED, 1),
    (r"(?:larger|bigger|more populous)" + _ALONE, _SIZE, 1),
    (r"(?:smaller|less populous)" + _ALONE, _SIZE, -1),
    (_MORE + _NOUN, _COUNT, 1),
    (_FEWER + _NOUN, _COUNT, -1),
    (r"(?:taller|higher)" + _ALONE, "What is the height of {option}?", 1),
    (r"longer" + _ALONE, "What is the length of {option}?", 1),
    (r"shorter" + _ALONE, "What is the length or height of {option}?", -1),
)
# "more often", "more famous": no number decides these
_NOT_COUNTED = frozenset("often famous popular successful known widely likely than".split())
_EVENT = re.compile(
    r"\b(?:was|were|is|are)\s+(?:\w+\s+)?"
    r"(born|built|made|written|begun|sold|held|shot|won|run|drawn|taken|given|set|\w+ed)\b",
    re.I,
)
_MAX_FRAME_WORDS = 10
WH = re.compile(r"^\s*(which|who|what)\b", re.I)
_JOINER = frozenset("of the and de da von van der del la le v. v & 's".split())
# sentence ends, also where passages were joined without a space ("...1989).Pablo Neruda")
# but not after an initial ("J. Richard", "[O.S. 17 December]")
_SENTENCE = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)\s*(?=[A-Z\"“])|\n+")
_PRONOUN = re.compile(r"\s*(?:he|she|it|they|his|her|its|their)\b", re.I)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


@dataclass(frozen=True)
class Comparison:
    """A parsed two-option question: the options, the fact asked of each, and which value wins."""

    options: tuple[str, str]
    ask: str  # with {option} to fill
    wins: int  # -1: the smaller value wins, +1: the larger
    what: str  # "year" or "number"


def options(question: str) -> tuple[str, str] | None:
    """The two options of "..., X or Y?" (X: after the last comma, or the capitalised words just
    before "or", or as many words as Y has)."""
    q = question.strip().rstrip("?").strip()
    if q.lower().count(" or ") != 1:
        return None
    left, right = re.split(r"\s+or\s+", q, maxsplit=1, flags=re.I)
    # "Which film Robin Hood or Oz the Great and Powerful was produced first?"
    right = re.split(r"\s+(?:was|were|is|are|has|had|did)\s+", right, maxsplit=1)[0]
    right = right.strip(" ,:;\"'")
    if "," in left or ":" in left:
        first = re.split(r"[,:]", left)[-1].strip(" \"'")
    else:
        words = left.split()
        take: list[str] = []
        for w in reversed(words):
            if w[:1].isupper() or w[:1].isdigit() or w.lower() in _JOINER:
                take.insert(0, w)
            else:
                break
        while take and take[0].lower() in _JOINER:
            take.pop(0)
        n = len(right.split())
        first = " ".join(take) if take else " ".join(words[-n:])
    first = re.sub(r"^(?:the|a|an)\s+", "", first, flags=re.I)
    right = re.sub(r"^(?:the|a|an)\s+", "", right, flags=re.I)
    if not first or not right or first.lower() == right.lower():
        return None
    return first, right


def parse(question: str) -> Comparison | None:
    """The comparison a question asks for, or None when it is not a "which/who ..., X or Y?"
    question with a cue this module can decide by a number or a year."""
    if not WH.match(question):
        return None
    pair = options(question)
    if pair is None:
        return None
    # the question without its options: short in a comparison ("Which director was born first"),
    # long in a described thing that merely names two candidates ("What was founded in 1939 and
    # first published ..., X or Y?")
    lowered = question.lower()
    for option in pair:
        lowered = lowered.replace(option.lower(), " ")
    if len(lowered.split()) > _MAX_FRAME_WORDS:
        return None
    for cue, ask, wins in _CUES:
        m = re.search(rf"\b(?:{cue})\b", lowered)
        if not m:
            continue
        noun = m.groupdict().get("noun")
        if noun is not None:
            words = noun.split()  # "victims perish" -> "victims"; "studio albums" stays
            noun = words[0] if words[0].endswith("s") or len(words) == 1 else noun
            if words[0] in _NOT_COUNTED:
                return None
        if "{event}" in ask:
            event = _EVENT.search(question)
            if event is None:
                return None
            ask = ask.replace("{event}", event.group(1).lower())
        what = "year" if "year" in ask else "number"
        return Comparison(pair, ask.replace("{noun}", noun or ""), wins, what)
    return None


def number_in(reply: str, evidence: str, what: str) -> float | None:
    """The first number (or year) in a reply, if the passage has it too, in digits or in words
    ("five acts"): a fact the model made up must not decide."""
    text, passage = reply.lower().replace("\u2009", " "), evidence.lower()
    if what == "year":
        m = re.search(r"\b(\d{3,4})\b", text)
        return float(m.group(1)) if m and m.group(1) in passage else None
    m = _NUMBER.search(text)
    if m:
        digits = m.group(0).rstrip(",.")
        value = float(digits.replace(",", ""))
        spelled = [w for w, v in _WORDS.items() if v == value]
        if digits.replace(",", "") not in passage.replace(",", "") and not any(
            re.search(rf"\b{w}\b", passage) for w in spelled
        ):
            return None
        scale = re.match(r"\s*(thousand|million|billion)", text[m.end() :])
        return value * _SCALE[scale.group(1)] if scale else value
    for word, value in _WORDS.items():
        if re.search(rf"\b{word}\b", text) and re.search(rf"\b{word}\b", passage):
            return float(value)
    return None


def _own_words(option: str, other: str) -> list[str]:
    """The longer words of an option that the other option lacks (all of them if none)."""
    mine, theirs = (set(re.findall(r"\w{3,}", o.lower())) - _JOINER for o in (option, other))
    return sorted(mine - theirs) or sorted(mine)


def _first_mention(words: list[str], text: str) -> int:
    """Where any of the words first begins a word of the text (-1: nowhere)."""
    found = [m.start() for w in words if (m := re.search(rf"\b{re.escape(w)}", text.lower()))]
    return min(found, default=-1)


def about(option: str, other: str, evidence: str) -> str:
    """The sentences of the evidence that name the option (every longer word of it that the
    other option lacks, "Shepherd" also as "Shepherds"), each with the next one when that goes
    on with a pronoun ("It was founded in 1988."). A year the model took from another thing's
    sentence (the other canal's 541 km, another Jim's birth year) is not in them."""
    words = _own_words(option, other)
    sentences = _SENTENCE.split(evidence)
    kept = []
    for i, sentence in enumerate(sentences):
        if words and all(re.search(rf"\b{re.escape(w)}", sentence.lower()) for w in words):
            kept.append(sentence)
            if i + 1 < len(sentences) and _PRONOUN.match(sentences[i + 1]):
                kept.append(sentences[i + 1])
    return " ".join(kept)


def questions(comparison: Comparison) -> list[tuple[str, str]]:
    """(question, reply instruction) for each option, asked of the passage on its own: with the
    two-option question beside it the model answered that one instead ("1973" for both films)."""
    reply = f"Reply with the {comparison.what} only."
    return [(comparison.ask.format(option=o), reply) for o in comparison.options]


@dataclass(frozen=True)
class Decided:
    """The option the two facts pick, the other one, and the answer shown with both facts."""

    winner: str
    loser: str
    text: str  # "Aretha Franklin (1942, against 1972)"

    def agreement(self, answer: str) -> float:
        """1 when another answer names the winner, and names it before the loser if it names
        both ("Saki was born before Sarah Waters"); else 0. A name counts by any of its own
        words ("Razborov" for "Alexander Razborov")."""
        win = _first_mention(_own_words(self.winner, self.loser), answer)
        lose = _first_mention(_own_words(self.loser, self.winner), answer)
        return float(win >= 0 and (lose < 0 or win < lose))


def decide(comparison: Comparison, evidence: str, ask: Callable[[str, str], str]) -> Decided | None:
    """The option the facts pick ("Aretha Franklin (1942, against 1972)"), or None when a fact is
    not in the sentences about its option or the two are equal. ask(question, instruction)
    returns the model's reply about the same passage."""
    values, shown = [], []
    for i, (question, instruction) in enumerate(questions(comparison)):
        reply = ask(question, instruction)
        option, other = comparison.options[i], comparison.options[1 - i]
        value = number_in(reply, about(option, other, evidence), comparison.what)
        if value is None:
            return None
        values.append(value)
        shown.append(reply.strip().rstrip(".")[:40])
    if values[0] == values[1]:
        return None
    win = 0 if (values[0] - values[1]) * comparison.wins > 0 else 1
    a, b = comparison.options[win], comparison.options[1 - win]
    # the other option is not named again: an answer naming both would "contain" either gold
    return Decided(a, b, f"{a} ({shown[win]}, against {shown[1 - win]})")
