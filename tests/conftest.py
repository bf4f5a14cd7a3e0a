"""Shared fixtures: the real embedder is loaded once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

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


@pytest.fixture(scope="session")
def ray_local() -> Iterator[ModuleType]:
    """A local Ray, started once by ragassist's own ray_session and shared by the Ray tests.

    The library joins a Ray this process already started, so each test pays no start-up.
    """
    pytest.importorskip(
        "ray", reason="Ray is an optional extra: pip install 'ragassist[ray]' (make install-ray)"
    )
    from ragassist.index.cluster import ray_session

    with ray_session() as ray:
        yield ray
