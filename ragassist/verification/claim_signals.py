"""Per-claim evidence signals: the best windows and sentence for a claim, and its overlap with them.

Each claim is matched to the evidence windows closest to it (MiniLM); the lexical signals (words,
names, numbers shared), the similarities and, when a claim judge is on, its Yes/No and likelihood
signals on the union of those windows are what the fusion weighs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..config import VerifyConfig
from ..index.embed import Embedder
from ..types import Claim, Hit
from .evidence import EvidencePool, build_pool, select
from .signals import lexical_signals, looks_english


def claim_signals(
    claims: Sequence[Claim],
    hits: Sequence[Hit],
    question: str,
    embedder: Embedder,
    config: VerifyConfig,
    judge: Any | None = None,
) -> list[tuple[dict[str, float], str, str]]:
    """(signals, evidence sentence, its source) per claim, before fusion."""
    if not claims:
        return []
    pool: EvidencePool = build_pool(hits, embedder, config.window_chars)
    texts = [c.text for c in claims] + ([question] if question.strip() else [])
    vecs = embedder.embed(texts)  # claims and question in one batch
    claim_vecs = vecs[: len(claims)]
    question_vec = vecs[len(claims)] if len(vecs) > len(claims) else None
    out: list[tuple[dict[str, float], str, str]] = []
    scopes: list[list[int]] = []
    for claim, vec in zip(claims, claim_vecs, strict=True):
        best, sentence, source, cos, window_cos = select(
            pool, claim.text, vec, embedder, config.top_windows
        )
        scope = " ".join(pool.windows[i].text for i in best)
        sig = lexical_signals(claim.text, scope, question)
        sig["sentence_similarity"] = cos
        sig["window_similarity"] = window_cos
        sig["sentence_coverage"] = lexical_signals(claim.text, sentence)["word_coverage"]
        sig["non_english"] = 0.0 if looks_english(claim.text) else 1.0
        if question_vec is not None:  # does the claim speak to the question at all?
            sig["question_similarity"] = float(vec @ question_vec)
        out.append((sig, sentence, source))
        scopes.append(best)
    if judge is not None and pool.windows:
        # one shared context for all claims: the union of their best windows, in document order
        order = list(dict.fromkeys(i for best in scopes for i in best))
        context = "\n".join(pool.windows[i].text for i in sorted(order))
        for (sig, _, _), extra in zip(
            out, judge.score(context, question, [c.text for c in claims]), strict=True
        ):
            sig.update(extra)
    return out
