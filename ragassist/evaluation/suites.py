"""The registry of evaluation suites, by the name `ragassist eval SUITE` takes."""

from __future__ import annotations

from ..errors import InputError
from .detect_suite import DetectSuite
from .detection import VerifyFileSuite
from .halueval_suite import HaluEvalSuite
from .image_suite import ImageSuite
from .rag import RagHaluEvalSuite
from .rag_corpus import RagCorpusSuite
from .runner import Suite

SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        VerifyFileSuite(),
        HaluEvalSuite("qa"),
        HaluEvalSuite("dialogue"),
        HaluEvalSuite("summarization"),
        RagHaluEvalSuite(),
        RagCorpusSuite(),
        ImageSuite(),
        DetectSuite(),
    )
}


def get_suite(name: str) -> Suite:
    """A suite by name; an unknown name lists the existing ones."""
    if name not in SUITES:
        known = "\n".join(f"  {s.name:<24} {s.summary}" for s in SUITES.values())
        raise InputError(f"unknown suite {name!r}; the suites are:\n{known}")
    return SUITES[name]
