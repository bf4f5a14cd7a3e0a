"""Real chunk vectors for the approximate-search bench, embedded once and cached.

    .venv/bin/python bench/real_vectors.py [--cache /tmp/speed-cache] [--backend onnx-int8]

Texts: HaluEval's QA and dialogue knowledge passages (all 10,000 rows of each, deduplicated),
the Python Language Reference and the first 3,000 HaluEval summarization documents, split into
chunks by the project's own splitter (200 MiniLM tokens, 40 overlap). Queries: 1,000 HaluEval-QA questions
and 1,000 dialogue last turns. Vectors are written in blocks to the cache folder, so a killed
run resumes where it stopped; bench/ann.py reads them. On a shared 2-core machine at nice 19
this took over an hour with the int8 embedder.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from ragassist.config import SplitConfig
from ragassist.documents.corpora import python_reference_sources
from ragassist.documents.split import Splitter
from ragassist.evaluation.halueval import load_rows
from ragassist.index.embed import Embedder, get_embedder
from ragassist.types import Document, content_hash

BLOCK = 2048  # texts embedded and saved together


def chunk_texts(embedder: Embedder, summaries: int) -> list[str]:
    """Real chunk texts, deduplicated, short passages first: QA and dialogue knowledge, the
    Python reference, then the first `summaries` summarization documents (long: many chunks)."""
    splitter = Splitter(SplitConfig(), getattr(embedder, "tokenizer", None))
    docs = [r["knowledge"] for task in ("qa", "dialogue") for r in load_rows(task)]  # type: ignore[arg-type]
    texts: dict[str, None] = {}

    def add(text: str, source: str) -> None:
        doc = Document(source, text, "", content_hash(text.encode()), ())
        texts.update((c.embed_text, None) for c in splitter.split(doc))

    for i, text in enumerate(dict.fromkeys(docs)):
        add(text, f"halueval/{i}")
    for source in python_reference_sources():
        texts.update((c.embed_text, None) for c in splitter.split(source.parse(source.read())))
    for i, row in enumerate(load_rows("summarization")[:summaries]):
        add(row["document"], f"summarization/{i}")
    return list(texts)


def query_texts(n: int = 1000) -> list[str]:
    """Real questions: HaluEval-QA questions and the last turn of HaluEval dialogues."""
    qa = [r["question"] for r in load_rows("qa")[-n:]]
    dialogue = [
        r["dialogue_history"].split("[Human]:")[-1].strip()[:500]
        for r in load_rows("dialogue")[-n:]
    ]
    return qa + dialogue


def embed_cached(
    texts: list[str], embedder: Embedder, folder: Path, name: str, only_cached: bool = False
) -> np.ndarray:
    """Embed in blocks saved as they finish; an existing block is read, not embedded again.
    With only_cached, stop at the first block not yet embedded."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    began, done = time.perf_counter(), 0
    for b in range(0, len(texts), BLOCK):
        path = folder / f"{name}-{b // BLOCK:04d}.npy"
        if path.exists():
            parts.append(np.load(path))
            continue
        if only_cached:
            break
        vectors = embedder.embed(texts[b : b + BLOCK])
        np.save(path.with_suffix(".tmp.npy"), vectors)
        path.with_suffix(".tmp.npy").rename(path)
        parts.append(vectors)
        done += len(vectors)
        rate = done / (time.perf_counter() - began)
        print(f"{name}: {b + len(vectors):,}/{len(texts):,} ({rate:.1f}/s)", flush=True)
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)


def load(
    folder: Path, backend: str = "onnx-int8", summaries: int = 3000, only_cached: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(chunk vectors, query vectors), embedding whatever the cache lacks."""
    embedder = get_embedder(backend=backend)
    sub = folder / backend
    sub.mkdir(parents=True, exist_ok=True)
    listing = sub / "texts.json"
    if listing.exists():
        texts = json.loads(listing.read_text())
    else:
        texts = chunk_texts(embedder, summaries)
        listing.write_text(json.dumps(texts))
    print(f"{len(texts):,} real chunks", flush=True)
    queries = embed_cached(query_texts(), embedder, sub, "queries")
    return embed_cached(texts, embedder, sub, "chunks", only_cached), queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=Path("/tmp/speed-cache"))
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--summaries", type=int, default=3000, help="summarization documents")
    args = parser.parse_args()
    chunks, queries = load(args.cache, args.backend, args.summaries)
    print(f"cached {len(chunks):,} chunk and {len(queries):,} query vectors in {args.cache}")


if __name__ == "__main__":
    main()
