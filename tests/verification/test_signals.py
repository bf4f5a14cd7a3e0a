"""Cheap signals: names, numbers, negation and wording found (or not) in the evidence."""

from __future__ import annotations

from ragassist.verification.signals import content_words, lexical_signals, looks_english, numbers

EVIDENCE = (
    "The Eiffel Tower was completed in 1889 and was designed by the engineering firm of "
    "Gustave Eiffel. It is located in Paris and is 330 metres tall."
)


def test_supported_claim_is_fully_covered() -> None:
    s = lexical_signals("The Eiffel Tower was completed in 1889.", EVIDENCE)
    assert s["word_coverage"] == 1.0
    assert s["number_coverage"] == 1.0
    assert s["entity_coverage"] == 1.0
    assert s["verbatim"] == 1.0
    assert s["negation_mismatch"] == 0.0


def test_changed_number_lowers_number_coverage() -> None:
    s = lexical_signals("The Eiffel Tower was completed in 1925.", EVIDENCE)
    assert s["number_coverage"] == 0.0
    assert s["word_coverage"] < 1.0


def test_swapped_name_lowers_entity_coverage() -> None:
    s = lexical_signals("The Eiffel Tower is located in Berlin.", EVIDENCE)
    assert s["entity_coverage"] < 1.0


def test_negation_absent_from_evidence_is_marked() -> None:
    s = lexical_signals("The Eiffel Tower is not located in Paris.", EVIDENCE)
    assert s["negation_mismatch"] == 1.0


def test_question_words_do_not_count_as_fresh_support() -> None:
    s = lexical_signals("Paris hosts it", EVIDENCE, question="Which city hosts the tower?")
    assert 0.0 < s["question_overlap"] < 1.0
    assert s["fresh_coverage"] == 1.0


def test_tokenisation_helpers() -> None:
    assert numbers("It cost 1,200 dollars in 2005.") == ["1200", "2005"]
    assert "film" in content_words("The films were good")
    assert looks_english("The tower is in Paris and it is tall.")
    assert not looks_english("Der Turm steht in Paris und ist sehr hoch gebaut worden.")
    assert not looks_english("東京タワーは東京にあります。")
