"""Hypothesis profiles for the fuzz tests, and a hard per-example time limit.

The default run keeps a modest number of examples per surface; RAGASSIST_FUZZ=long runs many
more (the figures in docs/robustness.md), and RAGASSIST_FUZZ_EXAMPLES=N sets the count directly.
Hypothesis' deadline reports a slow example; the alarm below turns a real hang into a failure.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": timedelta(seconds=5),
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "derandomize": False,
}
settings.register_profile("default", max_examples=40, **_COMMON)
settings.register_profile("long", max_examples=2000, **_COMMON)
_profile = os.environ.get("RAGASSIST_FUZZ", "default")
if os.environ.get("RAGASSIST_FUZZ_EXAMPLES"):
    settings.register_profile(
        "custom",
        parent=settings.get_profile(_profile),
        max_examples=int(os.environ["RAGASSIST_FUZZ_EXAMPLES"]),
    )
    _profile = "custom"
settings.load_profile(_profile)

HANG_SECONDS = 30.0  # an example still running after this long is a hang, not a slow input


class Hang(Exception):
    """An example ran past HANG_SECONDS."""


@contextmanager
def _within(seconds: float = HANG_SECONDS) -> Iterator[None]:
    def fire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def within() -> Callable[..., AbstractContextManager[None]]:
    """`with within():` fails the example with Hang when it runs past HANG_SECONDS."""
    return _within
