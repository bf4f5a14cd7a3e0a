"""Big plain-text and Markdown files read in blocks, so memory does not grow with the file.

A file over BLOCK_CHARS bytes is hashed, decoded and handed out a block of at most BLOCK_CHARS
characters at a time, each block a Document with its offset in the whole text. Blocks end at a
blank line (else at a line end) where no Markdown heading can reach across the cut, so the
sections of the blocks are exactly those of the whole text, and a file of one block gives the
Document the whole file would. Only a line longer than a block is cut inside it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import LoadError
from ..types import Document, Section
from .decode import decode_pieces
from .load import (
    MARKDOWN_SUFFIXES,
    NO_TEXT,
    TEXT_SUFFIXES,
    check_size,
    first_heading,
    markdown_sections,
    reading,
)

BLOCK_CHARS = 4_000_000  # characters of a block (about 7,000 chunks); larger files stream
PIECE_BYTES = 1 << 20  # bytes read from the file at a time
MAX_TRIES = 10_000  # places tried for a cut of each kind (a block of blank lines has millions)
_HASHES_ALONE = re.compile(
    r"#+[^\S\n]*(?:\n|\Z)"
)  # a line of only '#': a heading's `\s+` crosses it


def streams(path: Path) -> bool:
    """Whether files of this type can be read in blocks (plain text and Markdown)."""
    return path.suffix.lower() in TEXT_SUFFIXES | MARKDOWN_SUFFIXES


class TextStream:
    """One plain-text or Markdown file, read a piece at a time: its size, hash, title and blocks."""

    def __init__(self, path: Path, max_bytes: int, block_chars: int | None = None) -> None:
        self.path, self.max_bytes = path, max_bytes
        self.block_chars = block_chars or BLOCK_CHARS
        self.markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
        self.read_hash = ""  # sha256 of the bytes `blocks` read, once it has read them all

    def size(self) -> int:
        """The file's size in bytes; a LoadError when it cannot be read or is over the limit."""
        with reading(self.path):
            return check_size(self.path, self.max_bytes)

    def file_hash(self) -> str:
        """sha256 of the file's bytes, read a piece at a time (the indexer's change check)."""
        digest = hashlib.sha256()
        for _ in self._pieces(digest.update):
            pass
        return digest.hexdigest()

    @functools.cached_property
    def title(self) -> str:
        """The first Markdown heading, or the file name: what load_document calls the file."""
        if self.markdown:
            for _, block in cut_blocks(decode_pieces(self.path, self._pieces()), self.block_chars):
                if sections := markdown_sections(block):
                    return first_heading(sections) or self.path.stem
        return self.path.stem

    def blocks(self) -> Iterator[tuple[int, Document]]:
        """(offset in the whole text, Document of the block) in order; sets read_hash at the end.

        A LoadError comes where the bytes stop being text, or at the end when there is no text.
        """
        digest = hashlib.sha256()
        texts = decode_pieces(self.path, self._pieces(digest.update))
        blocks = cut_blocks(texts, self.block_chars)
        yield from block_documents(str(self.path), self.title, blocks, self.markdown)
        self.read_hash = digest.hexdigest()

    def _pieces(self, seen: Callable[[bytes], object] | None = None) -> Iterator[bytes]:
        """The file's bytes PIECE_BYTES at a time, each shown to `seen` (a hash) first."""
        with reading(self.path), self.path.open("rb") as f:
            while piece := f.read(PIECE_BYTES):
                if seen is not None:
                    seen(piece)
                yield piece


def block_documents(
    source: str, title: str, blocks: Iterable[tuple[int, str]], markdown: bool
) -> Iterator[tuple[int, Document]]:
    """(offset, Document) per block: its sections (absolute offsets less the block's) begin
    with the label in force where it starts; a LoadError at the end when there was no text."""
    stack: list[tuple[int, str]] = []  # enclosing headings, carried from block to block
    label, seen = "", False  # the section label in force; whether any block had text
    for offset, text in blocks:
        own = markdown_sections(text, stack) if markdown else []
        carried = [Section(0, label)] if label else []
        label = own[-1].label if own else label
        seen = seen or (bool(text) and not text.isspace())
        yield offset, Document(source, text, title, "", tuple(carried + own))
    if not seen:
        raise LoadError(source, NO_TEXT)


def cut_blocks(texts: Iterable[str], block_chars: int) -> Iterator[tuple[int, str]]:
    """The concatenated `texts` as (offset, block) of at most `block_chars` characters each."""
    buffer, offset = "", 0
    for text in texts:
        buffer += text
        while len(buffer) > block_chars:
            cut = cut_point(buffer, block_chars)
            yield offset, buffer[:cut]
            buffer, offset = buffer[cut:], offset + cut
    if buffer:
        yield offset, buffer


def cut_point(text: str, limit: int) -> int:
    """Where a block of `text` ends: after the last blank line, else line end, before `limit`
    where no Markdown heading spans the cut; `limit` itself when no line ends in time."""
    for mark in ("\n\n", "\n"):
        end = limit
        for _ in range(MAX_TRIES):
            found = text.rfind(mark, 1, end)
            if found < 0:
                break
            if safe_cut(text, found + len(mark)):
                return found + len(mark)
            end = found + len(mark) - 1
    return limit


def safe_cut(text: str, p: int) -> bool:
    """Whether `text` may be cut before `text[p]`, at the start of a line, without changing its
    Markdown sections: no heading match (`^#{1,6}\\s+(.+?)\\s*#*\\s*$`, whose `\\s` also
    matches newlines) can start before p and end after it."""
    if not 0 < p < len(text) or text[p - 1] != "\n":  # only at the start of a line
        return False
    if text[p].isspace():  # a heading's `\s*` would run on past the cut
        return False
    if _HASHES_ALONE.match(text, p):  # it could end the heading before the cut
        return False
    q = p - 1
    while q >= 0 and text[q].isspace():  # back to the last character that is not whitespace
        q -= 1
    if q < 0 or text[q] != "#":
        return True
    while q >= 0 and text[q] == "#":
        q -= 1
    return q >= 0 and text[q] != "\n"  # a line of only '#' reads the next line as its heading
