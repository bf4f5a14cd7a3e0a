"""Document -> Chunk: token-aware recursive splitting with overlap (langchain-text-splitters).

Sizes are counted in the embedder's own tokens, so no chunk is silently cut by the embedder.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ..config import SplitConfig
from ..types import Chunk, Document, content_hash

# Paragraphs first, then lines, sentences, words: Markdown headings start new chunks.
_HEADING_ONLY = re.compile(r"#{1,6} [^\n]*")
SEPARATORS = ["\n#{1,6} ", "\n\n", "\n", r"(?<=[.!?])\s+", " ", ""]


# Text whose pieces count as almost no tokens (runs of tabs, U+0085 or zero-width non-joiners, a 1 MB "word" the
# tokenizer reads as one [UNK]) was merged into ever longer chunks: a hang. Counting at least
# one token per this many characters caps a chunk at chunk_tokens * 16 characters; real text
# averages 4-6 characters a token, so its chunks do not change.
MAX_CHARS_PER_TOKEN = 16
SHORT_CACHED = 64  # pieces up to this many characters have their token counts cached


def token_counter(tokenizer: Any | None) -> Callable[[str], int]:
    """Length in the tokenizer's tokens, or in words when there is no tokenizer (tests, fakes).

    A line without spaces is split down to single characters, one tokenizer call each: a 1 MB
    line took 110 s. Counts of short pieces are cached, so the same few characters cost once.
    """
    if tokenizer is None:
        return lambda text: max(len(text.split()), _floor(text))

    @functools.lru_cache(maxsize=65536)
    def short(text: str) -> int:
        tokens = len(tokenizer.encode(text, add_special_tokens=False, verbose=False))
        return max(tokens, _floor(text))

    def count(text: str) -> int:
        if len(text) <= SHORT_CACHED:
            return short(text)
        tokens = len(tokenizer.encode(text, add_special_tokens=False, verbose=False))
        return max(tokens, _floor(text))

    return count


def _floor(text: str) -> int:
    """At least one token per MAX_CHARS_PER_TOKEN characters, spaces and newlines aside (the
    separators of ordinary text keep their exact count, so its chunks do not change)."""
    return -(-len(text.strip(" \n")) // MAX_CHARS_PER_TOKEN)


class Splitter:
    """Splits documents into overlapping chunks of at most `chunk_tokens` tokens."""

    def __init__(self, config: SplitConfig, tokenizer: object | None = None) -> None:
        self.config = config
        length = token_counter(tokenizer)
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=config.chunk_tokens,
            chunk_overlap=config.overlap_tokens,
            length_function=length,
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="start",
            strip_whitespace=True,
        )

    def split(self, document: Document) -> list[Chunk]:
        """The document's chunks in order, each with its character span and section label."""
        return list(self.iter_split(document))

    def iter_split(self, document: Document, offset: int = 0) -> Iterator[Chunk]:
        """The same chunks one at a time, so a huge file need not hold them all at once; a
        block of a longer text (see stream.py) starts at `offset` in it."""
        cursor = 0  # chunks come in order: each starts after the previous one's start
        for text in self._splitter.split_text(document.text):
            if _HEADING_ONLY.fullmatch(text):  # its heading is already the next chunk's location
                continue
            start = document.text.find(text, cursor)
            if start < 0:  # the splitter repeated a chunk it already gave ("\r" * 160 + "0" * 41)
                continue
            cursor = start + 1
            at = offset + start
            yield Chunk(
                id=content_hash(f"{document.source}\x00{at}\x00{text}"),
                source=document.source,
                title=document.title,
                location=document.location_at(start),
                start=at,
                end=at + len(text),
                text=text,
            )

    def split_blocks(self, blocks: Iterable[tuple[int, Document]]) -> Iterator[Chunk]:
        """The chunks of a text given as (offset, block Document), one block at a time."""
        for offset, block in blocks:
            yield from self.iter_split(block, offset)
