"""A terminal as a test sees it: what a pexpect child has shown, read up to a moving cursor.

Shared by the chat shell's tests (tests/interface/test_repl.py) and the chat-during-commits test
(tests/robustness/test_chat_reindex.py).
"""

from __future__ import annotations

import re
import time

import pytest

pexpect = pytest.importorskip("pexpect")

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b\][^\x07]*\x07")
SPINNER = re.compile(r"[\u2800-\u28ff]|searching the documents…|loading models[^\n\r]*")


class Screen:
    """What the terminal has shown, with escape sequences removed, read up to a moving cursor."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child, self.raw, self.pos = child, "", 0

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw).replace("\r", "")

    def _read(self) -> None:
        try:
            self.raw += self.child.read_nonblocking(65536, timeout=0.2)
        except pexpect.TIMEOUT:
            pass

    def wait_for(self, needle: str, timeout: float = 60) -> str:
        """Read until `needle` appears after the cursor; move the cursor past it."""
        end = time.monotonic() + timeout
        while True:
            i = self.text.find(needle, self.pos)
            if i >= 0:
                seen, self.pos = self.text[self.pos : i + len(needle)], i + len(needle)
                return seen
            if time.monotonic() > end:
                pytest.fail(
                    f"{needle!r} not shown in {timeout}s; screen tail:\n{self.text[-1500:]}"
                )
            self._read()

    def wait_for_stream(self, timeout: float = 60) -> str:
        """Read until answer text (anything besides the spinner) appears after the cursor."""
        end = time.monotonic() + timeout
        while True:
            fresh = SPINNER.sub("", self.text[self.pos :])
            if fresh.strip():
                return fresh
            if time.monotonic() > end:
                pytest.fail(f"no answer streamed in {timeout}s; screen tail:\n{self.text[-1500:]}")
            self._read()

    def type(self, line: str) -> None:
        self.child.send(line + "\r")
