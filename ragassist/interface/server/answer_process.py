"""The server's handle on the answer worker process (answer_worker.py): start, answer, restart.

`answer()` runs on the server's generate thread, which only waits on the pipe (waiting releases
the GIL), so the event loop and the search thread stay free while the worker decodes. The
ticket is checked between messages and at least every POLL_S: when the client has gone or the
time is up, the worker is asked to stop at its next token; if it has not stopped GRACE_S later,
it is killed and a new one started. A worker that dies (killed, out of memory) fails its answer
with a clear 500 and is started again at once; the next answer waits until it has loaded.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from ... import errors
from ...config import Config
from .answer_worker import serve
from .answering import ChatResult
from .errors import ApiError
from .jobs import GenerationStopped, Ticket
from .schemas import ChatRequest

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often the ticket is checked while the worker is silent
GRACE_S = 15.0  # how long a stopped answer may take to end before its worker is killed
LOAD_S = 1800.0  # the longest a worker may take to load (the first ONNX export is slow)


class WorkerDied(ApiError):
    """The answer worker process ended during an answer (it is being restarted)."""


class AnswerProcess:
    """One answer worker process, started with 'spawn' (a clean interpreter, no copied threads)."""

    def __init__(self, config: Config, tiny: bool) -> None:
        self.config, self.tiny = config, tiny
        self._context = multiprocessing.get_context("spawn")
        self.process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._cancel = self._context.Event()
        self._loaded = False
        self.model_name = config.generate.model
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        """Start a worker; it loads its models while the caller goes on (see wait_ready)."""
        ours, theirs = self._context.Pipe()
        level = logging.getLogger().getEffectiveLevel()
        self.process = self._context.Process(
            target=serve,
            args=(theirs, self._cancel, self.config, self.tiny, level),
            name="ragassist-answer-worker",
            daemon=True,
        )
        self.process.start()
        theirs.close()  # the child holds its end: EOF here then means the child is gone
        self._conn, self._loaded = ours, False
        log.info("answer worker started (pid %s)", self.process.pid)

    def wait_ready(self, ticket: Ticket | None = None, timeout_s: float = LOAD_S) -> None:
        """Block until the worker has loaded its models; raise its error if it could not.

        An answer waiting for a restarted worker still stops when its ticket says so."""
        if self._loaded:
            return
        if self.process is None:
            self.start()
        conn = self._conn
        assert conn is not None
        give_up = time.monotonic() + timeout_s
        while not conn.poll(POLL_S):
            if ticket is not None:
                ticket.check()
            if time.monotonic() > give_up:
                self._kill()
                raise ApiError(500, f"the answer worker did not load in {timeout_s:.0f} s", "load")
        try:
            kind, value = conn.recv()
        except (EOFError, OSError):
            kind, value = "failed", f"it exited with code {self._exit_code()} while loading"
        if kind != "ready":
            self._kill()
            raise ApiError(500, f"the answer worker could not load: {value}", "load_failed")
        self._loaded, self.model_name = True, value
        log.info("answer worker ready (pid %s, model %s)", self.pid, value)

    def answer(
        self,
        request: ChatRequest,
        model: str,
        ticket: Ticket,
        on_piece: Callable[[str], None] | None = None,
    ) -> ChatResult:
        """Answer in the worker, passing its pieces on; stop it when the ticket says."""
        self.wait_ready(ticket)
        conn = self._conn
        assert conn is not None
        self._cancel.clear()
        conn.send((request, model))
        stop: GenerationStopped | None = None
        kill_at = float("inf")
        while True:
            if conn.poll(POLL_S):
                try:
                    kind, value = conn.recv()
                except (EOFError, OSError):
                    raise self._died() from None
                if kind == "piece":
                    if stop is None and on_piece is not None:
                        on_piece(value)
                else:
                    if stop is not None:
                        raise stop
                    return self._result(kind, value)
            elif self.process is None or not self.process.is_alive():
                raise self._died()
            if stop is None:
                try:
                    ticket.check()
                except GenerationStopped as e:
                    stop, kill_at = e, time.monotonic() + GRACE_S
                    self._cancel.set()
            elif time.monotonic() > kill_at:
                log.warning("the answer worker did not stop in %g s; restarting it", GRACE_S)
                self._kill()
                self.start()
                raise stop

    @staticmethod
    def _result(kind: str, value: Any) -> ChatResult:
        """The answer, or the error the worker sent, raised as the server's own."""
        if kind == "done":
            return value  # type: ignore[no-any-return]
        if kind == "api_error":
            status, message, code, param = value
            raise ApiError(status, message, code, param)
        if kind == "error":
            name, message = value
            cls = getattr(errors, name, errors.RagassistError)
            error = Exception.__new__(cls)
            error.args = (message,)
            raise error
        raise RuntimeError(f"the answer failed in the answer worker: {value}")

    def _died(self) -> WorkerDied:
        """The error for an answer whose worker ended; a new worker starts loading at once."""
        code = self._exit_code()
        self._kill()
        self.restarts += 1
        self.start()
        log.error("the answer worker died (exit code %s); restarted it", code)
        return WorkerDied(
            500,
            f"the answer worker process ended during this answer (exit code {code}); "
            "a new one is loading: retry in a moment (GET /health shows it)",
            "worker_died",
        )

    def _exit_code(self) -> int | None:
        if self.process is None:
            return None
        self.process.join(timeout=1)
        return self.process.exitcode

    def _kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self.process, self._conn, self._loaded = None, None, False

    def stop(self) -> None:
        """Ask the worker to end, and make sure it has."""
        if self._conn is not None:
            try:
                self._conn.send(None)
            except OSError:
                pass
        if self.process is not None:
            self.process.join(timeout=5)
        self._kill()
