"""Claim splitting: sentences, clauses, citation markers, empty input."""

from __future__ import annotations

from ragassist.verification.claims import clean_claim, split_claims, split_sentences


def test_sentences_become_claims_without_citation_markers() -> None:
    answer = "Paris is the capital of France [1]. It has about 2.1 million inhabitants [2, 3]."
    claims = split_claims(answer)
    assert [c.text for c in claims] == [
        "Paris is the capital of France.",
        "It has about 2.1 million inhabitants.",
    ]
    assert answer[claims[0].start : claims[0].end].startswith("Paris")
    assert "[2, 3]" in answer[claims[1].start : claims[1].end]


def test_a_sentence_with_two_statements_is_cut_in_two() -> None:
    claims = split_claims("The company was founded in 1990, and it was sold to IBM in 2005.")
    assert [c.text for c in claims] == [
        "The company was founded in 1990",
        "it was sold to IBM in 2005.",
    ]


def test_short_coordinations_and_abbreviations_stay_whole() -> None:
    assert len(split_claims("Tom and Jerry, and friends.")) == 1
    claims = split_claims("Dr. Smith met J. R. R. Tolkien in Oxford. They talked.")
    assert [c.text for c in claims] == ["Dr. Smith met J. R. R. Tolkien in Oxford.", "They talked."]


def test_empty_and_claim_free_answers_give_no_claims() -> None:
    assert split_claims("") == []
    assert split_claims("   \n ") == []
    assert split_claims(" [1] [2] ") == []
    assert split_claims("...") == []


def test_bullets_and_lines() -> None:
    claims = split_claims("- The first point holds.\n- The second point holds too.")
    assert [c.text for c in claims] == ["The first point holds.", "The second point holds too."]
    assert clean_claim("  * item [4]") == "item"


def test_sentence_spans_cover_text_in_order() -> None:
    text = "One. Two! Three? Four"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["One.", "Two!", "Three?", "Four"]
