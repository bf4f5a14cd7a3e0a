"""ragassist: a local, offline document assistant that cites its sources and says when it might be wrong.

The public names load on first use, so `import ragassist` (and the CLI's start-up) stays fast.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .assistant import Assistant
    from .config import Config
    from .interface.chat import Conversation
    from .types import Answer, Chunk, Claim, Document, Hit, Verdict
    from .verification.verifier import Verifier

__all__ = [
    "Answer",
    "Assistant",
    "Chunk",
    "Claim",
    "Config",
    "Conversation",
    "Document",
    "Hit",
    "Verdict",
    "Verifier",
]
__version__ = "0.1.0"

_WHERE = {
    "Assistant": ".assistant",
    "Config": ".config",
    "Conversation": ".interface.chat",
    "Verifier": ".verification.verifier",
} | {name: ".types" for name in ("Answer", "Chunk", "Claim", "Document", "Hit", "Verdict")}

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
