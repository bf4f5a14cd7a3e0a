"""The BM25 matrix filled in place equals bm25s's own build: same arrays, same saved bytes."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from ragassist.index.bm25_build import build_bm25
from ragassist.index.keyword_tokens import TokenIds, bm25s

WORDS = "otter river stone the a of and fish 3 C x heron reed mud light moon".split()


def pages(seed: int, n_pages: int, docs: int) -> list[list[str]]:
    """Pages of random prose, with empty and punctuation-only documents among them."""
    rng = random.Random(seed)
    return [
        [
            " ".join(rng.choice(WORDS) for _ in range(rng.choice([0, 1, 5, 40, 200])))
            or rng.choice(["", "...", "!?"])
            for _ in range(rng.randint(0, docs))
        ]
        for _ in range(n_pages)
    ]


def token_ids(texts: list[list[str]]) -> TokenIds:
    tokens = TokenIds()
    for page in texts:
        tokens.add(page)
    return tokens


def saved(bm25: object, folder: Path) -> dict[str, bytes]:
    bm25.save(str(folder), show_progress=False)  # type: ignore[attr-defined]
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}


@pytest.mark.parametrize("seed", range(6))
def test_the_matrix_filled_in_place_is_bm25s_own(seed: int, tmp_path: Path) -> None:
    texts = pages(seed, n_pages=1 + seed, docs=60)
    tokens = token_ids(texts)
    if not tokens.n_tokens:
        texts.append(["otter"])
        tokens = token_ids(texts)
    ours = build_bm25(tokens)
    theirs = bm25s().BM25()
    theirs.index(bm25s().tokenization.Tokenized(ids=token_ids(texts), vocab=dict(tokens.vocab)),
                 show_progress=False)  # fmt: skip
    for name in ("data", "indices", "indptr"):
        a, b = ours.scores[name], theirs.scores[name]
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert ours.scores["num_docs"] == theirs.scores["num_docs"] == len(tokens)
    assert ours.vocab_dict == theirs.vocab_dict
    assert ours.unique_token_ids_set == theirs.unique_token_ids_set
    assert saved(ours, tmp_path / "ours") == saved(theirs, tmp_path / "theirs")
    for query in (["otter", "river"], ["c", "3"], ["moon", "moon"], ["zebra"]):
        assert np.array_equal(ours.get_scores(query), theirs.get_scores(query))
