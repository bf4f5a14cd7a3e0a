"""Peak memory of one big text file's index run, split into the write phase and the rebuild.

    nice -n 19 .venv/bin/python bench/index_phases.py [--mb 10] [--work DIR]

Indexes bench/robustness.py's deterministic text (a 1.2 MB block of seeded random prose with
numbers, repeated) in this process with the model-free hash-64 embedder, so the figures are the
indexer's own memory without a model. Prints `ru_maxrss` (the peak so far) and the current RSS
before and after `SearchIndex.rebuild` (the FAISS + BM25 build at the end), and the rebuild's
CPU seconds. Run it in a fresh process for each size: `ru_maxrss` never goes down.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from robustness import make_text  # noqa: E402

from ragassist import Assistant, Config  # noqa: E402
from ragassist.config import EmbedConfig, IndexConfig  # noqa: E402
from ragassist.index.search_index import SearchIndex  # noqa: E402


def rss(tag: str) -> None:
    """Print the peak and the current resident memory of this process."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    now = int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20
    print(f"{tag}: peak {peak:.0f} MB, now {now:.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=10, help="size of the text file")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ragassist-phases-"))
    work.mkdir(parents=True, exist_ok=True)
    text = work / "huge.txt"
    if not text.exists():
        make_text(text, args.mb)
    rss("start")
    rebuild = SearchIndex.rebuild

    def measured(self: SearchIndex, keep: bool = True) -> int:
        rss("end of the write phase (before the rebuild)")
        cpu = time.process_time()
        generation = rebuild(self, keep)
        rss(f"after the rebuild ({time.process_time() - cpu:.1f} s CPU)")
        return generation

    SearchIndex.rebuild = measured  # type: ignore[method-assign]
    config = Config(
        index_dir=work / "idx",
        embed=EmbedConfig(model="hash-64"),
        index=IndexConfig(max_file_mb=args.mb + 50),
    )
    began = time.perf_counter()
    report = Assistant(config).index([text])
    print(f"{text.stat().st_size / 1e6:.0f} MB, {report.chunks_total:,} chunks, "
          f"{time.perf_counter() - began:.0f} s", flush=True)  # fmt: skip
    if args.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
