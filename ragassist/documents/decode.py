"""Bytes -> text for plain-text files, whole or in pieces, with one clear error per bad file.

UTF-8 (a byte-order mark is dropped) or UTF-16 with its byte-order mark; NUL bytes near the
start mean a binary file. The same decoder serves a file held whole (one piece) and a big file
read a piece at a time, so both say the same thing about the same bytes.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import LoadError

HEAD_BYTES = 8192  # NUL bytes in this many first bytes mean a binary file
_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode(path: Path, data: bytes) -> str:
    """The text of a whole file's bytes, or a LoadError naming the file and the bad byte."""
    return "".join(decode_pieces(path, [data]))


def decode_pieces(path: Path, pieces: Iterable[bytes]) -> Iterator[str]:
    """The text of a file's bytes given in pieces, piece by piece (a LoadError as in `decode`)."""
    chunks = iter(pieces)
    head = b""
    for piece in chunks:  # enough bytes to recognise the encoding and a binary file
        head += piece
        if len(head) >= HEAD_BYTES:
            break
    utf16 = head.startswith(_UTF16_MARKS)
    if not utf16 and b"\x00" in head[:HEAD_BYTES]:
        raise LoadError(str(path), "binary file, not text; remove it or convert it to text")
    decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8")()
    fed = 0  # bytes given to the decoder so far: error offsets count from the file's start
    if not utf16 and head.startswith(codecs.BOM_UTF8):
        head, fed = head[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
    piece, final = head, False
    while not final:
        following = next(chunks, None)
        final = following is None
        base = fed - len(decoder.getstate()[0])  # the decoder's offsets include bytes it held
        try:
            text = decoder.decode(piece, final=final)
        except UnicodeDecodeError as e:
            raise LoadError(str(path), _reason(utf16, e, base + e.start)) from e
        fed += len(piece)
        if text:
            yield text
        piece = following or b""


def _reason(utf16: bool, error: UnicodeDecodeError, offset: int) -> str:
    """Why the bytes are not text, and how to convert them."""
    if utf16:  # odd length, or an unpaired surrogate
        return (
            f"starts with a UTF-16 byte-order mark but is not UTF-16 ({error.reason} at byte "
            f"{offset}); re-save it as UTF-8 or UTF-16"
        )
    return (
        f"not UTF-8 text (bad byte at offset {offset}); convert it, e.g. iconv -f latin1 -t utf-8"
    )
