"""The detector: scores, the too-short rule, windows, drivers and bad input (fake models), and the
real Qwen pair's ordering on fixed texts (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ragassist.detect import Detector
from ragassist.detect.detector import TOO_SHORT, load_calibration
from ragassist.detect.stats import METHODS, cut, empty_stats, machine_score, token_stats
from ragassist.errors import InputError

from .conftest import HUMAN, MACHINE


def test_machine_like_text_scores_higher_and_gets_drivers(detector: Detector) -> None:
    human, machine = detector.score(HUMAN), detector.score(MACHINE)
    assert machine.score is not None and human.score is not None
    assert machine.score > human.score
    assert machine.probability is not None and machine.probability > 0.8
    assert machine.verdict == "likely machine-written"
    assert human.probability is not None and human.probability < 0.2
    assert machine.drivers and "delve" in machine.drivers[0].text
    assert "not proof" in machine.warning and machine.to_dict()["drivers"][0]["text"]


def test_short_text_is_too_short_to_tell(detector: Detector) -> None:
    d = detector.score("Moreover it is crucial to delve into this.")
    assert d.verdict == TOO_SHORT and d.probability is None and d.score is None
    assert d.tokens == 8 and d.windows == 0


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_refused(detector: Detector, text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        detector.score(text)


def test_binary_and_non_utf8_files_are_refused_clearly(detector: Detector, tmp_path: Path) -> None:
    binary = tmp_path / "a.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="looks binary"):
        detector.score_file(binary)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Café au lait, déjà vu, naïve façade. ".encode("latin-1") * 5)
    with pytest.raises(InputError, match=r"not UTF-8 \(byte 0xe9 at offset 3\).*iconv"):
        detector.score_file(latin)
    with pytest.raises(InputError, match="empty"):
        detector.score_bytes(b"")
    with pytest.raises(InputError, match="cannot be read"):
        detector.score_file(tmp_path / "missing.txt")


def test_a_megabyte_is_scored_in_a_few_sampled_windows(detector: Detector) -> None:
    text = (HUMAN + MACHINE) * 3000  # about 1.1 MB
    assert len(text.encode()) > 1_000_000
    pair = detector.pair
    d = detector.score(text)
    assert d.windows == detector.max_windows == 8 and pair.calls == 8  # type: ignore[attr-defined]
    assert d.tokens > 100_000 and d.probability is not None


def test_oversized_input_is_refused() -> None:
    from ragassist.detect.text_input import MAX_BYTES, decode_text

    with pytest.raises(InputError, match="at most"):
        decode_text(b"a" * (MAX_BYTES + 1))


def test_stats_match_a_direct_computation_and_cut_is_a_prefix() -> None:
    rng = np.random.default_rng(0)
    ids = [3, 1, 4, 1, 5]
    ls, ll = rng.normal(size=(5, 7)), rng.normal(size=(5, 7))
    st = token_stats(ids, ls, ll)
    logp = ls - np.log(np.exp(ls).sum(-1, keepdims=True))
    assert np.allclose(st["lp_s"], logp[np.arange(4), ids[1:]][:4], atol=1e-4)
    q = np.exp(ll - np.log(np.exp(ll).sum(-1, keepdims=True)))
    assert np.allclose(st["m1_ls"], (q * logp).sum(-1)[:4], atol=1e-4)
    assert set(empty_stats()) == set(st) and not any(empty_stats().values())
    short = cut(st, 2)
    assert all(len(v) == 2 for v in short.values())
    for method in METHODS:
        assert np.isfinite(machine_score(method, cut(st, 4)))


def test_the_shipped_calibration_names_its_data() -> None:
    cal = load_calibration()
    assert cal["method"] in METHODS and len(cal["logistic"]) == 2
    assert cal["min_tokens"] >= 16 and "not proof" in cal["warning"]


# --- the real models (slow): loaded once for the session ----------------------------------------
HUMAN_TEXTS = [
    # HaluEval-QA knowledge passage (Wikipedia via HotpotQA), training row 0
    "Arthur's Magazine (1844–1846) was an American literary periodical published in Philadelphia "
    "in the 19th century.First for Women is a woman's magazine published by Bauer Media Group in "
    "the USA.",
    # the Python reference (pydoc_data), topic 'pass', cut to its first paragraphs
    __import__("pydoc_data.topics").topics.topics["pass"][:420],
]
MACHINE_TEXTS = [
    "Machine learning is a field of artificial intelligence that focuses on building systems "
    "that can learn from data. Instead of being explicitly programmed, these systems identify "
    "patterns in data and use them to make predictions or decisions. Common applications include "
    "image recognition, natural language processing, and recommendation systems.",
    "The Python programming language is known for its simplicity and readability. It is widely "
    "used in web development, data analysis, artificial intelligence, and scientific computing. "
    "Python's extensive standard library and active community make it an excellent choice for "
    "beginners and experienced developers alike.",
]


@pytest.fixture(scope="session")
def real_detector() -> Detector:
    d = Detector()
    d.score(MACHINE_TEXTS[0])  # loads both models once
    return d


@pytest.mark.slow
def test_real_models_rank_machine_texts_above_human_texts(real_detector: Detector) -> None:
    human = [real_detector.score(t).score for t in HUMAN_TEXTS]
    machine = [real_detector.score(t).score for t in MACHINE_TEXTS]
    assert None not in human and None not in machine
    assert min(machine) > max(human)  # type: ignore[type-var]
