"""Files -> Document: plain text, Markdown, HTML and PDF, with a clear error per bad file."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, LoadError
from ..types import Document, Section, content_hash
from .decode import decode

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # a bad PDF is reported once, as a skipped file

TEXT_SUFFIXES = {".txt", ".text", ".rst"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES

NO_TEXT = "no text in it (empty file, or a PDF of scanned images)"
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass
class Discovery:
    """The files to load under some paths, and what was passed over."""

    files: list[Path] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(
        default_factory=list
    )  # (path, reason): unsupported types


def discover(paths: Iterable[str | Path]) -> Discovery:
    """Expand files and folders into supported files (sorted); a missing path is an InputError."""
    found = Discovery()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise InputError(f"{raw}: no such file or folder. Check the path and try again.")
        if path.is_file():
            candidates = [path]
        else:
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        for p in candidates:
            if p.suffix.lower() in SUPPORTED:
                found.files.append(p.resolve())
            else:
                found.ignored.append((str(p), f"unsupported type {p.suffix or '(none)'}"))
    found.files = sorted(set(found.files))
    return found


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The raw file, or a LoadError saying why it cannot be read."""
    with reading(path):
        check_size(path, max_bytes)
        return path.read_bytes()


def check_size(path: Path, max_bytes: int) -> int:
    """The file's size in bytes; a LoadError when it is over the limit."""
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(
            str(path),
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit (index.max_file_mb)",
        )
    return size


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turns an OSError met while reading `path` into a LoadError saying why."""
    try:
        yield
    except PermissionError as e:
        raise LoadError(str(path), f"cannot read it ({e.strerror}); check its permissions") from e
    except OSError as e:
        raise LoadError(str(path), f"cannot read it ({e.strerror or e})") from e


def load_document(path: Path, data: bytes) -> Document:
    """Parse a file's bytes by its type. Raises LoadError for binary, empty or corrupt files."""
    suffix = path.suffix.lower()
    file_hash = content_hash(data)
    if suffix in PDF_SUFFIXES:
        text, sections, title = _pdf(path, data)
    elif suffix in HTML_SUFFIXES:
        text, sections, title = _html(decode(path, data))
    else:
        text = decode(path, data)
        sections = markdown_sections(text) if suffix in MARKDOWN_SUFFIXES else []
        title = first_heading(sections)
    if not text.strip():
        raise LoadError(str(path), NO_TEXT)
    return Document(str(path), text, title or path.stem, file_hash, tuple(sections))


def markdown_sections(text: str, stack: list[tuple[int, str]] | None = None) -> list[Section]:
    """One section per heading, labelled with the heading path ('Intro > Details').

    `stack` holds the enclosing headings (level, title); a file read in blocks passes the same
    list for every block, so a block's labels continue the previous block's.
    """
    sections: list[Section] = []
    stack = [] if stack is None else stack
    for m in _MD_HEADING.finditer(text):
        level, title = len(m.group(1)), m.group(2).strip()
        stack[:] = [(lv, t) for lv, t in stack if lv < level] + [(level, title)]
        sections.append(Section(m.start(), " > ".join(t for _, t in stack)))
    return sections


def first_heading(sections: Iterable[Section]) -> str:
    for s in sections:
        return s.label.split(" > ")[0]
    return ""


def _html(html: str) -> tuple[str, list[Section], str]:
    """Visible text of an HTML page, with its h1-h6 headings turned into Markdown headings."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    headings = ["h1", "h2", "h3", "h4", "h5", "h6"]
    inside: set[int] = set()  # headings nested in one already replaced: gone with it
    for h in soup.find_all(headings):
        if id(h) in inside:  # skipping them keeps 20,000 nested <h1> linear (was 77 s)
            continue
        inside.update(id(inner) for inner in h.find_all(headings))
        h.replace_with(f"\n\n{'#' * int(h.name[1])} {h.get_text(' ', strip=True)}\n\n")
    lines = [" ".join(line.split()) for line in soup.get_text("\n").splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
    sections = markdown_sections(text)
    return text, sections, title or first_heading(sections)


def _pdf(path: Path, data: bytes) -> tuple[str, list[Section], str]:
    """Text of each page, with a 'page N' section per page.

    pypdf parses untrusted bytes and fails on corrupt ones with many exception types (its own,
    NotImplementedError for unknown filters, KeyError, RecursionError...), so any Exception from
    it is a corrupt file: a page that fails alone is skipped, a file that fails is a LoadError.
    """
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError(
                str(path), "the PDF is encrypted; decrypt it (e.g. qpdf --decrypt) first"
            )
        parts, sections, offset, bad = [], [], 0, 0
        for number, page in enumerate(reader.pages, start=1):
            try:
                page_text = (page.extract_text() or "").strip()
            except Exception as e:  # one damaged page: keep the others
                bad += 1
                log.debug("%s: page %d unreadable", path, number, exc_info=e)
                continue
            if not page_text:
                continue
            sections.append(Section(offset, f"page {number}"))
            parts.append(page_text + "\n\n")
            offset += len(parts[-1])
        if bad:
            log.warning("%s: skipped %d unreadable page(s) of %d", path, bad, len(reader.pages))
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except LoadError:
        raise
    except Exception as e:
        raise LoadError(
            str(path),
            f"corrupt or unreadable PDF ({type(e).__name__}: {e}); re-export or repair it",
        ) from e
    return "".join(parts), sections, str(meta_title).strip()
