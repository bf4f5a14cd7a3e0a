"""The Assistant: one object that indexes, searches and answers, the stages written out in order."""

from __future__ import annotations

import functools
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .config import Config
from .documents.corpora import select_sources
from .documents.split import Splitter
from .errors import IndexStateError
from .generation.backends import make_generator
from .generation.citations import check_citations, evidence_citations, has_content, is_abstention
from .generation.decoding import DecodingLoop, Trace
from .generation.prompt import ABSTAIN, build_prompt, validate_question
from .image import is_image_request
from .image.answer import answer_with_image
from .index.embed import Embedder, get_embedder
from .index.indexer import IndexReport
from .index.lock import write_lock
from .index.manifest import check_manifest, manifest_of
from .index.ray_index import make_indexer
from .index.retrieve import Retriever
from .index.search_index import SearchIndex
from .index.store import Store
from .types import Answer, Claim, Hit, worst_label
from .verification.claims import split_claims
from .verification.evidence import excerpts
from .verification.policy import apply_policy
from .verification.reading import decide, show_reading
from .verification.verifier import Verifier

log = logging.getLogger(__name__)


class Assistant:
    """Index documents, search them, answer questions from them. Models load on first use."""

    def __init__(
        self,
        config: Config | None = None,
        embedder: Embedder | None = None,
        generator: DecodingLoop | None = None,
        verifier: Verifier | None = None,
    ) -> None:
        """Any stage can be passed in (tests, custom models); the rest is built from config on use."""
        self.config = config or Config.load()
        self._embedder = embedder
        if generator is not None:
            self.__dict__["generator"] = generator
        if verifier is not None:
            self.__dict__["verifier"] = verifier

    @functools.cached_property
    def embedder(self) -> Embedder:
        e = self.config.embed
        return self._embedder or get_embedder(e.model, e.batch_size, e.backend, e.threads)

    @functools.cached_property
    def store(self) -> Store:
        store = Store(self.config.index_dir)
        check_manifest(store.meta(), self.manifest(), self.config.index_dir)
        return store

    @functools.cached_property
    def search_index(self) -> SearchIndex:
        return SearchIndex(self.store, self.embedder.dim, self.config.index.flat_below)

    @functools.cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.search_index, self.embedder, self.config.retrieve)

    def manifest(self) -> dict[str, object]:
        """What the index was built with; stored in it and checked on every open."""
        return manifest_of(self.embedder.name, self.embedder.dim, self.config.split)

    # indexing -------------------------------------------------------------------
    def index(
        self,
        paths: Sequence[str | Path] = (),
        corpus: str | None = None,
        rebuild: bool = False,
        progress: bool = False,
        ray: str | None = None,
        ray_workers: int | None = None,
        on_commit: Callable[[IndexReport], None] | None = None,
        on_progress: Callable[[IndexReport], None] | None = None,
    ) -> IndexReport:
        """Bring the index in line with these files/folders (or a built-in corpus), incrementally;
        on Ray actors when `ray` is an address ("local", "auto", ...); `on_commit` sees each
        batch, `on_progress` each file split and each batch."""
        folder = self.config.index_dir
        with write_lock(folder):
            if rebuild:
                self._wipe(folder)
            chosen = select_sources(list(paths), corpus, int(self.config.index.max_file_mb * 1e6))
            with self.store.transaction() as db:
                self.store.set_meta(db, **self.manifest())
            indexer = make_indexer(
                self.store, self.search_index, self._splitter, self.config.split,
                self.embedder, ray, ray_workers, on_commit, on_progress,
            )  # fmt: skip
            report = indexer.run(chosen.sources, chosen.scopes, progress=progress)
            report.ignored = chosen.ignored
            return report

    def _splitter(self) -> Splitter:
        """Built only when something must be split: the tokenizer loads the embedding model."""
        return Splitter(self.config.split, getattr(self.embedder, "tokenizer", None))

    def _wipe(self, folder: Path) -> None:
        for name in ("store", "search_index", "retriever"):
            self.__dict__.pop(name, None)
        for path in folder.iterdir():
            if path.name != ".lock":
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    # retrieval ------------------------------------------------------------------
    def search(
        self, query: str, k: int | None = None, mode: str | None = None, source: str | None = None
    ) -> list[Hit]:
        """The k passages that best match the query (hybrid by default)."""
        if self.store.count() == 0:
            raise IndexStateError(
                f"the index in {self.config.index_dir} is empty; add documents with `ragassist index PATH`"
            )
        return self.retriever.search(query, k, mode, source)  # type: ignore[arg-type]

    # answering ------------------------------------------------------------------
    @functools.cached_property
    def generator(self) -> DecodingLoop:
        return make_generator(self.config.generate)

    def answer(
        self,
        question: str | bytes,
        k: int | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Retrieve, prompt, generate (streaming to on_token), check citations; abstain when unsupported."""
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = now - clock
            clock = now

        # 1. a clean question (empty, non-UTF-8 and over-long ones are refused)
        text = validate_question(question)
        result = Answer(question=text, text="", models={"embedder": self.embedder.name})
        # 2. the passages that best match it
        hits = self.search(text, k)
        result.hits, result.timings = hits, timings
        lap("retrieve")
        # 3. a request for a picture goes to the image model, conditioned on what the documents say
        if is_image_request(text):
            answer_with_image(result, hits, self.config.retrieve.min_relevance)
            lap("image")
            if on_token:
                on_token(result.text)
            return result
        # 4. nothing relevant enough: say so instead of answering from the model's memory
        best = max((h.dense_score or 0.0 for h in hits), default=0.0)
        if best < self.config.retrieve.min_relevance:
            return self._abstain(
                result,
                f"best passage similarity {best:.2f} is below "
                f"retrieve.min_relevance {self.config.retrieve.min_relevance:.2f}",
                on_token,
            )
        # 5. the prompt: numbered passages fenced as data, fitted to the model window
        gen = self.generator
        chars = self.config.generate.excerpt_chars  # a prompt setting, not the model's
        shown = excerpts(text, hits, self.embedder, chars) if chars else None
        prompt = build_prompt(
            text, hits, gen.tokenizer, gen.window,
            gen.config.max_new_tokens, gen.config.max_question_tokens, shown,
        )  # fmt: skip
        result.models["generator"] = gen.name
        lap("prompt")
        # 6. generate, streaming each piece as it comes
        pieces = []
        for piece in gen.generate(prompt):
            pieces.append(piece)
            if on_token:
                on_token(piece)
        lap("generate")
        trace = gen.last_trace
        result.generation = {
            "prompt_tokens": trace.prompt_tokens,
            "new_tokens": len(trace.steps),
            "first_token_s": trace.first_token_s,
            "tokens_per_s": trace.tokens_per_s,
        }
        # 7. citations must point at passages that were retrieved
        checked = check_citations("".join(pieces).strip(), prompt.hits)
        result.text, result.citations = checked.text, checked.citations
        if checked.invalid:
            result.reason = f"removed citations to passages that do not exist: {checked.invalid}"
        # 8. the model declined, or wrote no text ("[2]" alone: a decline the judge may answer)
        declined = is_abstention(result.text)
        if not declined and not has_content(result.text):
            empty = f"the model's answer {result.text!r} had no text"
            if not (self.config.verify.enabled and self.verifier.judges_answers):
                return self._abstain(result, empty, None)
            declined, result.reason = True, empty
        # 9. a second model checks every claim (or the decline) against the retrieved passages
        # (all of them, whole, as the verifier was fitted; the prompt may have shown excerpts)
        if self.config.verify.enabled:
            self._verify(result, hits, gen.last_trace, declined)
            lap("verify")
        elif declined:
            self._abstain(result, "the model found no answer in the passages", None)
        return result

    @functools.cached_property
    def verifier(self) -> Verifier:
        """The second model, never the generator; own answers use `verify.answer_profile`."""
        return Verifier.for_answers(self.config.verify, self.config.generate.model, self.embedder)

    def _verify(self, result: Answer, hits: list[Hit], trace: Trace, declined: bool) -> None:
        """Score each claim; the answer judge may decline or answer with its own reading; then
        flag, drop (strict) or refuse (abstain) as the policy says."""
        cfg, verifier = self.config.verify, self.verifier
        claims = [Claim(ABSTAIN)] if declined else split_claims(result.text)
        judgement = verifier.judge_answer(claims, hits, result.question)
        judge_name = f"the answer judge ({cfg.answer_judge_model})"
        if judgement is not None:
            result.models["answer judge"] = cfg.answer_judge_model
            result.judge = judgement.signals() | {"own_answer": judgement.own_answer}
        if declined:
            decision = decide(judgement, None, verifier.decline_below, judge_name)
            if decision.action == "replace":
                return show_reading(result, decision, verifier, hits)
            reason = "; ".join(
                r for r in ("the model found no answer in the passages", decision.reason) if r
            )
            self._abstain(result, reason, None)
            return
        verdicts = verifier.verify(claims, hits, result.question, trace.offsets(), judgement)
        judged = apply_policy(result.text, verdicts, cfg.policy, cfg.abstain_below)
        result.verdicts = judged.verdicts
        if not result.citations:  # the model cited nothing: point at where the evidence was found
            result.citations = evidence_citations(judged.verdicts, hits)
        result.support = judged.probability if verdicts else None
        if verifier.judge is not None:
            result.models["judge"] = cfg.judge_model
        reason = "; ".join(r for r in (result.reason, judged.reason, judged.note) if r)
        if judged.abstained:
            self._abstain(result, reason, None)
            return
        result.text, result.reason = judged.text, reason
        decision = decide(
            judgement, worst_label(judged.verdicts), verifier.decline_below, judge_name
        )
        if decision.action == "decline":
            result.draft, result.draft_support = result.text, result.support
            self._abstain(result, decision.reason, None)
        elif decision.action == "replace":
            show_reading(result, decision, verifier, hits)

    def _abstain(
        self, result: Answer, reason: str, on_token: Callable[[str], None] | None
    ) -> Answer:
        result.text, result.abstained, result.reason = ABSTAIN, True, reason
        result.citations = []  # nothing is claimed, so nothing is cited
        if on_token:
            on_token(ABSTAIN)
        return result

    def stats(self) -> dict[str, object]:
        """What is indexed and how: counts, sizes on disk, the manifest."""
        files = self.store.files()
        folder = self.config.index_dir
        return {
            "index_dir": str(folder),
            "files": len(files),
            "chunks": self.store.count(),
            "bytes_on_disk": sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
            **self.store.meta(),
        }
