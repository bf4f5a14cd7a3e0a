"""The span reader: its training is reproducible from a seed, and reading finds spans or none."""

from __future__ import annotations

import dataclasses

import pytest

from ragassist.verification import span_reader, span_training

ROWS = [
    {
        "question": "Which city was the painter born in?",
        "knowledge": "The painter was born in Ghent in 1390. He later worked in Bruges.",
        "right_answer": "Ghent",
    },
    {
        "question": "How tall is the tower?",
        "knowledge": "The tower is 324 metres tall and stands on the Champ de Mars.",
        "right_answer": "324 metres",
    },
    {
        "question": "Is the river longer than the canal?",
        "knowledge": "The river runs for 400 km. The canal was dug in 1820.",
        "right_answer": "yes",
    },
    {
        "question": "Who founded the company?",
        "knowledge": "The company was founded by Ada Byron and two partners in 1901.",
        "right_answer": "Ada Byron",
    },
]


def test_examples_mark_the_gold_span_and_add_negatives() -> None:
    examples = span_training.build_examples(ROWS, seed=0)
    positives = [e for e in examples if e.answer_start is not None]
    # "yes" is not in its passage: that row gives only a negative
    assert {e.passage[e.answer_start : e.answer_end] for e in positives} == {  # type: ignore[misc]
        "Ghent",
        "324 metres",
        "Ada Byron",
    }
    negatives = [e for e in examples if e.answer_start is None]
    assert negatives and all(
        e.passage != next(r["knowledge"] for r in ROWS if r["question"] == e.question)
        for e in negatives
    )
    assert examples == span_training.build_examples(ROWS, seed=0)


def test_best_span_stays_in_the_passage_and_is_ordered() -> None:
    start = [9.0, 0.0, 1.0, 5.0, 0.0]
    end = [9.0, 0.0, 4.0, 0.0, 2.0]
    context = [False, False, True, True, True]  # [CLS] and the question are not the passage
    assert span_reader.best_span(start, end, context) == (3, 4, 7.0)


def test_span_score_reads_the_answers_own_tokens() -> None:
    text = "Born in Ghent in 1390."
    spans = (None, (0, 4), (5, 7), (8, 13), (14, 16), (17, 21), (21, 22))
    window = span_reader.Window(0, text, (0, 1, 0, 6, 0, 2, 0), (0, 0, 0, 5, 0, 3, 0), spans)
    reading = span_reader.Reading("Ghent", 0, 11.0, 0.0, 11.0, (window,))
    assert span_reader.span_score(reading, "Ghent") == 0.0  # its best span
    assert span_reader.span_score(reading, "in 1390.") == (0 + 3) - 11.0
    assert span_reader.span_score(reading, "Bruges") == span_reader.SCORE_FLOOR  # no span
    assert span_reader.span_score(reading, "") == span_reader.SCORE_FLOOR


@pytest.fixture(scope="module")
def base() -> tuple[object, object]:
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    path = str(span_reader.base_model_path())
    return AutoTokenizer.from_pretrained(path), AutoModelForQuestionAnswering.from_pretrained(path)


def _trained_weights(base: tuple[object, object], seed: int) -> dict[str, object]:
    import copy

    import torch

    tokenizer, model = base
    torch.manual_seed(seed)
    model = copy.deepcopy(model)
    torch.nn.init.normal_(model.qa_outputs.weight, std=0.02)  # type: ignore[attr-defined]
    examples = span_training.build_examples(ROWS, seed)
    losses = span_training.train(model, tokenizer, examples, seed, epochs=1.0, batch_size=2)
    assert len(losses) == 3 and all(loss > 0 for loss in losses)
    return {k: v.clone() for k, v in model.state_dict().items()}  # type: ignore[attr-defined]


def test_training_is_reproducible_from_a_seed(base: tuple[object, object]) -> None:
    import torch

    torch.set_num_threads(1)  # one order of floating-point sums
    first, second = _trained_weights(base, 3), _trained_weights(base, 3)
    assert all(torch.equal(first[k], second[k]) for k in first)  # type: ignore[call-overload]
    other = _trained_weights(base, 4)
    assert not torch.equal(first["qa_outputs.weight"], other["qa_outputs.weight"])  # type: ignore[call-overload]


