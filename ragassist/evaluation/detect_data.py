"""The texts of `ragassist eval detect`: human-written and machine-written, by source and split.

Human (label 0): HaluEval-QA knowledge passages (Wikipedia, via HotpotQA), HaluEval-summarization
source documents (CNN/DailyMail news), the Python reference topics (`pydoc_data`), and HaluEval
dialogues (OpenDialKG, both sides typed by people; the speaker tags are removed).
Machine (label 1): HaluEval's ChatGPT-written hallucinated summaries and dialogue responses, and
continuations the packaged models write from the first sentence of a human text (Qwen 0.5B,
one of the scorers, at two temperatures; SmolLM2-135M, not a scorer).
Split: HaluEval rows 8000-9999 are the project's held-out rows, so evaluation texts come from them
and training (calibration) texts from rows 0-7999; Python topics are split by a hash of the name.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

from ..verification.claims import split_sentences
from . import halueval
from .runner import sample_indices

MIN_MACHINE_WORDS = 25  # ChatGPT texts shorter than this are left out (see the report's notes)
HUMAN = ("wikipedia", "news", "python-docs", "dialogue")
MACHINE = ("chatgpt-summary", "chatgpt-dialogue", "qwen0.5b-t0.7", "qwen0.5b-t1.0", "smollm2-t0.7")
# continuation sources: (model, backend, temperature); the prompt asks for a continuation
CONTINUATIONS = {
    "qwen0.5b-t0.7": ("qwen2.5-0.5b", "onnxruntime", 0.7),
    "qwen0.5b-t1.0": ("qwen2.5-0.5b", "onnxruntime", 1.0),
    "smollm2-t0.7": ("smollm2-135m", "transformers", 0.7),
}
SCORER_WRITTEN = ("qwen0.5b-t0.7", "qwen0.5b-t1.0")
_TAG = re.compile(r"\[(Human|Assistant)\]:\s*")


def dialogue_text(history: str, response: str) -> str:
    """A HaluEval dialogue as plain turns, one a line, without the [Human]/[Assistant] tags."""
    turns = [
        t.strip() for t in _TAG.split(history) if t.strip() and t not in ("Human", "Assistant")
    ]
    return "\n".join([*turns, response.strip()])


_GLUED = re.compile(r"(?<=[a-z0-9)][.!?])(?=[A-Z])")  # "1950.The": HaluEval glues passages together


def first_sentence(text: str) -> str:
    """The first sentence of a text (its first 300 characters when none ends sooner)."""
    text = _GLUED.sub(" ", text)
    spans = split_sentences(text)
    s, e = spans[0] if spans else (0, len(text))
    return text[s:e][:300]


def continuation(prompt: str, written: str) -> str:
    """The machine-written part: what the model wrote, without an echo of the prompt."""
    written = written.strip()
    if written.startswith(prompt):
        written = written[len(prompt) :].strip()
    return written


def _pydoc_chunks() -> dict[str, list[tuple[str, str]]]:
    """Python reference topics cut into ~120-word chunks, split by a hash of the topic name."""
    from pydoc_data.topics import topics

    out: dict[str, list[tuple[str, str]]] = {"train": [], "heldout": []}
    for name in sorted(topics):
        split = "heldout" if hashlib.sha256(name.encode()).digest()[0] % 2 else "train"
        words = topics[name].split(" ")
        for i in range(0, min(len(words), 600), 120):
            chunk = " ".join(words[i : i + 120]).strip()
            if len(chunk.split()) >= 60:
                out[split].append((f"{name}:{i}", chunk))
    return out


_FIELD = {
    "wikipedia": "knowledge",
    "news": "document",
    "chatgpt-summary": "hallucinated_summary",
    "chatgpt-dialogue": "hallucinated_response",
}


def _text_of(source: str, row: dict[str, str]) -> str:
    if source == "dialogue":
        return dialogue_text(row["dialogue_history"], row["right_response"])
    return row[_FIELD[source]]


@functools.cache
def _load(task: str) -> list[dict[str, str]]:
    return halueval.load_rows(task)  # type: ignore[arg-type]


def _rows(split: str) -> range:
    return halueval.rows_of("heldout" if split == "heldout" else "train")


def source_texts(source: str, split: str, n: int, seed: int) -> list[dict[str, Any]]:
    """Up to n items of one source and split: {"ref", "text"} or, for continuations, {"prompt"}."""
    rows = _rows(split)
    order = [rows[i] for i in sample_indices(len(rows), None, seed)]
    out: list[dict[str, Any]] = []
    if source == "python-docs":
        chunks = _pydoc_chunks()[split]
        return [
            {"ref": r, "text": t.strip()}
            for r, t in (chunks[i] for i in sample_indices(len(chunks), n, seed))
        ]
    if source in ("wikipedia", "news", "dialogue", "chatgpt-summary", "chatgpt-dialogue"):
        task = {"wikipedia": "qa", "news": "summarization", "dialogue": "dialogue"}.get(
            source, "summarization" if source == "chatgpt-summary" else "dialogue"
        )
        data = _load(task)
        for row in order:
            text = _text_of(source, data[row])
            if source.startswith("chatgpt") and len(text.split()) < MIN_MACHINE_WORDS:
                continue
            out.append({"ref": f"{task}:{row}", "text": text.strip()})
            if len(out) >= n:
                break
        return out
    # a continuation: prompts from the first sentence of human texts (Wikipedia, news in turn),
    # taken from the far end of the row order so they are not the human items' own texts
    qa, news = _load("qa"), _load("summarization")
    for i, row in enumerate(reversed(order)):
        if len(out) >= n:
            break
        task, text = (
            ("qa", qa[row]["knowledge"]) if i % 2 == 0 else ("summarization", news[row]["document"])
        )
        out.append({"ref": f"{task}:{row}", "prompt": first_sentence(text)})
    return out


def plan_items(n_eval: int, n_train: int, seed: int) -> list[dict[str, Any]]:
    """Every item, interleaved by source and split so any prefix of the list is balanced."""
    per: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for source in HUMAN + MACHINE:
        for split, n in (("heldout", n_eval), ("train", n_train)):
            per[(source, split)] = source_texts(source, split, n, seed)
    items: list[dict[str, Any]] = []
    for i in range(max(n_eval, n_train)):
        for (source, split), texts in per.items():
            if i < len(texts):
                label = int(source in MACHINE)
                item = {
                    "id": f"{source}/{split}/{texts[i]['ref']}",
                    "source": source,
                    "split": split,
                }
                items.append(item | {"label": label, **texts[i]})
    return items
