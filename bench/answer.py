"""Warm question-to-verdict time: the default setting (answer judge on) against the fast one.

Indexes corpora/handbook into a temporary folder, loads every model once (timed apart), then
asks the handbook's answerable questions with the fast setting (verify.answer_judge off: the
baseline) and the default, alternately, and prints p50 / p95 seconds of each and the ratio
default / fast, question by question, with the median seconds of each stage (retrieve, prompt,
generate, verify), the first token and the tokens written, so that a miss says where. The
generator's kept prompt is dropped before every answer, so neither setting reuses the other's
prefill. Targets (issue 19, quiet 2-core machine): default p50 <= 6 s, fast p50 <= 3 s. About
3-6 minutes on 2 cores once the models are exported.

    .venv/bin/python bench/answer.py [--n 12]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ragassist.assistant import Assistant  # noqa: E402
from ragassist.config import Config  # noqa: E402


def questions(n: int) -> list[str]:
    rows = [json.loads(x) for x in (ROOT / "corpora/handbook-questions.jsonl").open()]
    return [r["question"] for r in rows if r.get("answerable", True)][:n]


def p95(xs: list[float]) -> float:
    return sorted(xs)[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="questions")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        default = Assistant(Config(index_dir=Path(tmp) / "idx"))
        default.index([ROOT / "corpora/handbook"])
        fast_cfg = dataclasses.replace(
            default.config, verify=dataclasses.replace(default.config.verify, answer_judge=False)
        )
        fast = Assistant(fast_cfg, embedder=default.embedder, generator=default.generator)
        t = time.perf_counter()
        default.answer("What does the encoder of a variational autoencoder output?")
        fast.answer("What does the encoder of a variational autoencoder output?")
        print(f"load and warm-up: {time.perf_counter() - t:.1f} s")
        times: dict[str, list[float]] = {"fast": [], "default": []}
        stages: dict[str, dict[str, list[float]]] = {"fast": {}, "default": {}}
        for q in questions(args.n):
            for name, assistant in (("fast", fast), ("default", default)):
                # the two share a generator: without this the second would reuse the first's
                # evaluated prompt and skip its prefill (a warm server keeps no such luck)
                assistant.generator.reset_cache()
                t = time.perf_counter()
                answer = assistant.answer(q)
                times[name].append(time.perf_counter() - t)
                gen = answer.generation or {}
                parts = {**answer.timings, "first token": gen.get("first_token_s", 0.0)}
                parts["tokens written"] = gen.get("new_tokens", 0)
                for stage, value in parts.items():
                    stages[name].setdefault(stage, []).append(float(value or 0.0))
    med = statistics.median
    for name, xs in times.items():
        print(f"{name:8s} p50 {med(xs):.2f} s  p95 {p95(xs):.2f} s  ({len(xs)} questions)")
        print("         median " + ", ".join(f"{k} {med(v):.2f}" for k, v in stages[name].items()))
    ratios = [d / f for d, f in zip(times["default"], times["fast"], strict=True)]
    print(f"default / fast, question by question: median {med(ratios):.2f}x")


if __name__ == "__main__":
    main()
