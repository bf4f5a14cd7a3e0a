"""End-to-end suites: index a corpus, ask its questions through the Assistant, score everything.

Retrieval: recall@1/5/10 and MRR of the question's own source document. Answers (unless
--retrieval-only): exact match, token F1 and gold containment (SQuAD normalisation), the
abstention rate, how often wrong answers are flagged and right ones pass, seconds per question.
`rag-halueval` builds its corpus from the held-out HaluEval-QA knowledge passages; `rag-corpus`
(rag_corpus.py) takes any folder and a JSONL of questions, with the same scoring.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..types import worst_label
from . import halueval, metrics, plots
from .runner import ItemScorer, Plan, RunContext, Summary, file_sha256, sample_indices

log = logging.getLogger(__name__)

KS = (1, 5, 10)
RAG_SECTIONS = ("split", "embed", "index", "retrieve", "generate", "verify")
_NAN = float("nan")


def source_matches(hit_source: str, gold: str) -> bool:
    """A hit's source is the gold one: equal, or the gold is a path suffix of it."""
    hit, gold = hit_source.replace("\\", "/"), gold.replace("\\", "/").lstrip("./")
    return hit == gold or hit.endswith("/" + gold)


def ranked_sources(hits: list[Any], limit: int) -> list[str]:
    """Distinct sources of hits, best first (a document with many chunks counts once)."""
    out: list[str] = []
    for hit in hits:
        if hit.chunk.source not in out:
            out.append(hit.chunk.source)
    return out[:limit]


def assistant_for(ctx: RunContext) -> Any:
    """The pipeline under test, its index inside the run folder."""
    from ..assistant import Assistant

    config = dataclasses.replace(ctx.config, index_dir=ctx.out / "index")
    return Assistant(config, embedder=ctx.extras.get("embedder"))


def answers_enabled(ctx: RunContext) -> bool:
    """Answer questions too, unless --retrieval-only or the Assistant cannot answer yet."""
    from ..assistant import Assistant

    return not ctx.extras.get("retrieval_only") and hasattr(Assistant, "answer")


def answer_identity(ctx: RunContext) -> dict[str, Any]:
    """Whether questions are answered, and the fitted verifier behind the flags when they are."""
    if not answers_enabled(ctx):
        return {"answers": False}
    from .scorers import verifier_identity

    return {"answers": True, "fusion_sha256": verifier_identity(None)["fusion_sha256"]}


def score_question(assistant: Any, item: dict[str, Any], answer: bool) -> dict[str, Any]:
    """Retrieve (and answer) one question; every figure the summary needs."""
    t0 = time.perf_counter()
    sources = ranked_sources(assistant.search(item["question"], k=3 * max(KS)), max(KS))
    rank = next((i for i, s in enumerate(sources, 1) if source_matches(s, item["source"])), None)
    row: dict[str, Any] = {
        "question": item["question"],
        "answerable": item["answerable"],
        "rank": rank,
        "sources": [Path(s).name for s in sources],
        "search_seconds": time.perf_counter() - t0,
    }
    if answer:
        result = assistant.answer(item["question"])
        golds = item["answers"]
        row |= {
            "answer": result.text,
            "golds": golds,
            "abstained": bool(result.abstained),
            "flagged": any(v.flagged for v in result.verdicts),
            "claims": len(result.verdicts),
            "verdicts": [  # every claim's signals, so a fusion model can be re-scored offline
                {"claim": v.claim.text, "probability": v.probability, "signals": v.signals}
                for v in result.verdicts
            ],
            "support": getattr(result, "support", None),
            "label": worst_label(result.verdicts) if result.verdicts else None,
            # when the answer judge's reading replaced the generator's answer, that answer
            "draft": getattr(result, "draft", ""),
            "draft_support": getattr(result, "draft_support", None),
            "judge": getattr(result, "judge", {}),
            "best_relevance": max((h.dense_score or 0.0 for h in result.hits), default=0.0),
            "exact_match": metrics.exact_match(result.text, golds) if golds else None,
            "token_f1": metrics.token_f1(result.text, golds) if golds else None,
            "gold_contained": metrics.gold_contained(result.text, golds) if golds else None,
            "timings": result.timings,
            "generation": result.generation,
            "models": result.models,
        }
    return row


