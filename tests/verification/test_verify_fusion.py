"""The fusion model: reproducible fit, the shipped parameters, calibration on held-out rows."""

from __future__ import annotations

import pytest

from ragassist.config import VerifyConfig
from ragassist.evaluation.halueval import ece, load_pairs, score_pairs
from ragassist.verification.fusion import fit, from_dict, load_models, to_dict
from ragassist.verification.signals import lexical_signals
from ragassist.verification.verifier import Verifier

FEATURES = ("word_coverage", "bigram_coverage", "longest_run", "entity_coverage")


@pytest.fixture(scope="module")
def sample() -> tuple[list[dict[str, float]], list[int]]:
    pairs = load_pairs("qa", "train", limit=150)
    return [lexical_signals(p.answer, p.context, p.question) for p in pairs], [
        p.label for p in pairs
    ]


def test_fit_is_reproducible_from_a_fixed_seed(sample) -> None:
    rows, labels = sample
    a = fit(rows, labels, FEATURES, seed=0)
    b = fit(rows, labels, FEATURES, seed=0)
    assert to_dict(a) == to_dict(b)
    assert from_dict(to_dict(a)) == a
    # the signals point the right way: more of the answer in the passage -> more support
    assert a.coef[FEATURES.index("longest_run")] > 0
    assert a.probability(rows[0]) != a.probability(rows[1])


def test_fit_refuses_one_label_only(sample) -> None:
    rows, labels = sample
    ones = [r for r, y in zip(rows, labels, strict=True) if y == 1]
    with pytest.raises(ValueError, match="both labels"):
        fit(ones, [1] * len(ones), FEATURES)


def test_shipped_models_cover_every_profile() -> None:
    models = load_models()
    for profile in ("qa", "dialogue", "summarization", "general"):
        m = models[profile]
        assert 0.0 < m.threshold < 1.0
        assert m.meta["cv_auroc"] > 0.6
        assert "train rows (0-7999)" in m.meta["rows"]


@pytest.mark.slow
def test_calibration_on_heldout_rows(embedder) -> None:
    verifier = Verifier(VerifyConfig(judge=False), embedder=embedder)
    pairs = load_pairs("qa", "heldout", limit=150)
    scored = score_pairs(verifier, pairs)
    err = ece([r["label"] for r in scored], [r["probability"] for r in scored])
    assert err < 0.1, err


def test_every_task_profile_ships_with_a_judge_stacked_model() -> None:
    models = load_models()
    for task in ("qa", "dialogue", "summarization"):
        stacked = models[f"{task}+judge"]
        assert stacked.features[0] == "cheap_logit" and "judge_logit" in stacked.features
        assert stacked.meta["base"] == task


def test_verify_command_takes_a_profile(tmp_path, capsys) -> None:
    import json

    from ragassist.interface import cli

    context = tmp_path / "context.txt"
    context.write_text("The Eiffel Tower was completed in 1889 in Paris. It is 330 metres tall.")
    claim = "The tower was completed in 1889 and is 300 metres tall."
    probabilities = {}
    for profile in ("general", "summarization"):
        args = ["verify", "--context", str(context), "--answer", claim, "--json"]
        assert cli.main([*args, "--profile", profile]) == 0
        probabilities[profile] = json.loads(capsys.readouterr().out)["claims"][0]["probability"]
    assert probabilities["general"] != probabilities["summarization"]
