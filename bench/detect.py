"""Detection speed: `Detector().score` on a 200-token text, wall and CPU seconds, texts per second.

Both Qwen models (int8 ONNX, every-position logits) run over the text once each; loading is timed
apart. CPU seconds are the process's own, so on a shared machine they show what the work costs
even when the wall time shows what the neighbours left over.

    .venv/bin/python bench/detect.py [--reps 3] [--threads 0] [--tokens 200]

Reads the packaged models and the Python reference topic 'class' (the text); prints, writes
nothing else.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pydoc_data.topics import topics

from ragassist.detect import Detector


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0 = every core")
    ap.add_argument("--tokens", type=int, default=200)
    args = ap.parse_args()
    detector = Detector(threads=args.threads)
    t0, c0 = time.perf_counter(), time.process_time()
    ids = detector.pair.encode(topics["class"])[: args.tokens]
    text = detector.pair.tokenizer.decode(ids)
    detector.score(text[:200])  # loads both models
    print(f"load + first short text: {time.perf_counter() - t0:.1f} s wall")
    walls, cpus = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        d = detector.score(text)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"{d.tokens} tokens, {args.reps} reps: median {wall:.2f} s wall ({1 / wall:.3f} texts/s), "
        f"{cpu:.2f} CPU s; min {min(walls):.2f} s, max {max(walls):.2f} s"
    )


if __name__ == "__main__":
    main()
