"""`rag-corpus`: the end-to-end suite over any folder (or built-in corpus) and a JSONL of questions.

Scoring and the summary are those of rag-halueval (rag.py); this module reads the question file,
naming the line and field of a bad row, and pins the documents' identity for resumption.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from ..errors import InputError
from .jsonl import json_objects
from .rag import (
    RAG_SECTIONS,
    answer_identity,
    answers_enabled,
    assistant_for,
    score_question,
    summarize_rag,
)
from .runner import ItemScorer, Plan, RunContext, Summary, file_sha256, sample_indices

log = logging.getLogger(__name__)

QUESTION_FIELDS = "question (str), answers (list of str), source (str), answerable (bool)"


def read_questions(path: Path) -> list[dict[str, Any]]:
    """Questions JSONL for rag-corpus; a bad row names its line and field."""
    out = []
    for number, where, data in json_objects(path, "--questions", str(QUESTION_FIELDS)):
        if not isinstance(data.get("question"), str) or not data["question"].strip():
            raise InputError(f"{where} is missing the field 'question' (a non-empty string)")
        answerable = data.get("answerable", True)
        if not isinstance(answerable, bool):
            raise InputError(f"{where}: field 'answerable' must be true or false")
        answers = data.get("answers", [])
        if isinstance(answers, str):
            answers = [answers]
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise InputError(f"{where}: field 'answers' must be a list of strings")
        if answerable and not answers:
            raise InputError(f"{where} is missing the field 'answers' (a list of strings)")
        if answerable and not isinstance(data.get("source"), str):
            raise InputError(f"{where} is missing the field 'source' (the document's path)")
        if not isinstance(data.get("source", ""), str | None):
            raise InputError(f"{where}: field 'source' must be a string (the document's path)")
        out.append(
            {
                "id": f"line-{number}",
                "question": data["question"],
                "answers": list(answers),
                "source": data.get("source") or "",
                "answerable": answerable,
            }
        )
    if not out:
        raise InputError(f"{path} holds no questions")
    return out


def docs_identity(docs: str, corpora: Any) -> str:
    """What the documents are: a built-in corpus and Python version, or a hash of every file."""
    if docs in corpora:
        import platform

        return f"{docs} (Python {platform.python_version()})"
    root = Path(docs)
    files = sorted(p for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file())
    listing = "\n".join(
        f"{p.relative_to(root) if p != root else p.name} {file_sha256(p)}" for p in files
    )
    return f"{root.resolve()} sha256:{hashlib.sha256(listing.encode()).hexdigest()[:16]}"


class RagCorpusSuite:
    """End to end on any folder (or built-in corpus) with a JSONL of questions and gold answers."""

    name = "rag-corpus"
    config_sections = RAG_SECTIONS
    summary = "end to end over --docs with --questions"
    default_n: int | None = None

    def plan(self, ctx: RunContext) -> Plan:
        docs, questions = ctx.options.docs, ctx.options.questions
        if docs is None or questions is None:
            raise InputError(
                "rag-corpus needs --docs DIR (or a built-in corpus name) and --questions FILE"
            )
        from ..documents.corpora import CORPORA

        if str(docs) not in CORPORA and not docs.exists():
            raise InputError(
                f"--docs {docs} is neither a folder nor a built-in corpus ({', '.join(CORPORA)})"
            )
        rows = read_questions(questions)
        chosen = sample_indices(len(rows), ctx.n, ctx.options.seed)
        identity = {
            "docs": docs_identity(str(docs), CORPORA),
            "questions": file_sha256(questions),
            **answer_identity(ctx),
        }
        return Plan([rows[i] for i in chosen], identity)

    def prepare(self, ctx: RunContext, assistant: Any = None) -> None:
        """Index --docs into the run folder (once, before scorers open; on Ray, the driver)."""
        from ..documents.corpora import CORPORA

        assistant = assistant or assistant_for(ctx)
        docs = ctx.options.docs
        assert docs is not None
        if str(docs) in CORPORA:
            assistant.index(corpus=str(docs), progress=ctx.options.progress)
        else:
            assistant.index([docs], progress=ctx.options.progress)

    def open(self, ctx: RunContext) -> ItemScorer:
        assistant = assistant_for(ctx)
        if not ctx.extras.get("prepared"):
            self.prepare(ctx, assistant)
        answer = answers_enabled(ctx)
        return lambda item: score_question(assistant, item, answer)

    def summarize(self, rows: list[dict[str, Any]], ctx: RunContext) -> Summary:
        return summarize_rag(rows, ctx)
