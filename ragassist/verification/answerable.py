"""Do the retrieved passages answer the question at all? The score the decline rule reads.

A logistic fit (stored in the answer-judge fit's meta as "answerable", made by
scripts/fit_answerable.py on training questions) of three signals:
- the answer judge's "holds" score (its log-odds that the passage contains the answer, plus the
  span reader's margin as weighed before);
- the share of the question's names and numbers found in the retrieved passages: when a
  question's own passage is missing, its subject usually is too;
- the best passage's similarity to the question.
Its threshold declines 90% of the unanswerable training questions (issue 19's target); on
training questions the three together decline fewer answerable ones than "holds" alone at
that share (docs/results.md, sessions 16-17).
"""

from __future__ import annotations

from collections.abc import Sequence

from .signals import entities, normalize, numbers, words

FEATURES = ("holds_score", "question_names_found", "retrieval_similarity")


def names_found(question: str, passages: Sequence[str]) -> float:
    """Share of the question's capitalised names and numbers that occur in the passages (1.0
    when it has none)."""
    asked = entities(question) + numbers(question)
    if not asked:
        return 1.0
    text = " ".join(passages)
    known = set(words(text)) | set(numbers(text))
    return sum(normalize(a) in known for a in asked) / len(asked)


def answerable_signals(
    holds_score: float, question: str, passages: Sequence[str], relevance: float
) -> dict[str, float]:
    """The decline rule's inputs: passages are the retrieved texts, relevance the best one's
    similarity to the question."""
    return {
        "holds_score": holds_score,
        "question_names_found": names_found(question, passages),
        "retrieval_similarity": relevance,
    }
