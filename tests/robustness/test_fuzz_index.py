"""Fuzzing the whole indexing path: folders of hostile files indexed, re-opened and searched.

Property: every file is either indexed or skipped with a reason, the run ends in a report or a
RagassistError, and the index re-opens in a fresh process state with exactly what was reported
(no partial write), and can be searched.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ragassist import Assistant, Config
from ragassist.errors import InputError
from ragassist.index.embed import HashEmbedder

MAGIC = [b"", b"\xff\xfe", b"\xef\xbb\xbf", b"%PDF-1.4\n", b"<html><h1>", b"# "]
contents = st.one_of(
    st.tuples(st.sampled_from(MAGIC), st.binary(max_size=2048)).map(lambda t: t[0] + t[1]),
    st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
names = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=20,
)
files = st.lists(
    st.tuples(names, st.sampled_from([".txt", ".md", ".html", ".pdf", ".bin", ""]), contents),
    min_size=1,
    max_size=5,
    unique_by=lambda f: (f[0] + f[1]).lower(),
)


@settings(max_examples=max(5, settings.default.max_examples // 3))  # each indexes a folder
@given(files)
def test_index_hostile_folders(within, case: list[tuple[str, str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        docs, idx = Path(tmp) / "docs", Path(tmp) / "idx"
        docs.mkdir()
        written = []
        for name, suffix, data in case:
            path = docs / (name + suffix)
            try:
                path.write_bytes(data)
            except OSError:  # a name the file system refuses (too long in bytes, '.', '..')
                continue
            written.append(path)
        with within():
            report = Assistant(Config(index_dir=idx), embedder=HashEmbedder(64)).index([docs])
        supported = [p for p in docs.rglob("*") if p.is_file() and not p.name.startswith(".")]
        indexed = set(report.added)
        skipped = {s for s, _ in report.skipped}
        assert all(reason for _, reason in report.skipped)
        assert len(indexed) + len(skipped) + len(report.ignored) == len(supported)

        fresh = Assistant(Config(index_dir=idx), embedder=HashEmbedder(64))
        stats = fresh.stats()
        assert stats["files"] == len(indexed) and set(fresh.store.files()) == indexed
        assert stats["chunks"] == sum(r.n_chunks for r in fresh.store.files().values())
        if stats["chunks"]:
            word = next(
                c.text.split()[0]
                for c in fresh.store.chunks_by_rowid(list(range(1, 10_000))).values()
            )
            try:
                assert fresh.search(word, k=3)
            except InputError:  # a "word" made only of characters the query strips
                pass
