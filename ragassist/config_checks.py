"""Checks every configured value: a choice among names, a number in range, the type of a default.

Each raises ConfigError naming the setting and the value given, so a bad ragassist.toml line or
environment variable says what to write instead.
"""

from __future__ import annotations

from typing import Any, get_args

from .errors import ConfigError


def check_choice(name: str, value: object, literal: Any) -> None:
    """The value is one of the Literal type's names."""
    allowed = get_args(literal)
    if value not in allowed:
        raise ConfigError(
            f"{name} given as {value!r} must be one of {', '.join(map(str, allowed))}"
        )


def check_range(name: str, value: float, low: float, high: float) -> None:
    """low <= value <= high."""
    if not low <= value <= high:
        raise ConfigError(f"{name} given as {value!r} must be between {low} and {high}")


def check_type(name: str, value: object, default: object) -> None:
    """A value read from a file has the type of the field's default (an int may stand for a float)."""
    ok: bool
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int | float):
        ok = isinstance(value, int | (float if isinstance(default, float) else int))
        ok = ok and not isinstance(value, bool)
    elif isinstance(default, tuple):
        ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        kind = "a list of strings" if isinstance(default, tuple) else type(default).__name__
        raise ConfigError(f"{name} given as {value!r} must be {kind} (like {default!r})")
