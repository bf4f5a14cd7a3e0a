"""Verifier: split an answer into claims, gather signals per claim, fuse them into a probability.

claims ─┬─ evidence windows (MiniLM) ─> best sentence, similarity
        ├─ lexical overlap with the best windows (words, names, numbers)
        ├─ second-model judge (Qwen): Yes/No, likelihood with vs without context
        ├─ generator uncertainty at the claim's tokens (when given)
        ├─ the whole answer: the answer judge (Qwen 1.5B) on the assistant's own answers;
        │  small models trained here (span reader, reply checker; small_models.py)
        └─> fusion (logistic regressions fitted on training rows only) ─> Verdict
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..config import GenerateConfig, VerifyConfig
from ..errors import RagassistError
from ..index.embed import Embedder, get_embedder
from ..types import Claim, Hit, Verdict, VerdictLabel
from .answer_judge import ANSWER_JUDGE_SIGNALS, READING_TOKENS, judge_evidence
from .answerable import answerable_signals
from .claim_signals import claim_signals
from .claims import split_claims
from .evidence import context_hits
from .fusion import FusionModel, fitted_key, from_dict, load_models, model_for, stack_base_logits
from .policy import AnswerVerdict, apply_policy
from .signals import content_words, invented_share, is_invented
from .small_models import SmallModels

if TYPE_CHECKING:
    from .answer_judge import AnswerJudge, AnswerJudgement

log = logging.getLogger(__name__)


@runtime_checkable
class VerifierProtocol(Protocol):
    """Judges each claim against the retrieved passages."""

    def verify(self, claims: Sequence[Claim], hits: Sequence[Hit]) -> list[Verdict]: ...


class Verifier:
    """Checks claims against evidence; models load on first use, once per process."""

    def __init__(
        self,
        config: VerifyConfig | None = None,
        embedder: Embedder | None = None,
        judge: Any | None = None,
        fusion: FusionModel | None = None,
        answer_judge: AnswerJudge | None = None,
    ) -> None:
        self.config = config or VerifyConfig()
        self._embedder = embedder
        self._judge = judge
        self._fusion = fusion
        self._answer_judge = answer_judge
        self.small = SmallModels(self.config)  # span reader, reply checker

    @classmethod
    def for_answers(cls, config: VerifyConfig, generator: str, embedder: Embedder) -> Verifier:
        """The verifier of a generator's answers: the `answer_profile` fit, and no judge that is
        the generator's own model (a model does not get to check itself)."""
        cfg = replace(config, profile=config.answer_profile)
        if cfg.judge and cfg.judge_model == generator:
            log.warning(
                "verify.judge_model %s is the generator; using the judge-free fusion", generator
            )
            cfg = replace(cfg, judge=False)
        if cfg.answer_judge and cfg.answer_judge_model == generator:
            log.warning(
                "verify.answer_judge_model %s is the generator; not judging with it", generator
            )
            cfg = replace(cfg, answer_judge=False)
        return cls(cfg, embedder=embedder)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    @functools.cached_property
    def judge(self) -> Any | None:
        """The second model, or None when the config turns it off."""
        if self._judge is not None or not self.config.judge:
            return self._judge
        from .judge import LMJudge

        if self.config.threads:
            import torch

            torch.set_num_threads(self.config.threads)
        return LMJudge(self.config.judge_model, self.config.judge_dtype, self.config.judge_tokens)

    @functools.cached_property
    def answer_judge(self) -> AnswerJudge | None:
        """The larger second model for whole answers to a question, or None when turned off."""
        if self._answer_judge is not None or not self.config.answer_judge:
            return self._answer_judge
        from .answer_judge import AnswerJudge

        cfg = self.config
        return AnswerJudge(
            GenerateConfig(
                model=cfg.answer_judge_model,
                backend=cfg.answer_judge_backend,
                max_new_tokens=READING_TOKENS,
            ),
            compare_facts=cfg.compare_facts,
        )

    @property
    def fusion(self) -> FusionModel:
        """The fitted model (fusion.fitted_key says which)."""
        if self._fusion is None:
            key = fitted_key(
                self.config.profile, load_models(), self.config, self.judge is not None
            )
            self._fusion = model_for(*key)
        return self._fusion

    @property
    def judges_answers(self) -> bool:
        """Whether the answer judge runs: the fusion in use reads its signals."""
        return any(f in self.fusion.features for f in ANSWER_JUDGE_SIGNALS)

    @property
    def threshold(self) -> float:
        """Claims below this probability are flagged."""
        t = self.config.threshold
        return self.fusion.threshold if t < 0 else t

    def signals(
        self, claims: Sequence[Claim], hits: Sequence[Hit], question: str = ""
    ) -> list[tuple[dict[str, float], str, str]]:
        """(signals, evidence sentence, its source) per claim, before fusion."""
        if not claims:
            return []
        return claim_signals(claims, hits, question, self.embedder, self.config, self.judge)

    def verify(
        self,
        claims: Sequence[Claim],
        hits: Sequence[Hit],
        question: str = "",
        token_logprobs: Sequence[tuple[int, float]] | None = None,
        judgement: AnswerJudgement | None = None,
    ) -> list[Verdict]:
        """A verdict per claim. token_logprobs: (char offset in the answer, logprob) per generated
        token, when the generator recorded them; shown as a signal, not fused (HaluEval has none).
        judgement: the answer judge's reading, when the caller already asked for it.
        """
        verdicts = []
        relevance = [h.dense_score for h in hits if h.dense_score is not None]
        asked = set(content_words(question))
        known = asked.union(*(content_words(h.chunk.text) for h in hits))
        if judgement is None:
            judgement = self.judge_answer(claims, hits, question)
        whole = {
            **(judgement.signals() if judgement else {}),
            **self.answer_signals(claims, hits, question),
        }
        for claim, (sig, sentence, source) in zip(
            claims, self.signals(claims, hits, question), strict=True
        ):
            sig.update(whole)
            sig["invented_share"] = invented_share(claim.text, asked, known)
            if token_logprobs:
                inside = [lp for off, lp in token_logprobs if claim.start <= off < claim.end]
                if inside:
                    sig["generator_logprob"] = sum(inside) / len(inside)
                    sig["generator_min_logprob"] = min(inside)
            if relevance:  # retrieved passages (not a given context): how close the best one was
                sig["retrieval_similarity"] = max(relevance)
            p = self.probability(sig) if hits else 0.0
            flagged = p < self.threshold or (self.config.flag_invented and is_invented(sig))
            label = self.band(p, flagged)
            signals = {**sig, "fused_logit": _logit(p)}
            verdicts.append(Verdict(claim, p, flagged, sentence, source, signals, label))
        return verdicts

    @property
    def answerable(self) -> FusionModel | None:
        """The fitted decline rule (answerable.py), when the fit in use has one."""
        rule = self.fusion.meta.get("answerable")
        return from_dict(rule) if rule else None

    @property
    def decline_below(self) -> float:
        """Decline when the judgement's decline_score is below this: the fitted rule's threshold
        (as log-odds), else the answer judge's "holds" threshold."""
        rule = self.answerable
        if rule is not None:
            return _logit(rule.threshold)
        return float(self.fusion.meta.get("holds_below", -math.inf))

    @property
    def supported_above(self) -> float:
        """Claims at or above this probability are 'supported' (a fit's own band, if it has one)."""
        return float(self.fusion.meta.get("supported_above", max(0.5, self.threshold)))

    def band(self, probability: float, flagged: bool) -> VerdictLabel:
        """supported / not sure / likely wrong: flagged claims are likely wrong."""
        if flagged:
            return "likely wrong"
        return "supported" if probability >= self.supported_above else "not sure"

    def judge_answer(
        self, claims: Sequence[Claim], hits: Sequence[Hit], question: str
    ) -> AnswerJudgement | None:
        """The answer judge's reading of the whole answer (its signals go to each claim).

        Only an answer to a question, against retrieved passages, is judged this way; None when
        the judge is off, not fitted for this profile, or cannot load.
        """
        judge = self.answer_judge if self.judges_answers else None
        if not (claims and hits and question.strip()) or judge is None:
            return None
        answer = " ".join(c.text for c in claims)
        evidence = judge_evidence(question, hits, self.embedder, self.config.answer_judge_chars)
        try:
            judgement = judge.judge(question, answer, evidence)
        except RagassistError as e:  # e.g. not enough memory to export it: verify without it
            log.warning("the answer judge is unavailable (%s); using the cheap fusion", e)
            self.config = replace(self.config, answer_judge=False)
            self._fusion = None
            return None
        weight = float(self.fusion.meta.get("holds_reader_weight", 0.0))
        reading = self.small.reading(question, hits) if weight else None
        if reading is not None:
            judgement = replace(judgement, reader_margin=reading.margin, reader_weight=weight)
        rule = self.answerable
        if rule is not None:
            relevance = max((h.dense_score or 0.0 for h in hits), default=0.0)
            passages = [h.chunk.text for h in hits]
            sig = answerable_signals(judgement.holds_score, question, passages, relevance)
            judgement = replace(judgement, answerable_logit=rule.logit(sig))
        log.info(
            "answer judge: yes-logit %.2f, its answer %r (agreement %.2f), %.1f s",
            judgement.yes_logit,
            judgement.own_answer,
            judgement.agreement,
            judgement.seconds,
        )
        return judgement

    def answer_signals(
        self, claims: Sequence[Claim], hits: Sequence[Hit], question: str
    ) -> dict[str, float]:
        """The small trained models' signals on the whole answer, where the fit in use weighs them."""
        return self.small.signals(self.fusion.features, claims, hits, question)

    def probability(self, signals: dict[str, float]) -> float:
        """The fused probability of one claim's signals (stacked models add their base's logit)."""
        stack_base_logits(self.fusion, signals)
        return self.fusion.probability(signals)

    def verify_text(
        self, answer: str, context: str | Sequence[str], question: str = ""
    ) -> list[Verdict]:
        """Check any answer against any context (a string or several), for other systems too."""
        return self.verify(split_claims(answer), context_hits(context), question)


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def check_answer(
    verifier: Verifier, answer: str, hits: Sequence[Hit], question: str = ""
) -> AnswerVerdict:
    """Split, verify and apply the configured policy: everything the assistant needs in one call."""
    verdicts = verifier.verify(split_claims(answer), hits, question)
    cfg = verifier.config
    return apply_policy(answer, verdicts, cfg.policy, cfg.abstain_below)