def summarize_rag(rows: list[dict[str, Any]], ctx: RunContext) -> Summary:
    """Retrieval and answer metrics over question rows, plus the recall@k curve."""
    answerable = [r for r in rows if r["answerable"]]
    ranks = [r["rank"] for r in answerable]
    retrieval = {f"recall@{k}": metrics.recall_at_k(ranks, k) for k in KS}
    retrieval |= {"mrr": metrics.mean_reciprocal_rank(ranks), "questions": len(ranks)}
    out: dict[str, Any] = {"retrieval": retrieval}
    plot_files = [plots.recall_curve(ctx.out / "recall_at_k.png", ranks)] if ranks else []
    models: dict[str, Any] = {"embedder": ctx.config.embed.model}
    answered = [r for r in rows if "answer" in r]
    if answered:
        good = [r for r in answered if r["answerable"]]
        spoken = [r for r in good if not r["abstained"]]
        right = [r for r in spoken if r["gold_contained"]]
        wrong = [r for r in spoken if not r["gold_contained"]]
        unanswerable = [r for r in answered if not r["answerable"]]
        verified = any(r["claims"] for r in answered)  # no verdict anywhere: no verifier ran
        out["answers"] = {
            "exact_match": _mean(r["exact_match"] for r in good),
            "token_f1": _mean(r["token_f1"] for r in good),
            "gold_containment": _mean(r["gold_contained"] for r in good),
            "abstention_rate": _mean(r["abstained"] for r in good),
            "wrong_flagged_rate": _mean(r["flagged"] for r in wrong) if verified else _NAN,
            "right_passed_rate": _mean(not r["flagged"] for r in right) if verified else _NAN,
            "answered_right": len(right),
            "answered_wrong": len(wrong),
            "seconds_per_question": _mean(r["seconds"] for r in answered),
            "first_token_seconds_median": _median(
                g["first_token_s"] for r in answered if (g := r.get("generation"))
            ),
            "tokens_per_second_median": _median(
                g["tokens_per_s"] for r in answered if (g := r.get("generation"))
            ),
        }
        if unanswerable:
            out["unanswerable"] = {
                "questions": len(unanswerable),
                "abstention_rate": _mean(r["abstained"] for r in unanswerable),
                "answered_unflagged_rate": _mean(
                    not r["abstained"] and not r["flagged"] for r in unanswerable
                )
                if verified
                else _NAN,
            }
        models |= answered[-1].get("models") or {}
        if verified:
            models["verifier"] = (
                f"ragassist.verification.verifier, profile {ctx.config.verify.profile}"
            )
    else:
        out["retrieval"]["seconds_per_question"] = _mean(r["seconds"] for r in rows)
    if answered and not any(r["claims"] for r in answered):
        notes_extra = ["No answer carried verifier verdicts: flag rates are n/a."]
    else:
        notes_extra = []
    notes = notes_extra + [
        "Recall@k and MRR: rank of the question's own source among the distinct sources retrieved "
        "(hybrid search unless the config says otherwise). Right = the gold answer occurs in the "
        "answer (gold containment); 'wrong flagged' and 'right passed' count non-abstained answers."
    ]
    return Summary(out, plot_files, models, notes)


def _median(values: Any) -> float:
    data = [float(v) for v in values]
    return float(np.median(data)) if data else float("nan")


def _mean(values: Any) -> float:
    data = [float(v) for v in values]
    return float(np.mean(data)) if data else float("nan")


class RagHaluEvalSuite:
    """End to end on HaluEval-QA: the held-out knowledge passages are the corpus."""

    name = "rag-halueval"
    summary = "end to end over the held-out HaluEval-QA passages"
    default_n: int | None = 100  # 10-15 s a question on 2 shared cores: about 20-25 minutes
    config_sections = RAG_SECTIONS

    def plan(self, ctx: RunContext) -> Plan:
        rows = halueval.load_rows("qa")
        held = list(halueval.rows_of("heldout"))
        corpus = ctx.out / "corpus"
        file_of: dict[str, str] = {}
        for i in held:
            knowledge = rows[i]["knowledge"]
            file_of.setdefault(knowledge, f"halueval-qa-{i:05d}.txt")
        corpus.mkdir(parents=True, exist_ok=True)
        for knowledge, name in file_of.items():
            path = corpus / name
            if not path.exists() or path.read_text(encoding="utf-8") != knowledge:
                path.write_text(knowledge, encoding="utf-8")
        chosen = [held[j] for j in sample_indices(len(held), ctx.n, ctx.options.seed)]
        items = [
            {
                "id": f"qa-{i}",
                "question": rows[i]["question"],
                "answers": [rows[i]["right_answer"]],
                "source": file_of[rows[i]["knowledge"]],
                "answerable": True,
            }
            for i in chosen
        ]
        identity = {
            "data": file_sha256(halueval.data_path("qa")),
            "corpus": f"heldout rows {held[0]}-{held[-1]}, {len(file_of)} passages",
            **answer_identity(ctx),
        }
        return Plan(items, identity)

    def prepare(self, ctx: RunContext, assistant: Any = None) -> None:
        """Index the corpus into the run folder (once, before scorers open; on Ray, the driver)."""
        assistant = assistant or assistant_for(ctx)
        report = assistant.index([ctx.out / "corpus"], progress=ctx.options.progress)
        log.info("indexed corpus: %s", report)

    def open(self, ctx: RunContext) -> ItemScorer:
        assistant = assistant_for(ctx)
        if not ctx.extras.get("prepared"):
            self.prepare(ctx, assistant)
        answer = answers_enabled(ctx)
        return lambda item: score_question(assistant, item, answer)

    def summarize(self, rows: list[dict[str, Any]], ctx: RunContext) -> Summary:
        return summarize_rag(rows, ctx)
