"""Generation speed: the assistant's generator against plain fp32 `model.generate`, same run.

Same model, same ~200-token prompt, 64 new tokens (end-of-turn suppressed so every run makes 64).
The default backend (onnxruntime, int8 weights) is measured beside the PyTorch loop and its
int4 and fp32 exports. With llama-cpp-python installed (make install-llamacpp) the optional llama.cpp backend is
measured beside them on the same GGUF and prompt ids. Each speed lever is measured on its own, runs interleaved over --reps rounds, medians reported:
  decode tokens/s (after the first token), time to first token, and the ratio to the baseline.
With --quality N it also answers N HaluEval-QA training rows greedily in each dtype and reports
gold-answer containment, token F1 and agreement with fp32, so a faster lever that changes the
answers shows up.

    .venv/bin/python bench/generate.py [--model smollm2-135m] [--reps 3] [--quality 20]

Reads the packaged model (its ready copy and ONNX exports in the data folder; the int4 and fp32
exports are made there on first use) and, for --quality, HaluEval-QA rows; prints, writes nothing
else. Time on 2 cores, estimated from the speeds in docs/results.md: one round of every variant
decodes for about 13 s (SmolLM2) or 30 s (Qwen), so with loading each variant a run takes a few
minutes a model; the first run also exports (Qwen's int8 export took 24 s and 7 GB of memory).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ragassist.config import GenerateConfig  # noqa: E402
from ragassist.evaluation import halueval, metrics  # noqa: E402
from ragassist.generation.decoding import DecodingLoop  # noqa: E402
from ragassist.generation.models import load_causal_lm  # noqa: E402
from ragassist.generation.onnx_backend import OnnxGenerator  # noqa: E402
from ragassist.generation.prompt import build_prompt  # noqa: E402
from ragassist.generation.torch_backend import TransformersGenerator  # noqa: E402
from ragassist.types import Chunk, Hit  # noqa: E402

Run = Callable[[int], tuple[float, float, int]]  # new tokens -> (first token s, total s, tokens)


class _FirstToken:
    """A streamer for model.generate that records when the first new token arrives."""

    def __init__(self) -> None:
        self.calls, self.first = 0, 0.0

    def put(self, value: torch.Tensor) -> None:
        self.calls += 1
        if self.calls == 2:  # the first call carries the prompt
            self.first = time.perf_counter()

    def end(self) -> None:
        pass


def hit_of(text: str, i: int = 0) -> Hit:
    return Hit(Chunk(f"h{i}", f"halueval/{i}", f"Passage {i}", "", 0, len(text), text), 1.0)


def bench_prompt(tok, window: int, target: int = 200):
    """A prompt of about `target` tokens: a HaluEval-QA question over its own knowledge."""
    rows = halueval.load_rows("qa")
    best = None
    for row in rows[:200]:
        p = build_prompt(row["question"], [hit_of(row["knowledge"])], tok, window, 64)
        if best is None or abs(len(p.input_ids) - target) < abs(len(best.input_ids) - target):
            best = p
    return best


def hf_generate(model, ids: list[int], threads: int = 0) -> Run:
    def run(new: int) -> tuple[float, float, int]:
        before = torch.get_num_threads()
        torch.set_num_threads(threads or before)
        streamer = _FirstToken()
        x = torch.tensor([ids])
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(
                x, max_new_tokens=new, min_new_tokens=new, do_sample=False, streamer=streamer
            )
        total = time.perf_counter() - t0
        torch.set_num_threads(before)
        return streamer.first - t0, total, out.shape[1] - x.shape[1]

    return run


def our_loop(gen: DecodingLoop, prompt, prefix_cache: bool, threads: int = 0) -> Run:
    gen.eos_ids = frozenset()  # make every run produce exactly max_new_tokens

    def run(new: int) -> tuple[float, float, int]:
        gen.config = replace(gen.config, max_new_tokens=new, stop=())  # no early stop either
        if not prefix_cache:
            gen.reset_cache()
        before = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            gen.complete(prompt)
        finally:
            torch.set_num_threads(before)
        tr = gen.last_trace
        return tr.first_token_s, tr.total_s, len(tr.steps)

    return run


def llama_cpp_installed() -> bool:
    """The optional backend is measured when llama-cpp-python is installed (make install-llamacpp)."""
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def int8_dynamic(model):
    """Linear layers quantised to int8 on the fly (weights int8, activations dynamic)."""
    return torch.ao.quantization.quantize_dynamic(
        copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8
    )


def speed(args, tok, fp32) -> None:
    cfg = GenerateConfig(model=args.model, max_new_tokens=args.new_tokens, dtype="float32")
    bf16 = copy.deepcopy(fp32).to(torch.bfloat16)
    gen32 = TransformersGenerator(cfg, model=fp32, tokenizer=tok)
    prompt = bench_prompt(tok, gen32.window)
    print(
        f"prompt: {len(prompt.input_ids)} tokens ({prompt.prefix_tokens} shared prefix), "
        f"{args.new_tokens} new tokens, torch threads {torch.get_num_threads()}"
    )
    gen16 = TransformersGenerator(replace(cfg, dtype="bfloat16"), model=bf16, tokenizer=tok)
    variants: dict[str, Run] = {
        "baseline: model.generate fp32": hf_generate(fp32, prompt.input_ids),
        "model.generate fp32, 1 thread": hf_generate(fp32, prompt.input_ids, threads=1),
        "our loop fp32, 1 thread": our_loop(gen32, prompt, prefix_cache=False, threads=1),
        "our loop bf16, 1 thread": our_loop(gen16, prompt, prefix_cache=False, threads=1),
        "our loop bf16, 1 thread, prefix": our_loop(gen16, prompt, prefix_cache=True, threads=1),
    }
    if args.all:  # two-thread variants: 3-20x slower than one thread on a busy 2-core machine
        variants["model.generate bf16"] = hf_generate(bf16, prompt.input_ids)
        variants["our loop fp32"] = our_loop(gen32, prompt, prefix_cache=False)
        variants["our loop bf16"] = our_loop(gen16, prompt, prefix_cache=False)
    if not args.skip_int8:
        q8 = int8_dynamic(fp32)
        gen8 = TransformersGenerator(cfg, model=q8, tokenizer=tok)
        variants["our loop int8 dynamic, 1 thread"] = our_loop(
            gen8, prompt, prefix_cache=False, threads=1
        )
    for dtype in ("int8", "int4", "float32") if args.onnx else ():
        for threads in (0, 1) if dtype == "int8" else (0,):
            onnx = OnnxGenerator(replace(cfg, backend="onnxruntime", dtype=dtype, threads=threads))
            label = f"onnxruntime {dtype}, {threads or 'all'} thread{'s' * (threads != 1)}"
            variants[label] = our_loop(onnx, prompt, prefix_cache=False)  # whole prompt each time
    for threads in (1, 2) if llama_cpp_installed() else ():
        from ragassist.generation.llamacpp_backend import LlamaCppGenerator

        fast = LlamaCppGenerator(replace(cfg, backend="llama.cpp", threads=threads))
        variants[f"llama.cpp backend, {threads} thread{'s' * (threads > 1)}"] = our_loop(
            fast, prompt, prefix_cache=False
        )
    for run in variants.values():  # warm up: first calls pay for allocations and kernels
        run(4)
    results: dict[str, list[tuple[float, float, int]]] = {k: [] for k in variants}
    for rep in range(args.reps):
        for name, run in variants.items():
            results[name].append(run(args.new_tokens))
            first, total, n = results[name][-1]
            print(
                f"  round {rep + 1} {name}: {n} tokens in {total:.2f} s, first after {first:.3f} s",
                flush=True,
            )
    base = None
    print(
        f"\n{'variant':34s} {'decode tok/s':>12s} {'ttft s':>8s} {'64-token s':>10s} {'speed-up':>8s}"
    )
    for name, rows in results.items():
        first = statistics.median(r[0] for r in rows)
        total = statistics.median(r[1] for r in rows)
        n = rows[0][2]
        if n != args.new_tokens:  # a run that stopped early is not comparable: say so
            name += f" ({n} tokens!)"
        decode = (n - 1) / max(total - first, 1e-9)
        base = base or total
        print(f"{name:34s} {decode:12.1f} {first:8.3f} {total:10.2f} {base / total:7.2f}x")


def quality(args, tok, fp32) -> None:
    rows = halueval.load_rows("qa")[: args.quality]  # training rows: held-out rows stay untouched
    models = {"fp32": fp32, "bf16": copy.deepcopy(fp32).to(torch.bfloat16)}
    if not args.skip_int8:
        models["int8 dynamic"] = int8_dynamic(fp32)
    cfg = GenerateConfig(model=args.model, max_new_tokens=64)
    answers: dict[str, list[str]] = {}
    print(f"\nquality on HaluEval-QA rows 0-{len(rows) - 1} (question over its own knowledge):")
    generators: dict[str, DecodingLoop] = {
        name: TransformersGenerator(cfg, model=model, tokenizer=tok)
        for name, model in models.items()
    }
    for dtype in ("int8", "int4", "float32") if args.onnx else ():
        onnx_cfg = replace(cfg, backend="onnxruntime", dtype=dtype, threads=0)
        generators[f"onnx {dtype}"] = OnnxGenerator(onnx_cfg)
    if llama_cpp_installed():
        from ragassist.generation.llamacpp_backend import LlamaCppGenerator

        generators["llama.cpp"] = LlamaCppGenerator(replace(cfg, backend="llama.cpp", threads=1))
    for name, gen in generators.items():
        answers[name] = []
        t0 = time.perf_counter()
        for row in rows:
            p = build_prompt(row["question"], [hit_of(row["knowledge"])], tok, gen.window, 64)
            answers[name].append(gen.complete(p).strip())
        gold = [r["right_answer"] for r in rows]
        contained = statistics.mean(
            metrics.gold_contained(a, g) for a, g in zip(answers[name], gold, strict=True)
        )
        f1 = statistics.mean(
            metrics.token_f1(a, g) for a, g in zip(answers[name], gold, strict=True)
        )
        same = statistics.mean(a == b for a, b in zip(answers[name], answers["fp32"], strict=True))
        print(
            f"  {name:14s} gold contained {contained:.2f}  token-F1 {f1:.2f}  "
            f"same answer as fp32 {same:.2f}  ({time.perf_counter() - t0:.0f} s)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--quality", type=int, default=0, help="HaluEval-QA rows for the quality check")
    ap.add_argument("--skip-int8", action="store_true")
    ap.add_argument(
        "--no-onnx", dest="onnx", action="store_false", help="skip the onnxruntime backend"
    )
    ap.add_argument("--all", action="store_true", help="also the two-thread variants")
    args = ap.parse_args()
    t0 = time.perf_counter()
    tok, fp32 = load_causal_lm(args.model, torch.float32)
    print(f"{args.model}: loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    speed(args, tok, fp32)
    if args.quality:
        quality(args, tok, fp32)


if __name__ == "__main__":
    main()
