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
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path} line {number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{where} is not valid JSON: {e}") from e
            if not isinstance(data, dict):
                raise InputError(f"{where} must be a JSON object with {expected}")
            yield number, where, data
