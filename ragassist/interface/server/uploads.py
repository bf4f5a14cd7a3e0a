"""Uploaded documents: safe names, type and size checks, and the background indexing jobs.

An upload is refused, with a message that says why, when its name holds a path (no traversal:
files land in `INDEX/uploads/` under their bare name), its type is not one the indexer reads,
it is too large, or its bytes do not match its type (a binary file named .txt). Accepted files
are written atomically, then indexed by the index worker like `ragassist index INDEX/uploads`,
so skipped files are reported with the same reasons as on the command line.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...documents.load import HTML_SUFFIXES, MARKDOWN_SUFFIXES, PDF_SUFFIXES, TEXT_SUFFIXES
from ...index.indexer import IndexReport
from ...index.lock import write_lock
from .engine import Engine
from .errors import ApiError

log = logging.getLogger(__name__)

ALLOWED = sorted(TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,150}$")


def uploads_dir(index_dir: Path) -> Path:
    """Where uploads are stored: a folder inside the index folder, indexed as one scope."""
    return Path(index_dir).expanduser().resolve() / "uploads"


def safe_name(name: str | None) -> str:
    """The bare file name, or 400 when it holds a path, a hidden name or odd characters."""
    name = (name or "").strip()
    if not name:
        raise ApiError(400, "the uploaded file has no name; send it with a file name", "bad_name")
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        raise ApiError(
            400,
            f"the file name {name!r} holds a path; send a plain name such as notes.md "
            "(files are stored in the index's uploads folder)",
            "bad_name",
        )
    if not _SAFE_NAME.match(name):
        raise ApiError(
            400,
            f"the file name {name!r} has characters other than letters, digits, spaces and "
            "._()+-; rename it",
            "bad_name",
        )
    return name


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """415 for types the indexer does not read or bytes that do not match the type; 413 for size."""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED:
        raise ApiError(
            415,
            f"{name}: type {suffix or '(none)'} is not indexed; upload {', '.join(ALLOWED)}",
            "unsupported_type",
        )
    if len(data) > max_bytes:
        raise ApiError(
            413,
            f"{name} is {len(data):,} bytes; the upload limit is {max_bytes:,} "
            "(ragassist serve --max-upload-mb)",
            "file_too_large",
        )
    if not data:
        raise ApiError(400, f"{name} is empty; upload a file with text in it", "empty_file")
    if suffix in PDF_SUFFIXES:
        if not data.startswith(b"%PDF-"):
            raise ApiError(415, f"{name} does not start like a PDF (%PDF-)", "not_pdf")
        return
    if b"\x00" in data[:65536]:
        raise ApiError(
            415,
            f"{name} is binary (it holds NUL bytes), not {suffix} text; "
            "upload text, Markdown, HTML or PDF",
            "binary_file",
        )


def store(folder: Path, name: str, data: bytes) -> Path:
    """Write data to folder/name atomically (a temporary file renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        dest = folder / name
        os.replace(tmp, dest)
        return dest
    finally:
        Path(tmp).unlink(missing_ok=True)


@dataclass
class Job:
    """One background indexing run, as GET /v1/documents/{job} reports it."""

    id: str
    kind: str  # "upload" or "delete"
    files: list[str]
    state: str = "queued"  # queued, indexing, done, failed
    created: float = field(default_factory=time.time)
    finished: float | None = None
    report: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    # as the job runs: files to index, read and split so far, committed (searchable), chunks
    progress: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Jobs:
    """The indexing jobs of this server process, run one at a time on the index worker."""

    def __init__(self, engine: Engine, keep: int = 200) -> None:
        self.engine, self.keep = engine, keep
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, ident: str) -> Job:
        with self._lock:
            job = self._jobs.get(ident)
        if job is None:
            raise ApiError(
                404, f"no indexing job {ident!r}; POST /v1/documents starts one", "no_job"
            )
        return job

    def start(self, kind: str, files: list[str], remove: str | None = None) -> Job:
        """Queue a job that re-indexes the uploads folder (after removing `remove`, if given)."""
        job = Job(uuid.uuid4().hex[:16], kind, files)
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[: max(0, len(self._jobs) - self.keep)]:
                del self._jobs[old]
        self.engine.index_pool.submit(self._run, job, remove)
        return job

    def _run(self, job: Job, remove: str | None) -> None:
        assistant = self.engine.indexer
        assert assistant is not None
        job.state = "indexing"
        try:
            if remove is not None:
                _remove_source(assistant, remove)
            folder = uploads_dir(self.engine.config.index_dir)
            if folder.is_dir():
                report = assistant.index([folder], on_progress=lambda r: _progress(job, r))
                job.report = {k: v for k, v in report.__dict__.items() if k != "ignored"}
            job.state = "done"
        except Exception as e:  # reported to the client through the job
            log.warning("indexing job %s failed: %s", job.id, e)
            job.state, job.error = "failed", str(e)
        finally:
            job.finished = time.time()


def _progress(job: Job, report: IndexReport) -> None:
    """The job's progress from the indexer's running report (read by GET /v1/documents/{job})."""
    job.progress = {
        "files_total": report.files_pending,
        "files_split": report.files_split,
        "files_indexed": report.files_committed,
        "chunks_indexed": report.chunks_added,
    }


def _remove_source(assistant: Any, source: str) -> None:
    """Drop one source from the index (its uploaded file too, if it is one)."""
    uploads = str(uploads_dir(assistant.config.index_dir)) + "/"
    if source.startswith(uploads):
        Path(source).unlink(missing_ok=True)
        return  # the re-index of the uploads folder removes it from the index
    with write_lock(assistant.config.index_dir):
        assistant.store.replace_files([], [source])
        assistant.search_index.refresh()
