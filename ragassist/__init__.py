"""ragassist: a local, offline document assistant that cites its sources and says when it might be wrong."""

import logging

from .assistant import Assistant
from .config import Config
from .types import Answer, Chunk, Claim, Document, Hit, Verdict

__all__ = ["Answer", "Assistant", "Chunk", "Claim", "Config", "Document", "Hit", "Verdict"]
__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
