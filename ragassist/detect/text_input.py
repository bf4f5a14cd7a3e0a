"""What the detector accepts: plain UTF-8 text; binary, undecodable and huge input is refused clearly."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

MAX_BYTES = 10 << 20  # larger input is refused (a 1 MB text is scored in sampled windows)
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}  # control bytes besides tab, newlines, form feed


def decode_text(data: bytes, name: str = "the input") -> str:
    """The text of raw bytes, or InputError naming what is wrong (empty, binary, not UTF-8, too big)."""
    if len(data) > MAX_BYTES:
        raise _too_big(name, len(data))
    head = data[:8192]
    if b"\x00" in head or (head and sum(b in _CONTROL for b in head) / len(head) > 0.05):
        raise InputError(
            f"{name} looks binary (NUL or control bytes near the start): detect scores plain "
            "UTF-8 text; extract the text first (for example with pdftotext)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{name} is not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); convert it "
            "first, for example: iconv -f latin1 -t utf-8 FILE"
        ) from e
    return check_text(text, name)


def _too_big(name: str, size: int) -> InputError:
    return InputError(
        f"{name} has {size:,} bytes; detect reads at most {MAX_BYTES:,}: "
        "pass an excerpt (a few paragraphs are enough)"
    )


def check_text(text: str, name: str = "the input") -> str:
    """The text itself, or InputError when it is empty or whitespace only."""
    if not text.strip():
        raise InputError(f"{name} is empty: there is no text to score")
    return text


def read_text_file(path: Path) -> str:
    """A file's text through decode_text; a missing or unreadable file is an InputError too."""
    try:
        if path.is_dir():
            raise InputError(f"{path} is a folder: give the text files themselves")
        if (size := path.stat().st_size) > MAX_BYTES:
            raise _too_big(str(path), size)
        return decode_text(path.read_bytes(), str(path))
    except OSError as e:
        raise InputError(f"{path} cannot be read: {e.strerror or e}") from e
