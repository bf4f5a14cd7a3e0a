"""The index manifest: what an index was built with, stored in it and checked on every open."""

from __future__ import annotations

from pathlib import Path

from ..config import SplitConfig
from ..errors import IndexStateError

FORMAT_VERSION = 1


def manifest_of(embedder_name: str, dim: int, split: SplitConfig) -> dict[str, object]:
    """What an index is built with: stored in it, and checked on every open."""
    return {
        "format_version": FORMAT_VERSION,
        "embedder": embedder_name,
        "dim": dim,
        "chunk_tokens": split.chunk_tokens,
        "overlap_tokens": split.overlap_tokens,
    }


def check_manifest(stored: dict[str, object], wanted: dict[str, object], folder: Path) -> None:
    """Refuse an index built with other settings (embedder, chunking, format), saying how to
    rebuild it; a new index (no manifest yet) passes and gets one with its first commit."""
    if "format_version" not in stored:
        return
    diffs = [
        f"{k}: index has {stored.get(k)!r}, config has {v!r}"
        for k, v in wanted.items()
        if stored.get(k) != v
    ]
    if diffs:
        raise IndexStateError(
            f"the index in {folder} was built with other settings ({'; '.join(diffs)}). "
            f"Rebuild it with `ragassist index PATH --rebuild --index {folder}`, "
            "or use another --index folder."
        )
