"""Reading a user's JSONL input: one JSON object a line, errors that name the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError


def json_objects(
    path: Path, option: str, expected: str
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line number, 'PATH line N', object) per non-blank line; InputError for a bad line or file.

    `option` names the flag that gave the path (e.g. '--file'); `expected` says what a line holds.
    """
    if not path.is_file():
        raise InputError(f"{option} {path} does not exist; pass a JSONL file of {expected}")
    with path.open("rb") as f:  # decoded line by line, so a bad byte names its line
        for number, raw in enumerate(f, start=1):
            where = f"{path} line {number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise InputError(
                    f"{where} is not UTF-8 text (bad byte 0x{raw[e.start]:02x} at column "
                    f"{e.start + 1}); save the file as UTF-8"
                ) from e
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except RecursionError as e:  # '[[[[...' thousands deep
                raise InputError(f"{where} is nested too deeply to be a row of {expected}") from e
            except ValueError as e:  # JSONDecodeError, or an integer of over 4,300 digits
                raise InputError(f"{where} is not valid JSON: {e}") from e
            if not isinstance(data, dict):
                raise InputError(f"{where} must be a JSON object with {expected}")
            yield number, where, data
