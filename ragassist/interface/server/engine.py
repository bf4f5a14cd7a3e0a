"""The models and the index behind the server, loaded once, each pinned to a worker thread.

Three single-thread workers, so that searches and verifications never wait behind an answer:
  generate  answers (the generator decodes one answer at a time), through jobs.GenerationQueue
  read      search, verify, embeddings, the document list
  index     uploads and deletions, one indexing job at a time
Each worker has its own Assistant (SQLite connections belong to the thread that opened them;
each reads the index generation the indexer last committed), and all share one embedder behind
a lock. The generator lives on the generate worker only.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from ...assistant import Assistant
from ...config import Config
from ...generation.backends import make_generator
from ...generation.decoding import DecodingLoop
from ...index.embed import Embedder, get_embedder
from ...verification.verifier import Verifier
from .jobs import GenerationQueue
from .testing import WINDOW as TINY_WINDOW
from .testing import ScriptedGenerator, tiny_enabled

log = logging.getLogger(__name__)

T = TypeVar("T")
SLICE = 8  # texts embedded per turn of the shared embedder's lock


class SharedEmbedder:
    """One embedder for every worker thread, one call at a time.

    A fast tokenizer used by two threads at once can fail ("Already borrowed"), so calls are
    serialised (a query embeds in milliseconds) and the splitter gets its own tokenizer copy.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in slices of SLICE texts, taking the lock per slice: a search's one query then
        waits for one slice of a verification's many evidence windows, not for all of them."""
        if len(texts) <= SLICE:
            with self._lock:
                return self.inner.embed(texts)
        parts = []
        for i in range(0, len(texts), SLICE):
            with self._lock:
                parts.append(self.inner.embed(texts[i : i + SLICE]))
        return np.concatenate(parts)

    @functools.cached_property
    def tokenizer(self) -> Any:
        with self._lock:
            tok = getattr(self.inner, "tokenizer", None)
            return copy.deepcopy(tok) if tok is not None else None


class Engine:
    """Everything the endpoints use: config, the three workers, the generation queue, status."""

    def __init__(
        self, config: Config, max_waiting: int = 8, timeout_s: float = 300.0, tiny: bool = False
    ) -> None:
        self.tiny = tiny or tiny_enabled()
        if self.tiny:
            config = dataclasses.replace(
                config,
                embed=dataclasses.replace(config.embed, model="hash-64"),
                retrieve=dataclasses.replace(config.retrieve, min_relevance=0.0),
                generate=dataclasses.replace(config.generate, context_tokens=TINY_WINDOW),
                verify=dataclasses.replace(config.verify, answer_judge=False),  # no 1.5B here
            )
        self.config = config
        self.generate_pool = ThreadPoolExecutor(1, thread_name_prefix="ragassist-generate")
        self.read_pool = ThreadPoolExecutor(1, thread_name_prefix="ragassist-read")
        self.index_pool = ThreadPoolExecutor(1, thread_name_prefix="ragassist-index")
        self.queue = GenerationQueue(self.generate_pool, max_waiting, timeout_s)
        self.status, self.step, self.error = "loading", "starting", ""
        self.load_seconds = 0.0
        self.embedder: SharedEmbedder | None = None
        self.answerer: Assistant | None = None  # generate worker only
        self.reader: Assistant | None = None  # read worker only
        self.indexer: Assistant | None = None  # index worker only
        self.checker: Verifier | None = None  # read worker only: /v1/verify
        self.generators: dict[str, DecodingLoop] = {}  # generate worker only

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def model_name(self) -> str:
        """The name clients use for the default generator."""
        return next(iter(self.generators), self.config.generate.model)

    def load(self, progress: Callable[[str], None] = lambda step: None) -> None:
        """Load every model and open the index on its worker (blocking); status says how far."""
        began = time.perf_counter()
        try:
            self._step(progress, "embedder")
            e = self.config.embed
            inner = get_embedder(e.model, e.batch_size, e.backend, e.threads)
            inner.embed(["warm up"])
            embedder = self.embedder = SharedEmbedder(inner)
            self._step(progress, "index")
            self.reader = self.read_pool.submit(Assistant, self.config, embedder).result()
            self.read_pool.submit(self._open, self.reader).result()
            self.indexer = self.index_pool.submit(Assistant, self.config, embedder).result()
            self.index_pool.submit(self._open, self.indexer).result()
            self._step(progress, "generator")
            self.answerer = self.generate_pool.submit(self._make_answerer, embedder).result()
            self._step(progress, "verifier")
            self.checker = self.read_pool.submit(self._make_checker, embedder).result()
            self.generate_pool.submit(self._warm_verifier).result()
        except Exception as e:
            self.status, self.error = "failed", str(e)
            log.error("loading failed: %s", e)
            raise
        self.load_seconds = time.perf_counter() - began
        self.status, self.step = "ready", "ready"
        progress("ready")

    def _step(self, progress: Callable[[str], None], step: str) -> None:
        self.step = step
        log.info("loading %s", step)
        progress(step)

    @staticmethod
    def _open(assistant: Assistant) -> None:
        """Open the index in this thread (its SQLite connection stays here) and load its files."""
        if assistant.store.count():
            assistant.search_index.refresh()

    def _make_answerer(self, embedder: SharedEmbedder) -> Assistant:
        assistant = Assistant(self.config, embedder=embedder)
        self._open(assistant)
        if self.tiny:
            generator: DecodingLoop = ScriptedGenerator(self.config.generate)
        else:
            generator = assistant.generator
        _ = (
            generator.model,
            generator.tokenizer,
            generator.window,
        )  # load now, not at the first question
        assistant.__dict__["generator"] = generator
        self.generators[generator.name if self.tiny else self.config.generate.model] = generator
        return assistant

    def _make_checker(self, embedder: SharedEmbedder) -> Verifier:
        checker = Verifier(self.config.verify, embedder=embedder)
        _ = checker.fusion
        return checker

    def _warm_verifier(self) -> None:
        if self.config.verify.enabled and self.answerer is not None:
            verifier = self.answerer.verifier
            if verifier.judges_answers and verifier.answer_judge is not None:
                verifier.answer_judge.load()  # the 1.5B loads now, not at a question

    def generator_for(self, name: str) -> DecodingLoop:
        """The loaded generator for a model name, loading another packaged one on demand.

        Runs on the generate worker. Besides the default, one other generator stays loaded.
        """
        if name in self.generators:
            return self.generators[name]
        default = next(iter(self.generators))
        for other in [n for n in self.generators if n != default]:
            del self.generators[other]
        gen = make_generator(dataclasses.replace(self.config.generate, model=name))
        _ = gen.model
        self.generators[name] = gen
        return gen

    async def on_read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(*args) on the read worker (search, verify, embeddings)."""
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(self.read_pool, fn, *args)

    def shutdown(self) -> None:
        for pool in (self.generate_pool, self.read_pool, self.index_pool):
            pool.shutdown(wait=False, cancel_futures=True)
