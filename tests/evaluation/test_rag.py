"""End-to-end RAG suites with the real embedder (retrieval half; answering is exercised when slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragassist.evaluation.run import run
from ragassist.evaluation.runner import RunOptions, read_results
from ragassist.index.embed import Embedder

DOCS = {
    "volcanoes.md": "# Volcanoes\n\nMount Etna is an active volcano on the east coast of Sicily. "
    "It is about 3,357 metres high and erupts frequently.",
    "bees.md": "# Bees\n\nHoney bees communicate the direction of flowers with the waggle dance. "
    "A colony has a single queen.",
    "trains.md": "# Trains\n\nThe Shinkansen is Japan's high-speed railway. Its first line opened "
    "in 1964 between Tokyo and Osaka.",
}
QUESTIONS = [
    {
        "question": "How high is Mount Etna?",
        "answers": ["3,357 metres"],
        "source": "volcanoes.md",
        "answerable": True,
    },
    {
        "question": "What dance do honey bees use?",
        "answers": ["waggle dance"],
        "source": "bees.md",
        "answerable": True,
    },
    {
        "question": "When did the first Shinkansen line open?",
        "answers": ["1964"],
        "source": "docs/trains.md",
        "answerable": True,
    },
    {"question": "Who painted the Mona Lisa?", "answers": [], "source": None, "answerable": False},
]


def make_corpus(tmp_path: Path) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    return docs, questions


def test_rag_corpus_retrieval_end_to_end(tmp_path: Path, embedder: Embedder) -> None:
    docs, questions = make_corpus(tmp_path)
    options = RunOptions(
        "rag-corpus", docs=docs, questions=questions, out=tmp_path / "run", progress=False
    )
    extras = {"embedder": embedder, "retrieval_only": True}
    result = run(options, extras)
    retrieval = result.metrics["retrieval"]
    assert retrieval["questions"] == 3  # the unanswerable question has no gold source
    # each question names its topic plainly: the real embedder + BM25 put its own file first
    assert retrieval["recall@1"] == 1.0 and retrieval["mrr"] == 1.0
    rows = read_results(tmp_path / "run" / "results.jsonl")
    assert {r["id"]: r["rank"] for r in rows} == {
        "line-1": 1,
        "line-2": 1,
        "line-3": 1,
        "line-4": None,
    }
    assert (tmp_path / "run" / "recall_at_k.png").exists()
    assert "| recall@5 | 1.000 |" in (tmp_path / "run" / "report.md").read_text()
    again = run(options, extras)  # resumed: nothing left to score, same figures
    assert again.scored_now == 0 and again.metrics["retrieval"] == retrieval


@pytest.mark.slow
def test_rag_halueval_retrieval(tmp_path: Path, embedder: Embedder) -> None:
    """Indexes all 2,000 held-out passages (about a minute on 2 cores)."""
    result = run(
        RunOptions("rag-halueval", n=20, out=tmp_path / "run", progress=False),
        {"embedder": embedder, "retrieval_only": True},
    )
    assert result.metrics["retrieval"]["recall@10"] >= 0.8


@pytest.mark.slow
def test_rag_corpus_with_answers(tmp_path: Path, embedder: Embedder) -> None:
    """Answers two questions with the default generator (a model load and minutes of generation)."""
    docs, questions = make_corpus(tmp_path)
    result = run(
        RunOptions(
            "rag-corpus", n=2, docs=docs, questions=questions, out=tmp_path / "run", progress=False
        ),
        {"embedder": embedder},
    )
    rows = read_results(tmp_path / "run" / "results.jsonl")
    assert len(rows) == 2 and all(isinstance(r["answer"], str) for r in rows)
    answers = result.metrics["answers"]
    assert 0.0 <= answers["token_f1"] <= 1.0 and answers["seconds_per_question"] > 0
