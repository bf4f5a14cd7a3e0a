"""A prompt evaluated by PyTorch in bfloat16, then decoded by the onnxruntime int8 export.

On a CPU with AMX, PyTorch's bf16 matrix products evaluate a prompt faster than the int8 export,
which decodes faster (half the weight bytes a token). This hands PyTorch's key-value cache to a
plain onnxruntime session of the same model's export and decodes greedily there, against the
export alone (onnxruntime-genai): time to the first token, time a decoded token, and whether the
answers agree up to the end of turn. Prompts: a HaluEval-QA training passage and its question.

    .venv/bin/python scripts/experiments/try_hybrid_prefill.py [--model qwen2.5-0.5b] [--n 10]

Needs the model's ready copy and int8 export in the data folder (made by its first use) and the
training questions of scripts/halueval_questions.py in /tmp/train-qa.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from ragassist.generation.models import models_dir

TRAIN = Path("/tmp/train-qa")


def prompts(tok, n: int) -> list[list[int]]:  # noqa: ANN001 - a transformers tokenizer
    """Chat prompts of a training passage (about 900 characters) and its question."""
    out = []
    for line in (TRAIN / "questions.jsonl").open().readlines()[:n]:
        row = json.loads(line)
        passage = (TRAIN / "corpus" / row["source"]).read_text()[:900]
        text = f"Passage:\n{passage}\n\nQuestion: {row['question']}\nAnswer from the passage."
        ids = tok.apply_chat_template(
            [{"role": "user", "content": text}], add_generation_prompt=True
        )
        out.append(list(ids["input_ids"] if hasattr(ids, "keys") else ids))
    return out


def until_end(ids: list[int], end: set[int]) -> list[int]:
    cut = next((i for i, t in enumerate(ids) if t in end), len(ids))
    return ids[:cut]


def main() -> None:
    import onnxruntime as ort
    import onnxruntime_genai as og
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="qwen2.5-0.5b")
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--steps", type=int, default=24, help="tokens decoded a prompt")
    args = ap.parse_args()
    base = models_dir() / args.model
    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(base / "ready")
    end = {tok.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")}
    model = AutoModelForCausalLM.from_pretrained(base / "ready", dtype=torch.bfloat16).eval()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(base / "onnx-int8" / "model.onnx"), options)
    outputs = [o.name for o in session.get_outputs()]
    cfg = og.Config(str(base / "onnx-int8"))
    cfg.clear_providers()
    threads = {"intra_op_num_threads": 2, "session.intra_op.allow_spinning": "0"}
    cfg.overlay(json.dumps({"model": {"decoder": {"session_options": threads}}}))
    exported = og.Model(cfg)
    layers = model.config.num_hidden_layers
    rows = []
    asked = prompts(tok, args.n)
    for k, ids in enumerate([asked[0], *asked]):  # the first prompt twice: once to warm up
        start = time.perf_counter()
        with torch.inference_mode():
            out = model(torch.tensor([ids]), use_cache=True, logits_to_keep=1)
        first = time.perf_counter() - start
        feeds = {}
        for i, layer in enumerate(out.past_key_values.layers):
            feeds[f"past_key_values.{i}.key"] = layer.keys.float().numpy()
            feeds[f"past_key_values.{i}.value"] = layer.values.float().numpy()
        token, hybrid, total = int(out.logits[0, -1].argmax()), [], len(ids)
        start = time.perf_counter()
        for _ in range(args.steps):
            hybrid.append(token)
            total += 1
            feeds["input_ids"] = np.array([[token]], dtype=np.int64)
            feeds["attention_mask"] = np.ones((1, total), dtype=np.int64)
            result = dict(zip(outputs, session.run(outputs, feeds), strict=True))
            token = int(result["logits"][0, -1].argmax())
            for i in range(layers):
                for kind in ("key", "value"):
                    feeds[f"past_key_values.{i}.{kind}"] = result[f"present.{i}.{kind}"]
        per_token = (time.perf_counter() - start) / args.steps
        params = og.GeneratorParams(exported)
        params.set_search_options(max_length=len(ids) + args.steps + 1, do_sample=False)
        gen = og.Generator(exported, params)
        start = time.perf_counter()
        gen.append_tokens(ids)
        gen.generate_next_token()
        og_first = time.perf_counter() - start
        pure = [int(gen.get_next_tokens()[0])]
        start = time.perf_counter()
        for _ in range(args.steps - 1):
            gen.generate_next_token()
            pure.append(int(gen.get_next_tokens()[0]))
        og_token = (time.perf_counter() - start) / (args.steps - 1)
        same = until_end(hybrid, end) == until_end(pure, end)
        if k == 0:
            continue
        rows.append((len(ids), first, per_token, og_first, og_token, same))
        print(
            f"{len(ids)} tokens: first token {first:.2f} s hybrid / {og_first:.2f} s export; "
            f"a token {per_token:.3f} / {og_token:.3f} s; same answer {same}"
        )
        if not same:
            print("  hybrid:", repr(tok.decode(until_end(hybrid, end))))
            print("  export:", repr(tok.decode(until_end(pure, end))))
    med = statistics.median
    print(
        f"{args.model}, {len(rows)} prompts (median {med(r[0] for r in rows)} tokens): first token "
        f"{med(r[1] for r in rows):.2f} s hybrid, {med(r[3] for r in rows):.2f} s export; "
        f"a decoded token {med(r[2] for r in rows):.3f} / {med(r[4] for r in rows):.3f} s; "
        f"same answer {sum(r[5] for r in rows)} of {len(rows)}"
    )


if __name__ == "__main__":
    main()
