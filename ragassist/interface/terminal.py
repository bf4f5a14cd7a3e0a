"""The two consoles the interface talks through: answers to stdout, errors and progress to stderr.

Errors are not hard-wrapped: a terminal wraps long lines itself, and a script reading stderr gets
each message as written, on one line.
"""

from __future__ import annotations

from rich.console import Console

out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)
