"""Yes/no questions about two things decided one thing at a time: parsing, the decision from
fixed replies, agreement with a draft, and the real 1.5B on a passage it has not seen (slow)."""

from __future__ import annotations

import pytest

from ragassist.verification.answer_judge import AnswerJudge
from ragassist.verification.yes_no import Decided, decide, parse

PASSAGE = (
    "Ada Lovelace (born 10 December 1815) was an English mathematician and writer. Grace Hopper "
    "(born December 9, 1906) was an American computer scientist and United States Navy rear "
    "admiral. She was a pioneer of computer programming. Alan Turing was an English mathematician."
)


@pytest.mark.parametrize(
    "question, things, kind, first_ask",
    [
        ("Were Simone de Beauvoir and Bob Monkhouse both comedians?",
         ("Simone de Beauvoir", "Bob Monkhouse"), "both", "Was Simone de Beauvoir comedians?"),
        ("Are both Diet Pepsi and Volvic carbonated drinks?",
         ("Diet Pepsi", "Volvic"), "both", "Is Diet Pepsi carbonated drinks?"),
        ("Is the Caribbean the homeland of both Jean Rhys and Adolfo Bioy Casares?",
         ("Jean Rhys", "Adolfo Bioy Casares"), "both", "Is the Caribbean the homeland of Jean Rhys?"),
        ("Dicksonia and Hardenbergia, are found in Australia?",
         ("Dicksonia", "Hardenbergia"), "both", "Dicksonia, are found in Australia?"),
        ("Were both Henry Green and Richard Wright American authors?",
         ("Henry Green", "Richard Wright"), "both", "Was Henry Green American authors?"),
        ("Are Indian School and In Search of the Second Amendment both documentaries?",
         ("Indian School", "In Search of the Second Amendment"), "both",
         "Is Indian School documentaries?"),
        ("Do Jonathan Franzen and Heiner Müller have the same nationality?",
         ("Jonathan Franzen", "Heiner Müller"), "same",
         "What is the nationality of Jonathan Franzen?"),
        ("Is the University of Massachusetts Amherst and the University of Cádiz located on the "
         "same continent?", ("University of Massachusetts Amherst", "University of Cádiz"), "same",
         "What is the continent of University of Massachusetts Amherst?"),
    ],
)  # fmt: skip
def test_two_things_and_what_to_ask_of_each(question, things, kind, first_ask) -> None:
    parsed = parse(question)
    assert parsed is not None and parsed.things == things and parsed.kind == kind
    assert parsed.asks[0] == first_ask


@pytest.mark.parametrize(
    "question",
    [
        "Who was born first, Ada Lovelace or Grace Hopper?",  # a comparison
        "Are Ada Lovelace and Grace Hopper mathematicians or writers?",  # an "or"
        "Do we know for a fact that Alfred L. Werker directed more films than Jon Jost?",
        "Is Ada Lovelace a mathematician?",  # one thing
        "What do Ada Lovelace and Grace Hopper have in common?",  # not yes/no
        "Ada Lovelace and Grace Hopper, are of which nationality?",
        "Are Ada Lovelace and Grace Hopper, both mathematicians, buried in which city?",
    ],
)
def test_other_questions_are_left_to_the_reading(question: str) -> None:
    assert parse(question) is None


def test_both_asks_each_thing_over_its_own_sentences() -> None:
    seen: dict[str, str] = {}

    def yes_logit(question: str, evidence: str) -> float:
        seen[question] = evidence
        return 3.0 if "Ada" in question else -2.0

    parsed = parse("Were Ada Lovelace and Grace Hopper both mathematicians?")
    decided = decide(parsed, PASSAGE, lambda *a: "", yes_logit)  # type: ignore[arg-type]
    assert decided == Decided(False, "No, not Grace Hopper")
    hopper = seen["Was Grace Hopper mathematicians?"]
    assert "Navy" in hopper and "pioneer" in hopper and "Lovelace" not in hopper
    both = decide(parsed, PASSAGE, lambda *a: "", lambda q, e: 1.0)  # type: ignore[arg-type]
    assert both is not None and both.yes and both.text == "Yes, both Ada Lovelace and Grace Hopper"


def test_same_compares_grounded_replies_and_a_nationality_matches_its_country() -> None:
    replies = {"Ada Lovelace": "English", "Grace Hopper": "American", "Alan Turing": "English"}

    def ask(question: str, evidence: str, instruction: str) -> str:
        return next(v for k, v in replies.items() if k in question)

    parsed = parse("Are Ada Lovelace and Grace Hopper of the same nationality?")
    decided = decide(parsed, PASSAGE, ask, lambda q, e: 0.0)  # type: ignore[arg-type]
    assert decided is not None and not decided.yes
    assert decided.text == "No (Ada Lovelace: English; Grace Hopper: American)"
    same = parse("Are Ada Lovelace and Alan Turing from the same country?")
    assert decide(same, PASSAGE, ask, lambda q, e: 0.0).yes  # type: ignore[arg-type,union-attr]
    replies["Grace Hopper"] = "United States"  # in her sentence as it stands: still grounded
    assert decide(parsed, PASSAGE, ask, lambda q, e: 0.0) is not None  # type: ignore[arg-type]
    replies["Grace Hopper"] = "Canadian"  # not in her sentences: nothing is decided
    assert decide(parsed, PASSAGE, ask, lambda q, e: 0.0) is None  # type: ignore[arg-type]


def test_a_thing_without_sentences_decides_nothing() -> None:
    parsed = parse("Were Ada Lovelace and Marie Curie both mathematicians?")
    assert decide(parsed, PASSAGE, lambda *a: "", lambda q, e: 5.0) is None  # type: ignore[arg-type]


def test_a_draft_agrees_by_its_first_yes_or_no() -> None:
    no = Decided(False, "No, not Grace Hopper")
    assert no.agreement("No, Grace Hopper was a computer scientist.") == 1.0
    assert no.agreement("Grace Hopper was not a mathematician.") == 1.0
    assert no.agreement("Yes, both were mathematicians.") == 0.0
    assert no.agreement("Ada Lovelace was a mathematician [1].") == 0.0
    assert Decided(True, "Yes, both").agreement("Yes, they both were.") == 1.0


@pytest.mark.slow
def test_the_real_judge_says_no_when_one_thing_is_not(real_judge: AnswerJudge) -> None:
    question = "Were Ada Lovelace and Grace Hopper both mathematicians?"
    judged = real_judge.judge(question, "Yes, both were mathematicians.", PASSAGE)
    assert judged.compared and judged.own_answer == "No, not Grace Hopper", judged
    assert judged.agreement == 0.0
