"""`ragassist eval detect`: machine-written text detection, measured (detect_data.py names the texts).

Each item is one text: a continuation is first written by its model, then every text is cut to
MAX_TOKENS tokens and both scoring models' per-token statistics are stored (detect/stats.py),
so every method, length matching and calibration is computed afterwards from the rows
(detect_report.py) without running a model again. `--n` is the number of held-out texts per
source; half as many training texts per source are scored for calibration and thresholds.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ..config import GenerateConfig
from ..detect.lm import LARGE, SMALL, ModelPair
from . import detect_data, halueval
from .runner import ItemScorer, Plan, RunContext, Summary, file_sha256

log = logging.getLogger(__name__)

MAX_TOKENS = 128  # texts are scored on their first MAX_TOKENS tokens (the cost is linear in it)
MAX_NEW_TOKENS = 120  # length of a continuation
MAX_CHARS = 2000  # characters read from a long human text before tokenising


class DetectSuite:
    """Human vs machine-written text, zero-shot scores from the two Qwen models."""

    name = "detect"
    summary = "machine-written text detection: human vs ChatGPT/Qwen/SmolLM2 text"
    default_n: int | None = 40
    config_sections: tuple[str, ...] = ()

    def plan(self, ctx: RunContext) -> Plan:
        n = ctx.n or 40
        items = detect_data.plan_items(n, max(1, n // 2), ctx.options.seed)
        identity = {
            "data": {
                t: file_sha256(halueval.data_path(t)) for t in ("qa", "dialogue", "summarization")
            },
            "split": f"evaluation: HaluEval rows {halueval.HELDOUT_START}-{halueval.N_ROWS - 1}; "
            f"training: rows below {halueval.HELDOUT_START}",
            "scorers": [SMALL, LARGE],
            "continuations": {
                k: list(v) + [MAX_NEW_TOKENS] for k, v in detect_data.CONTINUATIONS.items()
            },
            "max_tokens": MAX_TOKENS,
            "prompt": "the first sentence as plain text (no chat template)",
        }
        return Plan(items, identity)

    def open(self, ctx: RunContext) -> ItemScorer:
        pair = ctx.extras.get("model_pair") or ModelPair(threads=ctx.extras.get("threads", 0))
        writers: dict[str, Any] = {}

        def write(source: str, prompt: str) -> str:
            from ..generation.backends import make_generator

            model, backend, temperature = detect_data.CONTINUATIONS[source]
            config = GenerateConfig(
                model=model,
                backend=backend,  # type: ignore[arg-type]
                dtype="float32" if backend == "transformers" else "auto",
                temperature=temperature,
                top_p=1.0,
                max_new_tokens=MAX_NEW_TOKENS,
                threads=ctx.extras.get("threads", 0),
            )
            if model not in writers:  # one loaded model, whatever the temperature
                writers[model] = make_generator(config)
            gen = writers[model].with_config(config)
            # the plain text, no chat turn: asked in a chat turn to continue, the 0.5B echoed the
            # sentence and stopped (an empty continuation); as plain text it writes on
            return detect_data.continuation(prompt, gen.complete(prompt))

        def score(item: dict[str, Any]) -> dict[str, Any]:
            t0 = time.perf_counter()
            text = item.get("text") or write(item["source"], item["prompt"])
            t1 = time.perf_counter()
            ids = pair.encode(text[:MAX_CHARS])[:MAX_TOKENS]
            kept = pair.tokenizer.decode(ids)
            stats = pair.stats(ids)
            return {
                "source": item["source"],
                "split": item["split"],
                "label": item["label"],
                "text": kept,
                "tokens": len(ids),
                "write_seconds": t1 - t0,
                "score_seconds": time.perf_counter() - t1,
                "stats": stats,
            }

        return score

    def summarize(self, rows: list[dict[str, Any]], ctx: RunContext) -> Summary:
        from .detect_report import summarize

        return summarize(rows, ctx)
