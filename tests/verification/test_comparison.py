"""Two-option comparisons decided by one fact per option: parsing, facts, the decision, and the
real 1.5B on a passage it has not seen (slow)."""

from __future__ import annotations

import pytest

from ragassist.verification.answer_judge import AnswerJudge, AnswerJudgement
from ragassist.verification.comparison import Decided, about, decide, number_in, parse
from ragassist.verification.reading import decide as decide_reading

PASSAGE = (
    "Ada Lovelace (born 10 December 1815) was an English mathematician. Grace Hopper (born "
    "December 9, 1906) was an American computer scientist. The Lovelace library has five "
    "volumes; the Hopper library has 12 volumes."
)


@pytest.mark.parametrize(
    "question, options, wins",
    [
        ("Who was born first, Ada Lovelace or Grace Hopper?", ("Ada Lovelace", "Grace Hopper"), -1),
        ("Who is younger Ada Lovelace or Grace Hopper?", ("Ada Lovelace", "Grace Hopper"), 1),
        ("Which genus has more species, Galanthus or Rhodanthemum?", ("Galanthus", "Rhodanthemum"), 1),
        ("Which film Robin Hood or Oz the Great and Powerful was released first?",
         ("Robin Hood", "Oz the Great and Powerful"), -1),
        ("Which incident saw more victims perish the Hungerford massacre or the Monkseaton "
         "shootings?", ("Hungerford massacre", "Monkseaton shootings"), 1),
    ],
)  # fmt: skip
def test_comparisons_are_parsed_into_their_options_and_direction(question, options, wins) -> None:
    parsed = parse(question)
    assert parsed is not None and parsed.options == options and parsed.wins == wins


@pytest.mark.parametrize(
    "question",
    [
        "Were Ada Lovelace and Grace Hopper both mathematicians?",  # yes/no
        "Which publication is published more often, Modern Drummer or Bookmarks?",  # no number
        "Which director was from a geographically smaller country, Éric Rohmer or Robert Stevenson?",
        "Which plant is grown as an ornamental species, Notholirion or Bomarea?",  # no cue
        # a described thing that names two candidates: "first" is part of the description
        "What was founded in 1939 and first published in April 1939 in the United States, it was "
        "originally called Glamour of Hollywood, El Nuevo Cojo or Glamour?",
    ],
)
def test_questions_no_fact_decides_are_left_to_the_reading(question: str) -> None:
    assert parse(question) is None


def test_a_fact_counts_only_when_the_passage_has_it() -> None:
    assert number_in("1815", PASSAGE, "year") == 1815
    assert number_in("Born in 1816.", PASSAGE, "year") is None  # made up
    assert number_in("5", PASSAGE, "number") == 5  # "five volumes"
    assert number_in("12 volumes", PASSAGE, "number") == 12
    assert number_in("40", PASSAGE, "number") is None
    assert number_in("2 million", "a population of 2 million", "number") == 2_000_000


def test_a_fact_must_come_from_a_sentence_about_its_option() -> None:
    evidence = (
        "Jim Grabb (born April 14, 1964) is a tennis player.Ontronik Khachaturian (born 1972) "
        "is a singer. Old Time Farm Shepherds were started by J. Richard McDuffie in 1994.\n"
        "Saki was a writer. He was born in 1870. Sarah Waters is a novelist."
    )
    assert about("Jim Diamond", "Ontronik Khachaturian", evidence) == ""  # another Jim
    assert "1972" in about("Ontronik Khachaturian", "Jim Diamond", evidence)
    assert "1994" in about("Old Time Farm Shepherd", "Doberman Pinscher", evidence)
    assert about("Saki", "Sarah Waters", evidence) == "Saki was a writer. He was born in 1870."
    # so a year the model took from the other option's sentence decides nothing
    answers = {"Saki": "1870", "Sarah Waters": "1870"}
    parsed = parse("Who was born first, Saki or Sarah Waters?")
    ask = lambda q, i: next(v for k, v in answers.items() if k in q)  # noqa: E731
    assert decide(parsed, evidence, ask) is None  # type: ignore[arg-type]


def test_the_facts_decide_and_are_shown() -> None:
    replies = {"Ada Lovelace": "1815", "Grace Hopper": "1906"}

    def ask(question: str, instruction: str) -> str:
        assert instruction == "Reply with the year only."
        return next(v for k, v in replies.items() if k in question)

    parsed = parse("Who was born first, Grace Hopper or Ada Lovelace?")
    decided = decide(parsed, PASSAGE, ask)  # type: ignore[arg-type]
    assert decided == Decided("Ada Lovelace", "Grace Hopper", "Ada Lovelace (1815, against 1906)")
    replies["Grace Hopper"] = "1815"  # the same fact for both: nothing is decided
    assert decide(parsed, PASSAGE, ask) is None  # type: ignore[arg-type]


def test_a_draft_agrees_when_it_names_the_winner_first() -> None:
    decided = Decided("Saki", "Sarah Waters", "Saki (1870, against 1966)")
    assert decided.agreement("Saki was born before Sarah Waters.") == 1.0
    assert decided.agreement("Sarah Waters was born before Saki.") == 0.0
    assert decided.agreement("Sarah Waters.") == 0.0
    other = Decided("Pyotr Novikov", "Alexander Razborov", "Pyotr Novikov (1901, against 1963)")
    assert other.agreement("Aleksandr Razborov is older than Pyotr Novikov.") == 0.0


def test_the_facts_replace_even_a_supported_draft_that_picks_the_other_option() -> None:
    judged = AnswerJudgement(2.0, holds_logit=3.0, own_answer="Saki (1870, against 1966)",
                             agreement=0.0, evidence="", seconds=0.0, compared=True)  # fmt: skip
    decision = decide_reading(judged, "supported", decline_below=0.0)
    assert decision.action == "replace" and decision.text.startswith("Saki")
    agreeing = AnswerJudgement(2.0, holds_logit=3.0, own_answer=judged.own_answer,
                               agreement=1.0, evidence="", seconds=0.0, compared=True)  # fmt: skip
    assert decide_reading(agreeing, "not sure", decline_below=0.0).action == "keep"


@pytest.mark.slow
def test_the_real_judge_decides_a_comparison_by_the_facts(real_judge: AnswerJudge) -> None:
    question = "Who was born first, Grace Hopper or Ada Lovelace?"
    judged = real_judge.judge(question, "Grace Hopper was born first.", PASSAGE)
    assert judged.compared and judged.own_answer.startswith("Ada Lovelace"), judged
    assert judged.agreement == 0.0
