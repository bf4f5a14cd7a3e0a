"""Probe signals that might tell the assistant's right answers from its wrong ones (an experiment).

    python scripts/experiments/probe_answer_signals.py RUN OUT.jsonl --probe lm|sampling [--labels FILE] [--n N]

Reads RUN/run.json, RUN/results.jsonl and RUN/index; appends to OUT.jsonl and prints AUROCs.
Time on 2 cores, not recorded when the figures were made, so estimated from docs/results.md:
`lm` runs three Qwen passes (PyTorch bf16: an 800-token prompt takes about 3.7 s) and three
SmolLM2 passes per answer, about 15 s an answer; `sampling` writes four answers with the run's
generator, about 4 x 2.9 s (rag-halueval-onnx's seconds a question) = 12 s an answer.

RUN is a `ragassist eval rag-halueval` / `rag-corpus` output folder that still holds its index
(run it locally: the committed reports leave the index out). Each answered question is asked
again through the same retrieval and prompt, and the answer the run stored is scored:

- `lm`: with Qwen and with SmolLM2-135M (PyTorch), the answer's mean and lowest token log-
  probability after the prompt; how much likelier the question makes it (`pmi_q`: the same
  prompt without the question line) and the passages make it (`pmi_ctx`: no passages); and
  P(Yes) - P(No) when the model is then asked "Is your answer correct?" (`ptrue`).
- `sampling`: the run's generator samples four more answers (temperature 0.7, top-p 0.95);
  `agree` is the share that contain the stored answer or are contained in it, `f1` their token-F1.

Results are appended to OUT.jsonl (a rerun continues); then the AUROC of every signal for right
vs wrong answers is printed, against --labels (hand-checked, {"id", "right"}) when given, else
against gold containment. Nothing here is used by the assistant: eval/README.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ragassist.assistant import Assistant
from ragassist.config import Config
from ragassist.evaluation import metrics
from ragassist.generation.prompt import Prompt, _messages, _render, build_prompt

log = logging.getLogger("probe_answer_signals")
ASK_AGAIN = "Is your answer correct? Answer Yes or No."
_CITE = re.compile(r"\[\d+\]")


def run_assistant(run: Path, backend: dict[str, str] | None = None) -> Assistant:
    """The run's own configuration over the run's own index."""
    identity = json.loads((run / "run.json").read_text())["identity"]
    sections = {k: v for k, v in identity["config"].items() if isinstance(v, dict)}
    config = Config().merged(sections, str(run))
    if backend:
        config = config.merged({"generate": backend}, "probe")
    return Assistant(replace(config, index_dir=run / "index"))


class LMProbe:
    """Likelihood and self-check signals of an answer under one causal LM (PyTorch)."""

    def __init__(self, tokenizer: Any, model: Any, window: int, max_new: int):
        self.tok, self.model, self.window, self.max_new = tokenizer, model, window, max_new
        words = {"yes": ("Yes", " Yes", "yes"), "no": ("No", " No", "no")}
        self.yes_no = [sorted({self._ids(w)[0] for w in ws}) for ws in words.values()]

    def _ids(self, text: str) -> list[int]:
        return list(self.tok(text, add_special_tokens=False)["input_ids"])

    def _logprobs(self, prefix: list[int], tail: list[int]) -> Any:
        """Log-probability rows predicting each tail token, and the row after the last."""
        import torch

        out = self.model(torch.tensor([prefix + tail])).logits[0, len(prefix) - 1 :].float()
        return torch.log_softmax(out, -1)

    def score(self, question: str, hits: list[Any], answer: str) -> dict[str, float]:
        import torch

        prompt: Prompt = build_prompt(question, hits, self.tok, self.window, self.max_new)
        head, sep, tail = prompt.text.partition("Question: ")
        no_question = tail.split("\n", 1)[1]
        ids = self._ids(answer)[:200] or self._ids(".")
        end = self._ids(
            f"<|im_end|>\n<|im_start|>user\n{ASK_AGAIN}<|im_end|>\n<|im_start|>assistant\n"
        )
        with torch.inference_mode():
            rows = self._logprobs(self._ids(prompt.text), ids + end)
            take = torch.arange(len(ids))
            lp = rows[take, torch.tensor(ids)]
            yes, no = self.yes_no
            ptrue = torch.logsumexp(rows[-1][yes], 0) - torch.logsumexp(rows[-1][no], 0)
            lp_noq = self._logprobs(self._ids(head + no_question), ids)[take, torch.tensor(ids)]
            bare = self._ids(_render(self.tok, _messages(question, [])))
            lp_noctx = self._logprobs(bare, ids)[take, torch.tensor(ids)]
        return {
            "lp": float(lp.mean()),
            "lp_min": float(lp.min()),
            "pmi_q": float(lp.mean() - lp_noq.mean()),
            "pmi_ctx": float(lp.mean() - lp_noctx.mean()),
            "ptrue": float(ptrue),
        }


def sampling_signals(asst: Assistant, question: str, hits: list[Any], answer: str) -> dict:
    """Agreement of four sampled answers with the stored one (same prompt, prefix reused)."""
    gen = asst.generator
    base = gen.config
    prompt = build_prompt(question, hits, gen.tokenizer, gen.window, base.max_new_tokens)
    stored = _CITE.sub(" ", answer).strip()
    agree, f1 = [], []
    try:
        for seed in (1, 2, 3, 4):
            gen.config = replace(base, temperature=0.7, top_p=0.95, seed=seed)
            sample = _CITE.sub(" ", gen.complete(prompt)).strip()
            inside = metrics.gold_contained(sample, [stored]) or metrics.gold_contained(
                stored, [sample]
            )
            agree.append(float(inside))
            f1.append(metrics.token_f1(sample, [stored]))
    finally:
        gen.config = base
    return {"agree": float(np.mean(agree)), "f1": float(np.mean(f1))}


def probe(args: argparse.Namespace) -> None:
    """Score every answered question of the run not yet in the output file."""
    done = set()
    if args.out.exists():
        done = {json.loads(line)["id"] for line in args.out.read_text().splitlines()}
    rows = [json.loads(line) for line in (args.run / "results.jsonl").read_text().splitlines()]
    todo = [
        r
        for r in rows
        if "answer" in r and not r["abstained"] and r.get("verdicts") and r["id"] not in done
    ][: args.n]
    if args.probe == "lm":
        import torch

        from ragassist.generation.models import load_causal_lm

        asst = run_assistant(args.run, {"backend": "transformers", "dtype": "bfloat16"})
        gen = asst.generator
        probes = {
            "qwen": LMProbe(gen.tokenizer, gen.model, gen.window, gen.config.max_new_tokens),
            "smol": LMProbe(
                *load_causal_lm("smollm2-135m", torch.float32),
                gen.window,
                gen.config.max_new_tokens,
            ),
        }
    else:
        asst = run_assistant(args.run)
    with args.out.open("a", encoding="utf-8") as f:
        for i, row in enumerate(todo, 1):
            hits = asst.search(row["question"])
            item: dict[str, Any] = {"id": row["id"], "contained": int(bool(row["gold_contained"]))}
            if args.probe == "lm":
                for name, p in probes.items():
                    item |= {
                        f"{name}_{k}": v
                        for k, v in p.score(row["question"], hits, row["answer"]).items()
                    }
            else:
                item |= sampling_signals(asst, row["question"], hits, row["answer"])
            f.write(json.dumps(item) + "\n")
            f.flush()
            log.info("%d/%d %s", i, len(todo), row["id"])


def summarize(out: Path, labels: Path | None) -> None:
    """AUROC of each signal for right vs wrong answers."""
    items = [json.loads(line) for line in out.read_text().splitlines()]
    hand = {}
    if labels:
        hand = {
            json.loads(x)["id"]: json.loads(x)["right"] for x in labels.read_text().splitlines()
        }
        items = [it for it in items if it["id"] in hand]
    y = np.array([hand[it["id"]] if labels else it["contained"] for it in items])
    print(
        f"{len(items)} answers, {int(y.sum())} right ({'hand-checked' if labels else 'contained'})"
    )
    for key in sorted(k for k in items[0] if k not in ("id", "contained")):
        print(f"  {key:14s} AUROC {metrics.auroc(y, [it[key] for it in items]):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--probe", choices=("lm", "sampling"), required=True)
    ap.add_argument("--labels", type=Path, help="hand-checked labels (JSONL with id, right)")
    ap.add_argument("--n", type=int, default=None, help="at most this many more answers")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    probe(args)
    summarize(args.out, args.labels)


if __name__ == "__main__":
    main()
