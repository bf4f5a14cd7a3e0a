"""`eval detect` without models: the plan's splits and sources, length matching, and the summary
(thresholds and calibration fitted on training rows only) over synthetic per-token statistics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ragassist.config import Config
from ragassist.evaluation import detect_data
from ragassist.evaluation.detect_metrics import matched_pairs
from ragassist.evaluation.detect_report import summarize
from ragassist.evaluation.runner import RunContext, RunOptions


def test_the_plan_keeps_evaluation_rows_held_out_and_is_balanced() -> None:
    items = detect_data.plan_items(2, 1, seed=0)
    assert len({i["id"] for i in items}) == len(items) == 9 * 3
    for item in items:
        if item["source"] != "python-docs":
            row = int(item["ref"].split(":")[1])
            assert (row >= 8000) == (item["split"] == "heldout")
        assert ("prompt" in item) == (item["source"] in detect_data.CONTINUATIONS)
        assert item["label"] == int(item["source"] in detect_data.MACHINE)
    first = {i["source"] for i in items[:18]}
    assert first == set(detect_data.HUMAN + detect_data.MACHINE)  # every source early on
    assert detect_data.plan_items(1, 1, 0)[0] == items[0]  # a larger --n extends a smaller one


def test_dialogue_text_drops_the_speaker_tags() -> None:
    text = detect_data.dialogue_text("[Human]: Do you like it? [Assistant]: Sure do! ", "Me too.")
    assert text == "Do you like it?\nSure do!\nMe too."


def _row(rng: np.random.Generator, source: str, split: str, n: int) -> dict:
    label = int(source in detect_data.MACHINE)
    lp = rng.normal(-1.5 if label else -3.0, 1.0, n)  # machine text is more likely
    m1 = rng.normal(-2.5, 0.3, n)
    stats = {"lp_s": lp, "lp_l": lp + 0.2}
    stats |= {f"m1_{p}": m1 for p in ("ss", "sl", "ls", "ll")}
    stats |= {f"m2_{p}": m1**2 + 2.0 for p in ("ss", "sl", "ls", "ll")}
    stats = {k: v.round(4).tolist() for k, v in stats.items()}
    return {
        "source": source,
        "split": split,
        "label": label,
        "tokens": n + 1,
        "stats": stats,
        "score_seconds": 1.0,
    }


def test_pairs_are_cut_to_equal_length_and_the_summary_fits_on_training(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = [
        _row(rng, src, split, int(rng.integers(20, 128)))
        for split in ("train", "heldout")
        for src in detect_data.HUMAN + detect_data.MACHINE
        for _ in range(6)
    ]
    pairs = matched_pairs([r for r in rows if r["split"] == "heldout"], min_tokens=24)
    assert all(
        a.k == b.k and a.label != b.label for a, b in zip(pairs[::2], pairs[1::2], strict=True)
    )
    ctx = RunContext(RunOptions("detect", out=tmp_path), Config(), tmp_path, 6)
    summary = summarize(rows, ctx)
    table = summary.metrics["detection (held out, length-matched; thresholds from training)"]
    assert table["perplexity 0.5B"]["auroc"] > 0.9
    assert 0.3 < table["length (tokens)"]["auroc"] < 0.7  # matched lengths: no shortcut
    cal = json.loads((tmp_path / "calibration.json").read_text())
    assert cal["logistic"][0] > 0 and "not proof" in cal["warning"]
    assert (tmp_path / "roc.png").exists()


def test_prompts_are_first_sentences_and_echoes_are_cut() -> None:
    glued = "The ship sank in 1950.The Siege of Leningrad was long."
    assert detect_data.first_sentence(glued) == "The ship sank in 1950."
    assert detect_data.continuation("It sank.", " It sank. Then it rose. ") == "Then it rose."
    assert detect_data.continuation("It sank.", "Then it rose.") == "Then it rose."
