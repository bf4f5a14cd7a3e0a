"""Citation checking and abstention detection."""

from __future__ import annotations

import pytest

from ragassist.generation.citations import (
    check_citations,
    evidence_citations,
    has_content,
    is_abstention,
)
from ragassist.generation.prompt import ABSTAIN
from ragassist.types import Chunk, Claim, Hit, Verdict


def hits(n: int) -> list[Hit]:
    return [Hit(Chunk(f"c{i}", f"/d{i}.md", f"D{i}", "", 0, 1, f"t{i}"), 1.0) for i in range(n)]


def test_valid_markers_map_to_hits():
    h = hits(3)
    c = check_citations("Paris is the capital [1]. It has a tower [3][1].", h)
    assert [x.number for x in c.citations] == [1, 3]
    assert c.citations[1].hit is h[2]
    assert c.invalid == [] and c.text == "Paris is the capital [1]. It has a tower [3][1]."


def test_invented_citations_are_removed():
    h = hits(2)
    c = check_citations("Paris [1]. Berlin [7]. Both [2, 9].", h)
    assert c.invalid == [7, 9]
    assert c.text == "Paris [1]. Berlin. Both [2]."
    assert [x.number for x in c.citations] == [1, 2]


def test_ranges_and_words():
    h = hits(4)
    c = check_citations("See [2-4] and [Source 1].", h)
    assert [x.number for x in c.citations] == [1, 2, 3, 4]
    assert check_citations("No markers here.", h).citations == []
    assert check_citations("Zero [0].", h).invalid == [0]


@pytest.mark.parametrize(
    "text",
    [
        ABSTAIN,
        "I cannot tell from these passages.",
        "The answer is not mentioned in the documents.",
        "The passages do not contain this information.",
        "The context doesn't say.",
    ],
)
def test_abstentions(text):
    assert is_abstention(text)


@pytest.mark.parametrize(
    "text", ["The Eiffel Tower was completed in 1889 [1].", "Documents were signed in 1990 [2]."]
)
def test_answers_are_not_abstentions(text):
    assert not is_abstention(text)


@pytest.mark.parametrize(
    ("answer", "content"),
    [
        ("[2]", False),
        (" [1][3]. ", False),
        ("[Source 1]", False),
        ("Paris [1].", True),
        ("8", True),
    ],
)
def test_an_answer_of_citation_markers_alone_has_no_content(answer: str, content: bool) -> None:
    assert has_content(answer) is content


def test_uncited_answers_point_at_the_evidence_of_supported_claims() -> None:
    h = hits(3)
    verdicts = [
        Verdict(Claim("a", 0, 1), 0.9, False, "t2", "/d2.md"),
        Verdict(Claim("b", 2, 3), 0.8, False, "t0", "/d0.md"),
        Verdict(Claim("c", 4, 5), 0.1, True, "t1", "/d1.md"),  # flagged: no source for it
        Verdict(Claim("d", 6, 7), 0.9, False, "x", "/elsewhere.md"),  # not a retrieved passage
    ]
    cites = evidence_citations(verdicts, h)
    assert [(c.number, c.hit.chunk.source, c.inferred) for c in cites] == [
        (1, "/d0.md", True),
        (3, "/d2.md", True),
    ]
