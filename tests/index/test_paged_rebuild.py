"""The FAISS and BM25 rebuild reads SQLite a page of rows at a time; the result must not show it.

A paged rebuild (7 rows a page) writes the same bytes as a one-page rebuild, and its BM25
scores equal those of bm25s indexing every chunk's string tokens at once (the build before
pages). bench/robustness.py measures the memory the pages save.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from ragassist import Assistant, Config
from ragassist.config import SplitConfig
from ragassist.index.keyword_tokens import bm25s, tokenize
from ragassist.index.search_index import DenseIndex, KeywordIndex, SearchIndex

WORDS = (
    "otter river stone water fish swim den fur tail paw night moon heron reed bank mud light "
    "the a of and to in is that it was for on C 3 x"
).split()
QUERIES = ["otter river", "C 3", "moon moon night", "zebra", "heron reed 42", "the of"]


@pytest.fixture
def indexed(tmp_path: Path, hash_embedder) -> Assistant:
    """A few hundred chunks of seeded random prose with numbers, in four files."""
    rng = random.Random(0)
    docs = tmp_path / "docs"
    docs.mkdir()
    for f in range(4):
        paragraphs = [
            " ".join(
                rng.choice(WORDS) + str(rng.randint(0, 60) if rng.random() < 0.2 else "")
                for _ in range(rng.randint(5, 60))
            )  # fmt: skip
            for _ in range(150)
        ]
        (docs / f"d{f}.txt").write_text("\n\n".join(paragraphs) + "\n\n.!?\n")
    config = Config(
        index_dir=tmp_path / "idx", split=SplitConfig(chunk_tokens=32, overlap_tokens=8)
    )
    a = Assistant(config, embedder=hash_embedder)
    a.index([docs])
    assert 200 <= a.store.count() <= 2000
    return a


def rebuilt_files(a: Assistant, page_rows: int) -> dict[str, bytes]:
    """Every derived file's bytes after a rebuild reading `page_rows` rows a page."""
    search = SearchIndex(a.store, a.embedder.dim)
    search.page_rows = page_rows
    generation = search.rebuild()
    folder = a.store.folder
    files = {f"dense-{generation}.faiss": (folder / f"dense-{generation}.faiss").read_bytes()}
    for f in sorted((folder / f"keyword-{generation}").iterdir()):
        files[f.name] = f.read_bytes()
    return files


def test_paged_rebuild_writes_the_same_bytes_as_one_page(indexed: Assistant) -> None:
    paged, whole = rebuilt_files(indexed, 7), rebuilt_files(indexed, 10**6)
    assert len(paged) >= 5 and paged.keys() == whole.keys()
    for name in paged:
        assert paged[name] == whole[name], name


def test_paged_bm25_scores_equal_the_string_token_build(indexed: Assistant) -> None:
    """The build before pages: bm25s over every chunk's string tokens at once."""
    store = indexed.store
    ((ids, texts),) = store.text_pages(10**6)  # every chunk, in one page
    before = bm25s().BM25()
    before.index(tokenize(texts), show_progress=False)
    paged = KeywordIndex()
    paged.build_pages(store.text_pages(7))
    assert paged.ids.tolist() == ids.tolist()
    for query in QUERIES:
        tokens = tokenize([query])[0]
        if tokens:
            assert np.array_equal(paged.bm25.get_scores(tokens), before.get_scores(tokens)), query
    assert indexed.search("otter river 42", k=5)  # and the assistant searches the paged files


def test_pages_without_words() -> None:
    """Pages of punctuation only among others; nothing but punctuation means no BM25 at all."""
    ids = np.arange(4, dtype=np.int64)
    mixed = KeywordIndex()
    mixed.build_pages([(ids[:2], ["...", "!?"]), (ids[2:], ["red apples", "-"])])
    assert [i for i, _ in mixed.search("apples", 5)] == [2]
    empty = KeywordIndex()
    empty.build_pages([(ids[:2], ["...", "!?"]), (ids[:0], [])])
    assert empty.bm25 is None and empty.search("apples", 5) == []


def test_paged_hnsw_keeps_recall_against_exact_search() -> None:
    """HNSW's graph depends on insert order, so pages change its bytes; not its recall."""
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(3000, dtype=np.int64) * 7 + 1
    approx = DenseIndex(32, flat_below=1000)
    approx.build_pages(
        3000, ((ids[s : s + 500], vectors[s : s + 500]) for s in range(0, 3000, 500))
    )
    assert approx.layout == "IndexHNSWFlat" and approx.index.ntotal == 3000
    recall = []
    for q in rng.standard_normal((50, 32)).astype(np.float32):
        exact = set(ids[np.argsort(-(vectors @ q))[:10]].tolist())
        recall.append(len(exact & {i for i, _ in approx.search(q, 10)}) / 10)
    assert np.mean(recall) >= 0.95


def test_an_index_run_saves_the_files_without_holding_them(indexed: Assistant) -> None:
    """The run's last rebuild drops each index once saved; the next search loads the files."""
    search = indexed.search_index
    generation = indexed.store.generation
    folder = indexed.store.folder
    assert (folder / f"dense-{generation}.faiss").exists()
    assert (folder / f"keyword-{generation}" / "ids.npy").exists()
    assert search.generation == -1 and search.dense.index.ntotal == 0
    assert search.keyword.bm25 is None
    assert indexed.search("otter river 42", k=5)
    assert search.generation == generation and search.dense.index.ntotal == indexed.store.count()
