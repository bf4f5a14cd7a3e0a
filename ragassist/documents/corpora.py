"""Sources to index: files on disk, and the built-in corpora that ship with Python or the project."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..errors import InputError
from ..types import Document, Section, content_hash
from .load import Discovery, discover, load_document, read_bytes
from .stream import TextStream, streams

PYTHON_REFERENCE = "python-reference"


@dataclass(frozen=True)
class Source:
    """Something to index: a stable name, a way to read its bytes, a way to parse them."""

    name: str
    read: Callable[[], bytes]
    parse: Callable[[bytes], Document]
    stream: Callable[[], TextStream] | None = None  # plain text that can be read in blocks


def file_sources(paths: list[str | Path], max_bytes: int) -> tuple[list[Source], Discovery]:
    """A Source per supported file under `paths`, plus what discovery passed over."""
    found = discover(paths)
    sources = [
        Source(
            str(p),
            partial(read_bytes, p, max_bytes),
            partial(load_document, p),
            partial(TextStream, p, max_bytes) if streams(p) else None,
        )
        for p in found.files
    ]
    return sources, found


def python_reference_sources() -> list[Source]:
    """The Python Language Reference topics that ship with CPython (pydoc_data.topics)."""
    from pydoc_data.topics import topics

    return [
        Source(
            f"{PYTHON_REFERENCE}/{name}",
            partial(str.encode, text, "utf-8"),
            partial(_topic_document, name),
        )
        for name, text in sorted(topics.items())
    ]


def _topic_document(name: str, data: bytes) -> Document:
    text = data.decode("utf-8")
    title = text.strip().splitlines()[0].strip() if text.strip() else name
    return Document(
        f"{PYTHON_REFERENCE}/{name}", text, title, content_hash(data), (Section(0, name),)
    )


CORPORA: dict[str, Callable[[], list[Source]]] = {PYTHON_REFERENCE: python_reference_sources}


def corpus_sources(name: str) -> list[Source]:
    """The sources of a built-in corpus by name; an unknown name lists the known ones."""
    if name not in CORPORA:
        raise InputError(f"unknown corpus {name!r}; known corpora: {', '.join(CORPORA)}")
    return CORPORA[name]()


@dataclass
class Selection:
    """What an index run covers: the sources, the scopes whose vanished files are dropped, and
    the files discovery passed over (with their reasons)."""

    sources: list[Source]
    scopes: list[str]
    ignored: list[tuple[str, str]]


def select_sources(paths: list[str | Path], corpus: str | None, max_bytes: int) -> Selection:
    """The sources of these files/folders and of a built-in corpus, with their scopes."""
    selection = Selection([], [], [])
    if paths:
        found, discovery = file_sources(paths, max_bytes)
        selection.sources += found
        selection.ignored = discovery.ignored
        selection.scopes += [
            str(Path(p).expanduser().resolve()) + "/" for p in paths if Path(p).is_dir()
        ]
    if corpus:
        selection.sources += corpus_sources(corpus)
        selection.scopes.append(corpus + "/")
    return selection
