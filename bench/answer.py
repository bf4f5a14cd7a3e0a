"""Warm question-to-verdict time: the default and fast settings against whole passages.

Indexes corpora/handbook into a temporary folder, loads every model once (timed apart), then
asks the handbook's answerable questions with three settings:
  whole    the fast setting with the five passages whole in the prompt (the baseline: what the
           default was before excerpts, generate.excerpt_chars = 0)
  fast     verify.answer_judge off
  default  the defaults (answer judge on)
and prints p50 / p95 seconds of each, the ratio to the baseline question by question, and the
median of each stage (retrieve, prompt, generate, verify), the first token, the prompt tokens
and the tokens written, so that a miss says where. `--judge-chars N` adds a setting "judge N":
the defaults with the answer judge reading N characters of evidence (verify.answer_judge_chars;
the same loaded judge); `--excerpt-chars N` adds "fast N": the fast setting with the generator
reading N characters of excerpts (generate.excerpt_chars), the lever for the first token;
`--backends A B` runs every setting with generator and judge on backend A, and adds "fast B" and
"default B" with their own models on B, with the ratio to A's question by question. The
settings take turns, each on a different question at a turn, so a host whose speed drifts slows
them alike and each generator reuses only the system prompt kept from the prompt before, as a
warm server does.
Targets (issue 19, quiet 2-core machine): default p50 <= 6 s, fast p50 <= 3 s; first token
<= 1.0 s (issue 14). About 5-8 minutes on 2 cores once the models are exported (twice that
with a second backend).

    .venv/bin/python bench/answer.py [--n 12] [--judge-chars 450 ...] [--excerpt-chars 450 ...]
                                     [--backends onnxruntime auto]
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
from ragassist.verification.verifier import Verifier  # noqa: E402


def questions(n: int) -> list[str]:
    rows = [json.loads(x) for x in (ROOT / "corpora/handbook-questions.jsonl").open()]
    return [r["question"] for r in rows if r.get("answerable", True)][:n]


def p95(xs: list[float]) -> float:
    return sorted(xs)[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def with_backend(config: Config, backend: str) -> Config:
    """The configuration with both the generator and the answer judge on one backend."""
    return dataclasses.replace(
        config,
        generate=dataclasses.replace(config.generate, backend=backend),
        verify=dataclasses.replace(config.verify, answer_judge_backend=backend),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="questions")
    ap.add_argument("--judge-chars", type=int, nargs="*", default=[], help="extra settings")
    ap.add_argument("--excerpt-chars", type=int, nargs="*", default=[], help="extra settings")
    ap.add_argument(
        "--backends",
        nargs="*",
        default=[],
        help="generator and judge backends: the first for every setting, each other one adds "
        "its own fast and default settings (e.g. onnxruntime auto)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(index_dir=Path(tmp) / "idx")
        first, *others = args.backends or [config.generate.backend]
        default = Assistant(with_backend(config, first))
        default.index([ROOT / "corpora/handbook"])
        cfg = default.config
        fast_cfg = dataclasses.replace(
            cfg, verify=dataclasses.replace(cfg.verify, answer_judge=False)
        )
        whole_cfg = dataclasses.replace(
            fast_cfg, generate=dataclasses.replace(cfg.generate, excerpt_chars=0)
        )
        gen, emb = default.generator, default.embedder
        settings = {
            "whole": Assistant(whole_cfg, embedder=emb, generator=gen),
            "fast": Assistant(fast_cfg, embedder=emb, generator=gen),
            "default": default,
        }
        for chars in args.judge_chars:  # the same judge model, reading less (or more) evidence
            verify = dataclasses.replace(cfg.verify, answer_judge_chars=chars)
            verifier = Verifier.for_answers(verify, cfg.generate.model, emb)
            verifier._answer_judge = default.verifier.answer_judge
            settings[f"judge {chars}"] = Assistant(
                dataclasses.replace(cfg, verify=verify), emb, gen, verifier
            )
        for chars in args.excerpt_chars:  # the fast setting, the generator reading less
            generate = dataclasses.replace(cfg.generate, excerpt_chars=chars)
            settings[f"fast {chars}"] = Assistant(
                dataclasses.replace(fast_cfg, generate=generate), embedder=emb, generator=gen
            )
        for backend in others:  # the same questions on another backend, its models loaded apart
            other = Assistant(with_backend(cfg, backend), embedder=emb)
            settings[f"fast {backend}"] = Assistant(
                with_backend(fast_cfg, backend), embedder=emb, generator=other.generator
            )
            settings[f"default {backend}"] = other
        t = time.perf_counter()
        for assistant in settings.values():
            assistant.answer("What does the encoder of a variational autoencoder output?")
        print(f"load and warm-up: {time.perf_counter() - t:.1f} s")
        asked = questions(args.n)
        times: dict[str, list[float]] = {name: [0.0] * len(asked) for name in settings}
        stages: dict[str, dict[str, list[float]]] = {name: {} for name in settings}
        for step in range(len(asked)):
            # the settings take turns, two questions apart: no generator or kept evidence
            # selection meets the same question twice in a row (its cache would serve it)
            for turn, (name, assistant) in enumerate(settings.items()):
                i = (step + 2 * turn) % len(asked)
                t = time.perf_counter()
                answer = assistant.answer(asked[i])
                times[name][i] = time.perf_counter() - t
                g = answer.generation or {}
                parts = {**answer.timings, "first token": g.get("first_token_s", 0.0)}
                parts["prompt tokens"] = g.get("prompt_tokens", 0)
                parts["tokens written"] = g.get("new_tokens", 0)
                for stage, value in parts.items():
                    stages[name].setdefault(stage, []).append(float(value or 0.0))
    med = statistics.median
    for name, xs in times.items():
        print(f"{name:8s} p50 {med(xs):.2f} s  p95 {p95(xs):.2f} s  ({len(xs)} questions)")
        print("         median " + ", ".join(f"{k} {med(v):.2f}" for k, v in stages[name].items()))
    for name in [n for n in settings if n != "whole"]:
        ratios = [x / b for x, b in zip(times[name], times["whole"], strict=True)]
        print(f"{name} / whole, question by question: median {med(ratios):.2f}x")
    for backend in others:
        for setting in ("fast", "default"):
            ratios = [
                x / b for x, b in zip(times[f"{setting} {backend}"], times[setting], strict=True)
            ]
            print(f"{setting} {backend} / {setting}: median {med(ratios):.2f}x")


if __name__ == "__main__":
    main()
