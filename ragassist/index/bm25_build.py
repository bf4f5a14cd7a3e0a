"""The BM25 score matrix filled a page of documents at a time: bm25s's arrays without its copies.

bm25s.BM25.index scores every (document, token) pair into three flat arrays, then sorts int64
copies of them into a CSC matrix (one column a token): at 368,000 chunks about 580 MB on top
of the token ids. Here the matrix is filled in place, column by column, in two passes over the
token ids (document frequencies, then scores), so the build holds the token ids, the finished
matrix (4 + 4 bytes a pair) and one page's temporaries. The scores are bm25s's own functions
applied to arrays, so the arrays and the files saved from them are the bytes BM25.index gives
(tests/index/test_bm25_build.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .keyword_tokens import TokenIds, bm25s


def build_bm25(tokens: TokenIds) -> Any:
    """A bm25s.BM25 scored over these token ids exactly as BM25.index would score them."""
    bm25 = bm25s().BM25()
    if bm25.method in bm25.methods_requiring_nonoccurrence:  # not our default: bm25s builds it
        corpus = bm25s().tokenization.Tokenized(ids=tokens, vocab=tokens.vocab)
        bm25.index(corpus, show_progress=False)
        return bm25
    scoring = bm25s().scoring
    n_vocab = len(tokens.vocab)
    lengths = np.concatenate([np.diff(ends, prepend=0) for _, ends in tokens.pages()])
    n_docs, avg_len = len(lengths), lengths.mean()  # as bm25s: the mean of int64 lengths
    df = np.zeros(n_vocab, dtype=np.int64)  # documents holding each token
    for _, token, _ in _pairs(tokens, n_vocab):
        df += np.bincount(token, minlength=n_vocab)
    idf = scoring._build_idf_array(
        dict(enumerate(df.tolist())), n_docs, scoring._select_idf_scorer(bm25.idf_method),
        bm25.dtype,
    )  # fmt: skip
    tfc = scoring._select_tfc_scorer(bm25.method)
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    data = np.empty(int(indptr[-1]), dtype=bm25.dtype)
    indices = np.empty(int(indptr[-1]), dtype=bm25.int_dtype)
    cursor = indptr[:-1].copy()  # where each token's column goes on
    for doc, token, count in _pairs(tokens, n_vocab):
        tf = count.astype(bm25.dtype)  # bm25s: a float32 array of counts, its l_d an int
        scores = idf[token] * tfc(tf, lengths[doc], avg_len, bm25.k1, bm25.b, bm25.delta)
        order = np.argsort(token, kind="stable")  # by column; documents stay in order
        token, doc, scores = token[order], doc[order], scores[order]
        at = cursor[token] + np.arange(len(token)) - np.searchsorted(token, token)
        data[at], indices[at] = scores, doc
        cursor += np.bincount(token, minlength=n_vocab)
    bm25.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}
    bm25.vocab_dict = dict(tokens.vocab)
    bm25.vocab_dict.setdefault("", max(bm25.vocab_dict.values(), default=-1) + 1)
    bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
    bm25.nonoccurrence_array = None
    return bm25


def _pairs(tokens: TokenIds, n_vocab: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(document, token, count) of every token of every document, a page at a time, each
    page's pairs by document then token; documents numbered across pages."""
    first = 0
    for flat, ends in tokens.pages():
        doc = np.repeat(np.arange(len(ends), dtype=np.int64), np.diff(ends, prepend=0))
        pairs, counts = np.unique(doc * n_vocab + flat, return_counts=True)
        yield pairs // n_vocab + first, pairs % n_vocab, counts
        first += len(ends)
