"""Follow-up detection and rewriting: which questions lean on history, and how they are made standalone.

Two families, measured in eval/chat/report.md: word rules (pronouns, openers, too few topic
words) that carry topic words over from earlier turns, and an LLM rewrite whose output is
checked and rejected when it is not a sane question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# --- words -------------------------------------------------------------------------------------
_STOP = frozenset(
    """a about above after again all also am an and any are as at be been before being below
    between both but by can could did do does doing done down during each either else ever few
    for from further had has have having how however i if in into is just least less like made
    make many may me might more most much must my no nor not now of off on once one only or other
    our out over own per quite rather same say says shall should since so some such than that
    the then there these this those though through thus to too under until up upon us use used
    uses using very via was we were what when where which while who whom whose why will with
    within without would yes yet you your usually often typically really actually first""".split()
)
# words that point back at something said earlier: a question holding one is a follow-up
_ANAPHORA = frozenset(
    "it its it's itself they them their theirs themselves this that these those he him his she "
    "her hers there such former latter above".split()
)
_OPENERS = ("and ", "but ", "so ", "also ", "then ", "what about ", "how about ", "and,")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (hyphenated terms kept whole)."""
    return [w.lower().strip("'-") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """The words that carry a topic: not stop words, not pronouns, in order, no repeats."""
    out = [w for w in words(text) if w not in _STOP and w not in _ANAPHORA and len(w) > 1]
    return list(dict.fromkeys(out))


def follow_up_cue(question: str) -> str:
    """Why a question looks like a follow-up from its words alone ('' when it does not)."""
    low = question.lower().strip()
    toks = words(low)
    pointing = [w for w in toks if w in _ANAPHORA]
    if pointing:
        return f"refers back ({pointing[0]!r})"
    if low.startswith(_OPENERS):
        return f"opens with {low.split()[0]!r}"
    if len(content_words(low)) <= 1:
        return "names no topic of its own"
    return ""


# --- the llm method ----------------------------------------------------------------------------
REWRITE_SYSTEM = (
    "You rewrite a follow-up question so that it can be understood without the conversation. "
    "Replace words like it, they, its and that with what they refer to. "
    "Reply with the rewritten question only."
)
_SHOTS = [
    (["What is the Eiffel Tower?"], "Who designed it?", "Who designed the Eiffel Tower?"),
    (
        ["What is photosynthesis?", "Where does it happen?"],
        "In which organelle?",
        "In which organelle does photosynthesis happen?",
    ),
]
_SHOT_WORDS = frozenset(w for shot in _SHOTS for w in content_words(" ".join(shot[0]) + shot[2]))


def _rewrite_request(history: Sequence[str], question: str) -> str:
    lines = "\n".join(f"- {q}" for q in history)
    return f"Earlier questions:\n{lines}\nFollow-up: {question}"


def rewrite_messages(history: Sequence[str], question: str) -> list[dict[str, str]]:
    """The chat messages asking the generator for a standalone question (two worked examples)."""
    messages = [{"role": "system", "content": REWRITE_SYSTEM}]
    for shot_history, shot_q, shot_a in _SHOTS:
        messages.append({"role": "user", "content": _rewrite_request(shot_history, shot_q)})
        messages.append({"role": "assistant", "content": shot_a})
    messages.append({"role": "user", "content": _rewrite_request(history, question)})
    return messages


def _known(word: str, vocabulary: set[str]) -> bool:
    return word in vocabulary or any(w[:5] == word[:5] for w in vocabulary if len(w) >= 5)


def check_rewrite(output: str, history: Sequence[str], question: str) -> str:
    """Why a model's rewrite is not a sane standalone question ('' when it is)."""
    if not output:
        return "empty"
    if "\n" in output or "follow-up" in output.lower() or "earlier questions" in output.lower():
        return "echoes the prompt"
    if len(output) > 2 * len(question) + 120:
        return "too long"
    if not output.endswith("?"):
        return "not a question"
    said = set(content_words(" ".join(history)))
    asked = set(content_words(question))
    new = [w for w in content_words(output) if w not in asked]
    if any(w in _SHOT_WORDS and w not in said for w in new):
        return "copies the worked example"
    unknown = [w for w in new if not _known(w, said)]
    if new and len(unknown) * 2 > len(new):
        return f"brings in words from nowhere ({', '.join(unknown[:3])})"
    if not any(_known(w, said) for w in new):
        return "adds nothing from the history"
    return ""


def llm_rewrite(generator: Any, history: Sequence[str], question: str) -> tuple[str, str]:
    """(the generator's standalone question, why it was rejected or '')."""
    tok = generator.tokenizer
    prompt = tok.apply_chat_template(
        rewrite_messages(history, question), tokenize=False, add_generation_prompt=True
    )
    output = " ".join(generator.complete(prompt).split())
    if getattr(generator, "last_trace", None) and generator.last_trace.stop_reason == "stop:?":
        output += "?"
    return output, check_rewrite(output, history, question)