def test_reader_returns_a_span_of_a_passage_or_nothing(base: tuple[object, object]) -> None:
    tokenizer, model = base
    reader = span_reader.SpanReader(model=model, tokenizer=tokenizer)
    passages = [r["knowledge"] for r in ROWS] + ["word " * 400]  # a long one: several windows
    reading = reader.read("Which city was the painter born in?", passages)
    assert reading.passage in range(len(passages))
    if reading.answer:
        assert reading.answer in passages[reading.passage]
    assert reading.margin == reading.span_score - reading.null_score
    assert reader.read("anything?", ["", "  "]).answer == ""


CURIE = (
    "Marie Curie was born in Warsaw in 1867. She moved to Paris in 1891 to study physics. "
    "With Pierre Curie she discovered polonium and radium. She won the Nobel Prize in Physics "
    "in 1903 and in Chemistry in 1911."
)


@pytest.fixture(scope="module")
def shipped_reader() -> span_reader.SpanReader:
    return span_reader.SpanReader()


def test_the_shipped_reader_finds_the_answer_or_none(shipped_reader) -> None:
    found = shipped_reader.read("In which city was Marie Curie born?", ["Rain is wet.", CURIE])
    # its span may run on ("Warsaw in 1867. She moved to Paris": start and end score apart)
    assert "Warsaw" in found.answer and found.passage == 1 and found.margin > 0
    missing = shipped_reader.read("In which year did Marie Curie die?", [CURIE])
    assert missing.margin < found.margin
    # the answer itself as a span: the right one above another span, above no span at all
    found = shipped_reader.read("What did Marie Curie discover with Pierre Curie?", [CURIE])
    right, wrong, invented = (
        span_reader.span_score(found, a) for a in ("polonium and radium", "physics", "uranium")
    )
    assert right > wrong > invented == span_reader.SCORE_FLOOR


def test_the_fast_verifier_orders_right_above_wrong_answers(embedder, shipped_reader) -> None:
    """With the reader's fusion (the answer judge off): a right answer beats the wrong entity of
    the same passage, a true but irrelevant sentence of it, and an invented answer."""
    from ragassist.config import VerifyConfig
    from ragassist.types import Chunk, Hit
    from ragassist.verification.claims import split_claims
    from ragassist.verification.verifier import Verifier

    cfg = VerifyConfig(answer_judge=False)
    verifier = Verifier.for_answers(cfg, "qwen2.5-0.5b", embedder)
    verifier.small.span_reader = shipped_reader  # the module's copy, not a second load
    assert verifier.fusion.meta["profile"] == "answers+reader"
    hits = [Hit(Chunk("c.txt", "c.txt", "c.txt", "", 0, len(CURIE), CURIE), 1.0, dense_score=0.7)]
    q = "In which city was Marie Curie born?"

    def support(answer: str) -> float:
        return min(v.probability for v in verifier.verify(split_claims(answer), hits, q))

    right = support("Marie Curie was born in Warsaw.")
    wrong = [
        support(a)
        for a in (
            "Marie Curie was born in Paris.",
            "She discovered polonium and radium with Pierre Curie.",
            "Marie Curie was born in Vienna in 1870.",
        )
    ]
    assert all(right > w for w in wrong), (right, wrong)


def test_the_decline_rule_adds_the_readers_margin_to_the_judges() -> None:
    from ragassist.verification.answer_judge import AnswerJudgement
    from ragassist.verification.reading import decide

    judged = AnswerJudgement(0.5, holds_logit=3.0, own_answer="Warsaw", agreement=1.0,
                             evidence="", seconds=0.0)  # fmt: skip
    assert decide(judged, "supported", decline_below=2.0).action == "keep"
    # the reader found no answer (margin -8): 3.0 + 0.2 x -8 = 1.4 < 2.0
    doubted = dataclasses.replace(judged, reader_margin=-8.0, reader_weight=0.2)
    assert doubted.holds_score == pytest.approx(1.4)
    decision = decide(doubted, "supported", decline_below=2.0)
    assert decision.action == "decline" and "span reader" in decision.reason
