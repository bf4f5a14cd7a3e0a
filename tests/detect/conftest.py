"""Fakes for the detector's tests: a word tokenizer and two 'models' with fixed likelihoods."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ragassist.detect import Detector

CALIBRATION = {
    "method": "binoculars 0.5B/1.5B",
    "logistic": [20.0, 30.0],
    "min_tokens": 25,
    "window_tokens": 64,
    "warning": "measured on test data; not proof",
}
MACHINE_WORDS = {"delve", "tapestry", "moreover", "crucial", "landscape", "notably"}


class FakeTokenizer:
    """One token per word; ids are small hashes, offsets are the words' spans."""

    def __call__(self, text: str, **_: Any) -> dict[str, list[Any]]:
        words = list(re.finditer(r"\S+", text))
        ids = [1 + (sum(map(ord, m.group().lower().strip(".,"))) % 997) for m in words]
        return {"input_ids": ids, "offset_mapping": [(m.start(), m.end()) for m in words]}


class FakePair:
    """Two 'models' that find MACHINE_WORDS very likely: their texts score machine-like."""

    def __init__(self) -> None:
        self.tokenizer = FakeTokenizer()
        self.likely = {self.tokenizer(w)["input_ids"][0] for w in MACHINE_WORDS}
        self.calls = 0

    def stats(self, ids: list[int]) -> dict[str, list[float]]:
        self.calls += 1
        lp = [-0.2 if i in self.likely else -4.0 for i in ids[1:]]
        flat = [-2.0] * len(lp)
        return {
            "lp_s": lp,
            "lp_l": lp,
            **{f"m1_{p}": flat for p in ("ss", "sl", "ls", "ll")},
            **{f"m2_{p}": [5.0] * len(lp) for p in ("ss", "sl", "ls", "ll")},
        }


@pytest.fixture
def detector() -> Detector:
    return Detector(CALIBRATION, model_pair=FakePair())  # type: ignore[arg-type]


HUMAN = "The cat sat on the old mat by the door and looked at the rain for a long time. " * 2
MACHINE = "Moreover it is crucial to delve into the rich tapestry of this landscape notably. " * 3
