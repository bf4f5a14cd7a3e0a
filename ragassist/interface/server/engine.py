"""The models and the index behind the server, loaded once, each pinned to a worker.

Three single-thread workers and one process, so that searches never wait behind an answer:
  generate  answers, one at a time through jobs.GenerationQueue: the thread only waits on the
            answer worker process (answer_process.py), which holds the generator, the verifier
            and its own Assistant, away from this process's GIL
  read      search, verify, embeddings, the document list
  index     uploads and deletions, one indexing job at a time
The read and index workers each have their own Assistant (SQLite connections belong to the
thread that opened them; each reads the index generation the indexer last committed), and
share one embedder behind a lock. The answer worker reads the same index from its own process.
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
from ...generation.models import REGISTRY
from ...index.embed import Embedder, get_embedder
from ...verification.verifier import Verifier
from .answer_process import AnswerProcess
from .errors import ApiError
from .jobs import GenerationQueue
from .testing import WINDOW as TINY_WINDOW
from .testing import tiny_enabled

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
    """Everything the endpoints use: config, the workers, the answer process, the queue, status."""

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
        self.answers = AnswerProcess(config, self.tiny)  # used from the generate worker only
        self.reader: Assistant | None = None  # read worker only
        self.indexer: Assistant | None = None  # index worker only
        self.checker: Verifier | None = None  # read worker only: /v1/verify

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def model_name(self) -> str:
        """The name clients use for the default generator."""
        return self.answers.model_name

    def offered_models(self) -> list[str]:
        """The default generator first, then the other packaged generators (never in test mode)."""
        names = [self.model_name]
        if not self.tiny:
            names += [n for n, e in REGISTRY.items() if e.role == "generator" and n not in names]
        return names

    def check_model(self, name: str | None) -> str:
        """The generator name to use; 404 in OpenAI's words when it is not one the server offers."""
        if name in (None, "", "ragassist", self.model_name):
            return self.model_name
        offered = self.offered_models()
        if name not in offered:
            raise ApiError(
                404,
                f"the model {name!r} does not exist here; use one of: {', '.join(offered)} "
                "(GET /v1/models lists them)",
                "model_not_found",
                "model",
            )
        return name

    def load(self, progress: Callable[[str], None] = lambda step: None) -> None:
        """Load every model and open the index on its worker (blocking); status says how far."""
        began = time.perf_counter()
        try:
            self.answers.start()  # the answer worker loads its models meanwhile
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
            self._step(progress, "verifier")
            self.checker = self.read_pool.submit(self._make_checker, embedder).result()
            self._step(progress, "generator")
            self.generate_pool.submit(self.answers.wait_ready).result()
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

    def _make_checker(self, embedder: SharedEmbedder) -> Verifier:
        checker = Verifier(self.config.verify, embedder=embedder)
        _ = checker.fusion
        return checker

    async def on_read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(*args) on the read worker (search, verify, embeddings)."""
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(self.read_pool, fn, *args)

    def shutdown(self) -> None:
        for pool in (self.generate_pool, self.read_pool, self.index_pool):
            pool.shutdown(wait=False, cancel_futures=True)
        self.answers.stop()
