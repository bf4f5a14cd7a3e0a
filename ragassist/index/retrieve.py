"""Hybrid retrieval: dense (FAISS) and keyword (BM25) candidates fused by reciprocal rank."""

from __future__ import annotations

import fnmatch
import logging

from ..config import RetrieveConfig, SearchMode
from ..errors import InputError
from ..types import Hit
from .embed import Embedder
from .search_index import SearchIndex

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 4000  # the embedder reads 256 tokens; a longer query is a mistake, not a query


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = 60) -> dict[int, float]:
    """score(id) = sum over rankings of 1 / (k + rank), rank from 1 (Cormack et al., 2009)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


class Retriever:
    """Finds the chunks that best answer a query."""

    def __init__(self, search: SearchIndex, embedder: Embedder, config: RetrieveConfig) -> None:
        self.search_index, self.embedder, self.config = search, embedder, config

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: SearchMode | None = None,
        source: str | None = None,
    ) -> list[Hit]:
        """The k best hits, best first. `source` is a glob on the source path (e.g. '*.md')."""
        k = k or self.config.k
        mode = mode or self.config.mode
        query = query.strip()
        if not query:
            raise InputError("the query is empty; type a question or some keywords")
        if len(query) > MAX_QUERY_CHARS:
            raise InputError(
                f"the query is {len(query):,} characters; the limit is {MAX_QUERY_CHARS:,}. "
                "Ask a shorter question."
            )
        self.search_index.refresh()
        depth = max(self.config.candidates, k) * (4 if source else 1)
        vector = self.embedder.embed([query])[0]
        dense = self.search_index.dense.search(vector, depth) if mode != "keyword" else []
        keyword = self.search_index.keyword.search(query, depth) if mode != "dense" else []
        if mode == "dense":
            fused = {i: s for i, s in dense}
        elif mode == "keyword":
            fused = {i: s for i, s in keyword}
        else:
            fused = reciprocal_rank_fusion(
                [[i for i, _ in dense], [i for i, _ in keyword]], self.config.rrf_k
            )
        ranked = sorted(fused, key=lambda i: -fused[i])
        chunks = self.search_index.store.chunks_by_rowid(ranked[:depth])
        if source:
            ranked = [
                i for i in ranked if i in chunks and fnmatch.fnmatch(chunks[i].source, source)
            ]
        ranked = [i for i in ranked if i in chunks][:k]
        dense_scores = dict(dense)
        missing = [i for i in ranked if i not in dense_scores]
        dense_scores.update(self.search_index.dense.cosine(vector, missing))
        keyword_scores = dict(keyword)
        return [
            Hit(chunks[i], fused[i], dense_scores.get(i), keyword_scores.get(i)) for i in ranked
        ]
