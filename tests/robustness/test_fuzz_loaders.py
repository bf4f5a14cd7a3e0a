"""Fuzzing the loaders: random and mutated bytes named .txt/.md/.html/.pdf.

Property: every input ends in a Document with some text, or in a LoadError naming the file;
never another exception, never a hang. A text or Markdown file read in blocks (a big file's
path, here with tiny blocks and pieces) says exactly what the file read whole says.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from ragassist.documents import decode, stream
from ragassist.documents.load import load_document
from ragassist.documents.stream import TextStream, safe_cut
from ragassist.errors import LoadError
from ragassist.types import content_hash

SUFFIXES = [".txt", ".md", ".html", ".pdf"]
SEEDS = {
    ".txt": "Plain text about otters.\n\nSecond paragraph, with ünïcödé and 漢字.\n".encode(),
    ".md": b"# Title\n\nIntro text.\n\n## Part *one*\n\nMore text ###\n\n###### deep\nend\n",
    ".html": (
        b"<!doctype html><html><head><title>T</title><style>p{}</style></head><body>"
        b"<h1>Head</h1><p>Para <b>bold</b> &amp; <i>it</i></p><script>x()</script>"
        b"<table><tr><td>cell</td></tr></table><h2>Sub</h2><p>more</p></body></html>"
    ),
}


@functools.cache
def seed_pdf(pages: int = 3) -> bytes:
    """A small real PDF (reportlab), with an xref table to break."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setTitle("Seed PDF")
    for n in range(pages):
        c.drawString(72, 720, f"Page {n + 1} says something about otters.")
        c.showPage()
    c.save()
    return buf.getvalue()


def check(path: Path, data: bytes) -> None:
    """The property: a Document with text, or a LoadError that names the file."""
    try:
        doc = load_document(path, data)
    except LoadError as e:
        assert str(path) in str(e) and e.reason
        return
    assert doc.text.strip() and isinstance(doc.title, str)
    assert all(0 <= s.start <= len(doc.text) for s in doc.sections)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed with a few random edits: flips, inserts, deletes, duplicates, a truncation."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        elif op == "truncate":
            del data[at:]
    return bytes(data)


@st.composite
def broken_xref(draw: st.DrawFn) -> bytes:
    """A real PDF whose cross-reference table, trailer or startxref is damaged."""
    data = seed_pdf(draw(st.integers(1, 4)))
    kind = draw(st.sampled_from(["offsets", "startxref", "no-xref", "count", "trailer"]))
    if kind == "offsets":  # every 10-digit offset replaced by a random one
        return re.sub(
            rb"\d{10}", lambda m: b"%010d" % draw(st.integers(0, 10**10 - 1)), data, count=8
        )
    if kind == "startxref":
        return re.sub(rb"startxref\s+\d+", b"startxref\n%d" % draw(st.integers(0, 10**9)), data)
    if kind == "no-xref":
        return data[: data.rfind(b"xref")] + data[data.rfind(b"trailer") :]
    if kind == "count":
        return re.sub(rb"xref\s+0 \d+", b"xref\n0 %d" % draw(st.integers(0, 10**7)), data)
    return data.replace(b"/Root", draw(st.sampled_from([b"/Roox", b"/Root 999 0 R /X"])))


@st.composite
def nested_html(draw: st.DrawFn) -> bytes:
    """Deeply nested, often unclosed, HTML, sometimes cut short."""
    depth = draw(st.integers(1, 20_000))
    tag = draw(st.sampled_from(["div", "b", "table", "h1", "p", "script", "a", "ul><li"]))
    closed = draw(st.booleans())
    html = f"<{tag}>" * depth + draw(st.text(max_size=50)) + (f"</{tag}>" * depth if closed else "")
    data = html.encode("utf-8", "surrogatepass")
    return data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


# Magic prefixes the loaders branch on (byte-order marks, PDF and HTML openings), as a fuzzer's
# dictionary: random bytes alone almost never start with them.
MAGIC = [b"", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"%PDF-1.4\n", b"<html><h1>", b"# "]


@given(
    suffix=st.sampled_from(SUFFIXES),
    prefix=st.sampled_from(MAGIC),
    data=st.binary(max_size=4096),
)
def test_random_bytes(within, suffix: str, prefix: bytes, data: bytes) -> None:
    with within():
        check(Path(f"/fuzz/random{suffix}"), prefix + data)


@given(st.sampled_from(sorted(SEEDS)).flatmap(lambda s: st.tuples(st.just(s), mutated(SEEDS[s]))))
def test_mutated_text_files(within, case: tuple[str, bytes]) -> None:
    suffix, data = case
    with within():
        check(Path(f"/fuzz/mutated{suffix}"), data)


@given(st.deferred(lambda: mutated(seed_pdf())))
def test_mutated_pdf(within, data: bytes) -> None:
    with within():
        check(Path("/fuzz/mutated.pdf"), data)


@given(broken_xref())
def test_pdf_with_broken_xref(within, data: bytes) -> None:
    with within():
        check(Path("/fuzz/xref.pdf"), data)


# 20,000 levels of <ul><li> are 40,000 tags: 0.6-0.8 s of CPU to parse (linear in the depth,
# the same cost a tag as <div>), which once took over 5 s of wall time on a loaded machine. The
# quadratic case this test found (nested <h1>) took 77 s, so 20 s still catches its kind.
@settings(deadline=timedelta(seconds=20))
@given(nested_html(), st.sampled_from([".html", ".htm", ".md"]))
def test_deeply_nested_html(within, data: bytes, suffix: str) -> None:
    with within():
        check(Path(f"/fuzz/nested{suffix}"), data)


@given(
    suffix=st.sampled_from([".txt", ".md"]),
    data=st.one_of(
        st.tuples(st.sampled_from(MAGIC), st.binary(max_size=2048)).map(b"".join),
        st.sampled_from([".txt", ".md"]).flatmap(lambda s: mutated(SEEDS[s] * 8)),
    ),
    block=st.integers(1, 300),
    piece=st.integers(1, 64),
)
def test_text_read_in_blocks_says_what_the_whole_file_says(
    within, suffix: str, data: bytes, block: int, piece: int
) -> None:
    with within(), tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"blocks{suffix}"
        path.write_bytes(data)
        with (
            mock.patch.object(stream, "PIECE_BYTES", piece),
            mock.patch.object(decode, "HEAD_BYTES", 16),
        ):
            try:
                whole = load_document(path, data)
            except LoadError as e:
                whole_error = e.reason
            else:
                whole_error = ""
            text = TextStream(path, 10**9, block)
            try:
                blocks = list(text.blocks())
            except LoadError as e:
                assert e.reason == whole_error and str(path) in str(e)
                return
        assert not whole_error
        assert "".join(b.text for _, b in blocks) == whole.text
        assert text.read_hash == content_hash(data)
        if all(safe_cut(whole.text, offset) for offset, _ in blocks[1:]):  # else a line was cut
            assert text.title == whole.title
            for offset, b in blocks:
                for at in range(0, len(b.text), 7):
                    assert b.location_at(at) == whole.location_at(offset + at)
