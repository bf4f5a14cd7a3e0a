"""Shared fixtures: the real embedder is loaded once per test session."""

from __future__ import annotations

import pytest

from ragassist.index.embed import Embedder, HashEmbedder, get_embedder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole run."""
    emb = get_embedder()
    emb.embed(["warm up"])
    return emb


@pytest.fixture
def hash_embedder() -> Embedder:
    """A model-free deterministic embedder for plumbing tests."""
    return HashEmbedder(64)
