"""The decline rule's signal of whether the question's names are in the passages."""

from ragassist.verification.answerable import FEATURES, answerable_signals, names_found

PASSAGES = [
    "The Eiffel Tower in Paris was completed in 1889.",
    "Gustave Eiffel's company built it.",
]


def test_names_found_counts_the_questions_names_and_numbers_in_the_passages() -> None:
    assert names_found("When was the Eiffel Tower in Paris completed?", PASSAGES) == 1.0
    assert names_found("Was the Eiffel Tower finished in 1889?", PASSAGES) == 1.0
    half = names_found("Did Gustave Eiffel build the Zorblax Quuxtower?", PASSAGES)
    assert 0.0 < half < 1.0
    assert names_found("Who built the Zorblax Quuxtower in 1950?", PASSAGES) == 0.0


def test_a_question_without_names_counts_as_found_and_accents_fold() -> None:
    assert names_found("when was it built?", PASSAGES) == 1.0
    assert names_found("Where did Müller live?", ["Heiner Muller lived in Berlin."]) == 1.0


def test_the_signals_are_the_fitted_features() -> None:
    sig = answerable_signals(2.5, "When was the Eiffel Tower built?", PASSAGES, 0.7)
    assert tuple(sig) == FEATURES and sig["holds_score"] == 2.5
