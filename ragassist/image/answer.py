"""Retrieval-augmented image answers: a picture request, conditioned on what the documents say.

"Draw the emblem of the Aurora Guild" finds the passage that describes that emblem; the
sentence in it that names the most drawable attributes becomes the image model's condition,
the answer cites that passage, and the image judge checks the picture against the condition.
"""

from __future__ import annotations

import logging
import re

from ..paths import data_dir
from ..types import Answer, Citation, Claim, Hit, Verdict, content_hash
from ..verification.claims import split_sentences

log = logging.getLogger(__name__)

MIN_ATTRIBUTES = 2  # a sentence naming fewer drawable attributes is not a description


def describing_sentence(hits: list[Hit], min_relevance: float) -> tuple[str, Hit] | None:
    """The sentence in the relevant hits that names the most attributes (shape, colour, ...)."""
    from . import parse_attributes

    best: tuple[int, str, Hit] | None = None
    for hit in hits:
        if (hit.dense_score or 0.0) < min_relevance:
            continue
        text = hit.chunk.text
        for start, end in split_sentences(text):
            sentence = " ".join(text[start:end].split())
            n = len(parse_attributes(sentence))
            if n >= MIN_ATTRIBUTES and (best is None or n > best[0]):
                best = (n, sentence, hit)
    return (best[1], best[2]) if best else None


def answer_with_image(
    result: Answer, hits: list[Hit], min_relevance: float, seed: int = 0
) -> Answer:
    """Draw what the question (or the best retrieved description) asks for, and judge it."""
    from . import draw, parse_attributes

    question = result.question
    citations: list[Citation] = []
    found = (
        None
        if len(parse_attributes(question)) >= MIN_ATTRIBUTES
        else describing_sentence(hits, min_relevance)
    )
    if found:
        condition, hit = found
        citations = [Citation(1, hit)]
    else:
        condition = question
    drawn = draw(condition, n=1, seed=seed)
    folder = data_dir() / "images"
    folder.mkdir(parents=True, exist_ok=True)
    path = drawn.save_png(folder / f"{content_hash(condition + str(seed))[:16]}.png")
    described = re.sub(r"\s+", " ", drawn.condition).strip().rstrip(".")
    result.text = f"Here is {described}" + (" [1]." if citations else ".")
    result.citations, result.image_path = citations, str(path)
    result.models["image"] = f"latent diffusion ({drawn.model})"
    verdict = drawn.verdicts[0] if drawn.verdicts else None
    if verdict is not None:
        result.verdicts = [
            Verdict(
                Claim(f"{a.attribute}: {a.requested}"),
                a.probability,
                not a.ok,
                evidence=f"the image judge sees {a.attribute} {a.seen}",
                evidence_source="image judge",
                signals={"judge_probability": a.probability},
            )
            for a in verdict.attributes
        ]
        result.support = verdict.probability
    if not drawn.attributes:
        result.reason = "the request names no shape, colour, size or position the image model knows"
    log.info("image answer for %r conditioned on %r -> %s", question, condition, path)
    return result
