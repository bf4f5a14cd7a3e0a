"""Suites: bad input, the registry, verify-file end to end, reports and comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragassist.errors import InputError
from ragassist.evaluation import report
from ragassist.evaluation.detection import read_verify_file
from ragassist.evaluation.rag import source_matches
from ragassist.evaluation.rag_corpus import read_questions
from ragassist.evaluation.run import run
from ragassist.evaluation.runner import RunOptions
from ragassist.evaluation.scorers import WordCoverageScorer, word_coverage
from ragassist.evaluation.suites import SUITES, get_suite
from ragassist.interface import cli


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_unknown_suite_lists_the_existing_ones() -> None:
    with pytest.raises(InputError) as err:
        get_suite("halueval")
    for name in (
        "verify-file",
        "halueval-qa",
        "halueval-dialogue",
        "halueval-summarization",
        "rag-halueval",
        "rag-corpus",
    ):
        assert name in str(err.value) and name in SUITES


def test_bad_verify_rows_name_line_and_field(tmp_path: Path) -> None:
    ok = {"context": "c", "answer": "a"}
    with pytest.raises(InputError, match=r"line 3 is missing the field 'answer'"):
        read_verify_file(write(tmp_path / "a.jsonl", [ok, "", {"context": "c"}]))
    with pytest.raises(InputError, match=r"line 2 is missing the field 'context'"):
        read_verify_file(write(tmp_path / "b.jsonl", [ok, {"answer": "a", "context": ""}]))
    with pytest.raises(InputError, match=r"line 1 is not valid JSON"):
        read_verify_file(write(tmp_path / "c.jsonl", ["{not json"]))
    with pytest.raises(InputError, match=r"line 1: label given as 'maybe'"):
        read_verify_file(write(tmp_path / "d.jsonl", [ok | {"label": "maybe"}]))
    with pytest.raises(InputError, match=r"1 of 2 rows have a label"):
        read_verify_file(write(tmp_path / "e.jsonl", [ok | {"label": 1}, ok]))
    with pytest.raises(InputError, match="does not exist"):
        read_verify_file(tmp_path / "missing.jsonl")
    rows = read_verify_file(
        write(tmp_path / "f.jsonl", [ok | {"label": "yes"}, ok | {"label": False}])
    )
    assert [r["label"] for r in rows] == [1, 0]


def test_bad_question_rows_name_line_and_field(tmp_path: Path) -> None:
    good = {"question": "q?", "answers": ["x"], "source": "a.md", "answerable": True}
    with pytest.raises(InputError, match=r"line 2 is missing the field 'answers'"):
        read_questions(write(tmp_path / "q.jsonl", [good, {"question": "q?", "source": "a.md"}]))
    with pytest.raises(InputError, match=r"line 1 is missing the field 'source'"):
        read_questions(write(tmp_path / "r.jsonl", [{"question": "q?", "answers": ["x"]}]))
    unanswerable = {"question": "q?", "answers": [], "source": None, "answerable": False}
    assert (
        read_questions(write(tmp_path / "s.jsonl", [good, unanswerable]))[1]["answerable"] is False
    )
    assert source_matches("/home/u/corpora/handbook/a.md", "handbook/a.md")
    assert not source_matches("/home/u/corpora/handbook/ba.md", "a.md")
    assert source_matches("python-reference/assert", "python-reference/assert")


def test_word_coverage_baseline() -> None:
    assert word_coverage("Paris in 1889", "The tower in Paris was finished in 1889.") == 1.0
    assert word_coverage("Rome in 1925", "The tower in Paris was finished in 1889.") == 0.0
    assert word_coverage("the of", "anything") == 1.0  # no content words: nothing unsupported


def test_verify_file_end_to_end_and_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = "Marie Curie won the Nobel Prize in Physics in 1903 and in Chemistry in 1911."
    rows = [
        {"context": context, "answer": "She won the Physics prize in 1903.", "label": 0},
        {"context": context, "answer": "She won it in 1911 for Chemistry.", "label": 0},
        {"context": context, "answer": "She won the Peace prize in 1925 in Oslo.", "label": 1},
        {"context": context, "answer": "Pierre refused every award offered.", "label": 1},
    ]
    data = write(tmp_path / "mine.jsonl", rows)
    a = run(
        RunOptions("verify-file", file=data, out=tmp_path / "a", progress=False),
        {"scorer": WordCoverageScorer()},
    )
    table = a.metrics["detection"]
    assert table["verifier"]["auroc"] == pytest.approx(1.0)  # coverage separates these four
    assert {"baseline: length-only", "baseline: word-coverage"} <= set(table)
    saved = json.loads((tmp_path / "a" / "report.json").read_text())
    assert saved["seed"] == 0 and saved["packages"]["numpy"] and saved["metrics"]["detection"]
    assert "| verifier |" in (tmp_path / "a" / "report.md").read_text()
    for png in ("roc.png", "reliability.png", "histograms.png"):
        assert (tmp_path / "a" / png).read_bytes()[:4] == b"\x89PNG"

    unlabelled = write(
        tmp_path / "unlabelled.jsonl", [{k: v for k, v in r.items() if k != "label"} for r in rows]
    )
    b = run(
        RunOptions("verify-file", file=unlabelled, out=tmp_path / "b", progress=False),
        {"scorer": WordCoverageScorer()},
    )
    assert "detection" not in b.metrics and b.metrics["scores"]["answers"] == 4

    deltas = {
        name: (va, vb, d) for name, va, vb, d in report.compare(tmp_path / "a", tmp_path / "b")
    }
    va, vb, d = deltas["scores / mean_probability"]
    assert d == pytest.approx(vb - va) and va == pytest.approx(vb)
    assert deltas["detection / verifier / auroc"][1] is None  # run b has no labels

    assert cli.main(["eval", "--compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "scores / mean_probability" in capsys.readouterr().out
    assert cli.main(["eval", "no-such-suite"]) == InputError.exit_code
    assert "verify-file" in capsys.readouterr().err
