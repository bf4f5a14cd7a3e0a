"""Metrics against hand-computed values and against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    f1_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from ragassist.evaluation import metrics as m


def test_auroc_by_hand() -> None:
    # positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) -> 3/4
    assert m.auroc([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1]) == pytest.approx(0.75)
    # a tie between a positive and a negative counts half: (1 + 0.5) / 2
    assert m.auroc([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.6]) == pytest.approx(0.625)
    assert np.isnan(m.auroc([1, 1], [0.1, 0.2]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auroc_and_roc_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.normal(size=300) + y * 0.8, 1)  # rounded so there are many ties
    assert m.auroc(y, s) == pytest.approx(roc_auc_score(y, s))
    fpr, tpr = m.roc_points(y, s)
    sk_fpr, sk_tpr, _ = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)


def test_confusion_by_hand_and_f1_vs_sklearn() -> None:
    y = [1, 1, 1, 0, 0]
    s = [0.8, 0.6, 0.2, 0.7, 0.1]
    c = m.confusion_at(y, s, 0.5)  # predicted positive: 0.8, 0.6, 0.7 -> tp 2, fp 1, fn 1
    assert c["precision"] == pytest.approx(2 / 3)
    assert c["recall"] == pytest.approx(2 / 3)
    assert c["f1"] == pytest.approx(2 / 3)
    assert c["accuracy"] == pytest.approx(3 / 5)
    assert c["f1"] == pytest.approx(f1_score(y, np.asarray(s) >= 0.5))


def test_precision_at_recall_by_hand_and_vs_sklearn() -> None:
    # sorted by score: 1, 0, 1, 1, 0 ; to catch 3/3 positives we must take 4 -> precision 3/4
    y = [1, 0, 1, 1, 0]
    s = [0.9, 0.8, 0.7, 0.6, 0.5]
    assert m.precision_at_recall(y, s, 0.9) == pytest.approx(0.75)
    # recall >= 0.6: cut after 3 items gives 2/3, after 4 gives 3/4; the best is 3/4
    assert m.precision_at_recall(y, s, 0.6) == pytest.approx(0.75)
    # recall >= 0.3: the top item alone is enough -> precision 1
    assert m.precision_at_recall(y, s, 0.3) == pytest.approx(1.0)
    rng = np.random.default_rng(3)
    y2 = rng.integers(0, 2, 400)
    s2 = np.round(rng.normal(size=400) + y2, 1)
    p, r, _ = precision_recall_curve(y2, s2)
    assert m.precision_at_recall(y2, s2, 0.9) == pytest.approx(p[r >= 0.9].max())


def test_ece_and_reliability_by_hand() -> None:
    # bin [0.1,0.2): probs 0.1, 0.1 outcomes 0, 1 -> |0.5-0.1| = 0.4, weight 2/4
    # bin [0.9,1.0]: probs 0.9, 1.0 outcomes 1, 1 -> |1-0.95| = 0.05, weight 2/4
    y = [0, 1, 1, 1]
    p = [0.1, 0.1, 0.9, 1.0]
    bins = m.reliability(y, p, bins=10)
    assert [b["count"] for b in bins] == [2, 2]
    assert bins[1]["mean_probability"] == pytest.approx(0.95)
    assert m.expected_calibration_error(y, p) == pytest.approx(0.5 * 0.4 + 0.5 * 0.05)
    assert m.expected_calibration_error([1, 0], [1.0, 0.0]) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        m.reliability([1], [1.5])


def test_retrieval_metrics_by_hand() -> None:
    ranks = [1, 3, None, 2]
    assert m.recall_at_k(ranks, 1) == pytest.approx(0.25)
    assert m.recall_at_k(ranks, 3) == pytest.approx(0.75)
    assert m.mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert m.first_rank(["a", "b", "c"], "c") == 3
    assert m.first_rank(["a", "b"], {"x", "b"}) == 2
    assert m.first_rank(["a"], "z") is None


def test_answer_metrics_squad_style() -> None:
    assert m.normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert m.exact_match("the Beatles.", ["Beatles"]) == 1.0
    assert m.exact_match("Beatles band", "Beatles") == 0.0
    # pred: "john smith was born" (4) gold: "john smith" (2): common 2 -> P 0.5 R 1 -> F1 2/3
    assert m.token_f1("John Smith was born", "John Smith") == pytest.approx(2 / 3)
    assert m.token_f1("nothing shared", "John Smith") == 0.0
    assert m.token_f1("x", ["nope", "x"]) == 1.0
    assert m.gold_contained("It was Arthur's Magazine, I think.", "Arthur's Magazine") == 1.0
    assert m.gold_contained("Arthurs Magazines", "Arthur's Magazine") == 0.0
    assert m.gold_contained("1844 to 1846", "184") == 0.0  # whole words only
    assert m.gold_contained("The mascot is the Hillbilly.Hillbilly, a term", "Hillbilly") == 1.0
    assert m.gold_contained("[1] EA Sports.Connor McDavid", "EA Sports") == 1.0
    assert m.gold_contained("the U.S. Navy", "U.S. Navy") == 1.0
    assert m.gold_contained("Hillbillyism", "Hillbilly") == 0.0


def test_detection_metrics_bundle() -> None:
    out = m.detection_metrics([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.7], threshold=0.5, probabilities=True)
    assert out["auroc"] == pytest.approx(0.75)
    assert out["accuracy"] == pytest.approx(0.75)
    assert set(out) >= {"auroc", "precision_at_90_recall", "accuracy", "f1", "ece", "n"}
