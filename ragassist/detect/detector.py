"""`Detector().score(text)`: a calibrated probability that a text was written by a language model.

1. Tokenise; under `min_tokens` tokens the answer is "too short to tell", not a number.
2. Cut the tokens into windows of `window_tokens` (the length the calibration was measured at);
   a long text is scored on at most `max_windows` windows spread evenly over it.
3. Run both Qwen models over each window (lm.py) and keep their per-token statistics (stats.py).
4. The calibrated method's score (Binoculars by default), averaged over the windows, goes through
   the logistic calibration fitted on the training split of `ragassist eval detect`.
5. The sentences whose own score pulls hardest toward the verdict are returned as its drivers.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..verification.claims import split_sentences
from .lm import ModelPair
from .stats import cut, machine_score
from .text_input import check_text, decode_text, read_text_file

log = logging.getLogger(__name__)

CALIBRATION = Path(__file__).with_name("calibration.json")
TOO_SHORT = "too short to tell"
MIN_SENTENCE_TOKENS = 4  # shorter sentences are not shown as drivers


@dataclass(frozen=True)
class Driver:
    """A sentence and its own score (higher = more machine-like, on the method's scale)."""

    text: str
    start: int  # character offsets in the scored text
    end: int
    score: float


@dataclass(frozen=True)
class Detection:
    """The detector's reading of one text."""

    verdict: str  # "likely machine-written", "likely human-written", "can't tell" or TOO_SHORT
    probability: float | None  # calibrated P(machine-written); None when too short
    score: float | None  # the method's score, higher = more machine-like
    method: str
    tokens: int  # tokens in the text
    windows: int  # windows scored (a long text is sampled)
    warning: str
    drivers: list[Driver] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (CLI --json, HTTP)."""
        return asdict(self)


def load_calibration(path: Path = CALIBRATION) -> dict[str, Any]:
    """The shipped calibration: method, logistic coefficients, lengths, what it was measured on."""
    return dict(json.loads(path.read_text(encoding="utf-8")))


class Detector:
    """Zero-shot machine-text detector over the two packaged Qwen models; loads on first use."""

    def __init__(
        self,
        calibration: dict[str, Any] | None = None,
        threads: int = 0,
        max_windows: int = 8,
        model_pair: ModelPair | None = None,
    ) -> None:
        self.calibration = calibration or load_calibration()
        self.method = str(self.calibration["method"])
        self.min_tokens = int(self.calibration["min_tokens"])
        self.window_tokens = int(self.calibration["window_tokens"])
        self.max_windows = max_windows
        self._threads = threads
        self._pair = model_pair

    @property
    def pair(self) -> ModelPair:
        """The two scoring models (built on first use)."""
        if self._pair is None:
            self._pair = ModelPair(threads=self._threads)
        return self._pair

    def probability(self, score: float) -> float:
        """The calibrated P(machine-written) of a method score."""
        a, b = self.calibration["logistic"]
        return 1.0 / (1.0 + math.exp(-(a * score + b)))

    def warning(self) -> str:
        """The plain statement of what the figure rests on."""
        return str(self.calibration["warning"])

    def _windows(self, n: int) -> list[tuple[int, int]]:
        """Token ranges scored: consecutive windows, at most max_windows spread evenly."""
        w = self.window_tokens
        starts = list(range(0, n, w))
        if len(starts) > 1 and n - starts[-1] < self.min_tokens:
            starts.pop()  # a short tail joins nothing: it is left unscored
        if len(starts) > self.max_windows:
            pick = np.linspace(0, len(starts) - 1, self.max_windows).round().astype(int)
            starts = [starts[i] for i in pick]
        return [(s, min(s + w, n)) for s in starts]

    def score(self, text: str) -> Detection:
        """Score one text; empty text is an InputError, a short one is TOO_SHORT."""
        check_text(text)
        enc = self.pair.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = list(enc["input_ids"]), list(enc["offset_mapping"])
        if len(ids) < self.min_tokens:
            return Detection(TOO_SHORT, None, None, self.method, len(ids), 0, self.warning())
        scores, token_parts = [], []
        for lo, hi in self._windows(len(ids)):
            stats = self.pair.stats(ids[lo:hi])
            scores.append(machine_score(self.method, cut(stats, hi - lo)))
            token_parts.append((lo, stats))
        score = float(np.mean(scores))
        p = self.probability(score)
        verdict = (
            "likely machine-written"
            if p >= 0.8
            else "likely human-written"
            if p <= 0.2
            else "can't tell"
        )
        drivers = self._drivers(text, offsets, token_parts, toward_machine=p >= 0.5)
        return Detection(
            verdict, p, score, self.method, len(ids), len(scores), self.warning(), drivers
        )

    def score_bytes(self, data: bytes, name: str = "the input") -> Detection:
        """Score raw bytes (binary, non-UTF-8 and oversized input are refused with InputError)."""
        return self.score(decode_text(data, name))

    def score_file(self, path: Path) -> Detection:
        """Score a text file (see score_bytes for what is refused)."""
        return self.score(read_text_file(path))

    def _drivers(
        self,
        text: str,
        offsets: list[tuple[int, int]],
        parts: list[tuple[int, dict[str, list[float]]]],
        toward_machine: bool,
        k: int = 3,
    ) -> list[Driver]:
        """The k sentences whose own score pulls hardest toward the verdict."""
        scored: list[Driver] = []
        for lo, stats in parts:
            # scored token j of a window is the window's token j+1; where each one starts
            n = len(stats["lp_s"])
            starts = np.array([offsets[lo + j + 1][0] for j in range(n)])
            c0, c1 = offsets[lo][0], offsets[lo + n][1]  # the window's characters only
            for s, e in split_sentences(text[c0:c1]):
                s, e = s + c0, e + c0
                a, b = np.searchsorted(starts, s), np.searchsorted(starts, e)
                if b - a >= MIN_SENTENCE_TOKENS:
                    sub = {key: v[a:b] for key, v in stats.items()}
                    local = machine_score(self.method, cut(sub, int(b - a)))
                    scored.append(Driver(text[s:e], s, e, round(local, 4)))
        scored.sort(key=lambda d: d.score, reverse=toward_machine)
        unique: dict[tuple[int, int], Driver] = {}  # a sentence across two windows is shown once
        for driver in scored:
            unique.setdefault((driver.start, driver.end), driver)
        return list(unique.values())[:k]
