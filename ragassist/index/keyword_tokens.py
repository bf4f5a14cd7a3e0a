"""BM25 tokens: one tokenizer for chunks and queries, and a corpus's tokens kept compact.

Tokens are bm25s's (lower case, runs of letters and digits, English stop words left out).
A corpus is tokenized a page of chunks at a time into int32 token ids (4 bytes a token) over
one vocabulary numbered in order of first appearance, so the ids, and the BM25 files built
from them, do not depend on the page size. bm25s reads the ids back one document at a time;
no list of every chunk's tokens is ever held whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import chain
from typing import Any

import numpy as np

TOKEN_PATTERN = r"(?u)\b\w+\b"  # single letters and digits count: "C", "3"
STOPWORDS = "en"


def bm25s() -> Any:
    """bm25s, imported on first use; its import sets its logger to DEBUG, so quiet it after."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build
    return bm25s


def _bm25s_tokens(texts: list[str], return_ids: bool) -> Any:
    """bm25s's tokenizer with this project's pattern and stop words."""
    return bm25s().tokenize(
        texts, token_pattern=TOKEN_PATTERN, stopwords=STOPWORDS, return_ids=return_ids,
        show_progress=False,
    )  # fmt: skip


def tokenize(texts: list[str]) -> list[list[str]]:
    """Each text's tokens as strings: how a query is looked up in the vocabulary."""
    return _bm25s_tokens(texts, return_ids=False)  # type: ignore[no-any-return]


class TokenIds:
    """A corpus's tokens as ids into `vocab`, added page by page: the `ids` bm25s indexes.

    Each page is one flat int32 array plus each document's end in it. Iterating yields one
    document's ids as a list at a time, which is all bm25s needs (it counts and scores
    document by document), so the lists never exist for all documents at once.
    """

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.n_tokens = 0
        self._pages: list[tuple[np.ndarray, np.ndarray]] = []  # (token ids, end of each doc)

    def add(self, texts: list[str]) -> None:
        """Tokenize a page of documents and keep their ids; new words join the vocabulary."""
        page = _bm25s_tokens(texts, return_ids=True)
        to_vocab = np.empty(len(page.vocab), dtype=np.int32)  # page id -> corpus id
        for word, i in page.vocab.items():  # in order of first appearance on the page
            to_vocab[i] = self.vocab.setdefault(word, len(self.vocab))
        ends = np.fromiter(map(len, page.ids), dtype=np.int64, count=len(page.ids)).cumsum()
        n = int(ends[-1]) if len(ends) else 0
        flat = np.fromiter(chain.from_iterable(page.ids), dtype=np.int32, count=n)
        self._pages.append((to_vocab[flat], ends))
        self.n_tokens += n

    def __len__(self) -> int:
        return sum(len(ends) for _, ends in self._pages)

    def pages(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(token ids of a page's documents end to end, each document's end in them)."""
        yield from self._pages

    def __iter__(self) -> Iterator[list[int]]:
        for flat, ends in self._pages:
            start = 0
            for end in ends.tolist():
                yield flat[start:end].tolist()
                start = end
