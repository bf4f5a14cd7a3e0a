"""One answer at a time, in order: a bounded queue, 429 past it, cancel and timeout per answer.

On 2 cores a generator decodes one answer at a time, so answers run on one worker thread in
arrival order (asyncio.Lock wakes its waiters first in, first out). At most `max_waiting`
requests wait behind the running one; the next is refused with 429 and a Retry-After estimated
from recent answer times. A ticket carries the cancel flag and the deadline; the answer's
on_token callback checks it at every token, so a client that goes away or an answer that runs
too long stops within one token instead of running to its end.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

from .errors import ApiError

log = logging.getLogger(__name__)

T = TypeVar("T")


class GenerationStopped(Exception):
    """Raised inside the worker (from on_token) to end an answer early; never reaches a client."""


class Cancelled(GenerationStopped):
    """The client went away."""


class TimedOut(GenerationStopped):
    """The answer ran past the server's time limit."""


class Ticket:
    """One admitted request: its cancel flag and deadline, checked from the worker thread."""

    def __init__(self, queue: GenerationQueue) -> None:
        self._queue = queue
        self._cancel = threading.Event()
        self._released = False
        self.deadline = math.inf  # set when the answer starts, not while it waits
        self.timeout_s = queue.timeout_s

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Stop the answer if its client left or its time is up (called at every token)."""
        if self._cancel.is_set():
            raise Cancelled("the client disconnected")
        if time.monotonic() > self.deadline:
            raise TimedOut(f"the answer ran past the server's limit of {self.timeout_s:g} s")

    def release(self) -> None:
        """Leave the queue (idempotent: called on every way out)."""
        if not self._released:
            self._released = True
            self._queue.admitted -= 1


class GenerationQueue:
    """Admits at most 1 running + `max_waiting` waiting answers and runs them one at a time."""

    def __init__(self, executor: Executor, max_waiting: int = 8, timeout_s: float = 300.0) -> None:
        self.executor = executor
        self.max_waiting = max_waiting
        self.timeout_s = timeout_s
        self.admitted = 0  # running + waiting
        self.served = 0
        self.refused = 0
        self._durations: deque[float] = deque(maxlen=20)
        self._lock: asyncio.Lock | None = None  # made in the event loop that uses it

    @property
    def waiting(self) -> int:
        return max(0, self.admitted - 1)

    def retry_after(self) -> int:
        """Seconds until a place is likely free: the typical answer time times the queue ahead."""
        typical = sorted(self._durations)[len(self._durations) // 2] if self._durations else 5.0
        return max(1, math.ceil(typical * (self.waiting + 1)))

    def enter(self) -> Ticket:
        """A place in the queue, or ApiError 429 with Retry-After when it is full."""
        if self.admitted >= 1 + self.max_waiting:
            self.refused += 1
            wait = self.retry_after()
            raise ApiError(
                429,
                f"the server is busy: 1 answer running and {self.waiting} waiting (the limit); "
                f"retry in about {wait} s",
                "queue_full",
                headers={"Retry-After": str(wait)},
            )
        self.admitted += 1
        return Ticket(self)

    async def run(self, ticket: Ticket, job: Callable[[Ticket], T]) -> T:
        """Wait for our turn, run job(ticket) on the worker thread, release the place after.

        If the awaiting task is cancelled (the client left), the ticket is cancelled and the
        lock is held until the worker has really stopped, so answers never overlap.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        try:
            async with self._lock:
                if ticket.cancelled:
                    raise Cancelled("the client disconnected while waiting")
                began = time.monotonic()
                ticket.deadline = began + self.timeout_s
                loop = asyncio.get_running_loop()
                future = loop.run_in_executor(self.executor, job, ticket)
                try:
                    result = await asyncio.shield(future)
                except asyncio.CancelledError:
                    ticket.cancel()
                    await asyncio.wait([future])
                    raise
                self._durations.append(time.monotonic() - began)
                self.served += 1
                return result
        finally:
            ticket.release()
