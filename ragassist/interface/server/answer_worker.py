"""The answer worker: a child process that holds the generator and answers, one at a time.

onnxruntime-genai holds the GIL for every token (and the answer judge for every forward pass),
so in the server's own process a search waited behind a generation. Here they run in a child
process with its own Assistant (its own embedder, index reader, generator and verifier); the
server's process keeps only what searches and uploads need. The server talks to it over a pipe:

  server -> worker   (ChatRequest, model name) to answer; None to stop
  worker -> server   ("ready", default model) or ("failed", message) once, after loading;
                     per answer: ("piece", text)*, then one of ("done", ChatResult),
                     ("stopped", None), ("api_error", (status, message, code, param)),
                     ("error", (error class name, message)), ("crash", message)

A shared Event asks the running answer to stop; the worker checks it at every token.
"""

from __future__ import annotations

import dataclasses
import logging
import signal
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

from ...assistant import Assistant
from ...config import Config
from ...errors import RagassistError
from ...generation.backends import make_generator
from ...generation.decoding import DecodingLoop
from .answering import answer_chat
from .errors import ApiError
from .jobs import Cancelled, GenerationStopped
from .schemas import ChatRequest
from .testing import ScriptedGenerator

log = logging.getLogger(__name__)


class Answerer:
    """The models answers need, loaded in the worker: the Assistant and its generators."""

    def __init__(self, config: Config, tiny: bool) -> None:
        self.config, self.tiny = config, tiny
        self.assistant = Assistant(config)
        self.generators: dict[str, DecodingLoop] = {}

    @property
    def model_name(self) -> str:
        return next(iter(self.generators), self.config.generate.model)

    def load(self) -> None:
        """Load the embedder, the index, the generator and the verifier now, not at a question."""
        assistant = self.assistant
        assistant.embedder.embed(["warm up"])
        if assistant.store.count():
            assistant.search_index.refresh()
        if self.tiny:
            generator: DecodingLoop = ScriptedGenerator(self.config.generate)
        else:
            generator = assistant.generator
        _ = (generator.model, generator.tokenizer, generator.window)
        assistant.__dict__["generator"] = generator
        self.generators[generator.name if self.tiny else self.config.generate.model] = generator
        if self.config.verify.enabled:
            verifier = assistant.verifier
            _ = verifier.fusion
            if verifier.judges_answers and verifier.answer_judge is not None:
                verifier.answer_judge.load()  # the 1.5B loads now, not at a question

    def generator_for(self, name: str) -> DecodingLoop:
        """The loaded generator for a model name, loading another packaged one on demand.

        Besides the default, one other generator stays loaded.
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


def serve(conn: Connection, cancel: Event, config: Config, tiny: bool, log_level: int) -> None:
    """The worker's main loop (the child process's target): load, then answer until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's; it stops us after
    logging.basicConfig(level=log_level, format="%(levelname)s answer worker %(name)s: %(message)s")
    try:
        answerer = Answerer(config, tiny)
        answerer.load()
    except Exception as e:
        log.error("loading failed: %s", e)
        conn.send(("failed", f"{type(e).__name__}: {e}" if not str(e) else str(e)))
        return
    conn.send(("ready", answerer.model_name))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the server is gone
            return
        if message is None:
            return
        request, model = message
        try:
            conn.send(_answer(answerer, conn, cancel, request, model))
        except (BrokenPipeError, EOFError, OSError):
            return


def _answer(
    answerer: Answerer, conn: Connection, cancel: Event, request: ChatRequest, model: str
) -> tuple[str, Any]:
    """One answer, its pieces sent as they come; the last message, to send when it ends."""

    def check() -> None:
        if cancel.is_set():
            raise Cancelled("the server asked the answer to stop")

    try:
        result = answer_chat(
            answerer.assistant,
            answerer.generator_for,
            request,
            model,
            check,
            lambda p: conn.send(("piece", p)),
        )
    except GenerationStopped:
        return ("stopped", None)
    except ApiError as e:
        return ("api_error", (e.status, e.message, e.code, e.param))
    except RagassistError as e:
        return ("error", (type(e).__name__, str(e)))
    except (BrokenPipeError, EOFError):
        raise
    except Exception as e:  # sent back as a server error; the worker keeps serving
        log.exception("the answer failed")
        return ("crash", f"{type(e).__name__}: {e}")
    return ("done", result)
