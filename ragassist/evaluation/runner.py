"""What every evaluation suite shares: options, the Suite protocol, the run folder, result rows.

The loop itself (plan items, skip the done ones, score the rest, append, report) is run.py.

An output folder holds `run.json` (what defines the run, with a fingerprint), `results.jsonl`
(one row per item, appended and fsynced as each item finishes, so a killed run loses at most
the item in flight) and the reports. A re-run with the same setup resumes; a re-run with a
different setup refuses to mix its results into the folder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..config import Config
from ..errors import InputError, RagassistError

log = logging.getLogger(__name__)

RESULTS = "results.jsonl"
RUN_FILE = "run.json"


class RunFolderError(RagassistError):
    """An output folder holds results of a different run setup."""


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for: `ragassist eval SUITE [--n N] [--seed S] ...`."""

    suite: str
    n: int | None = None  # items to evaluate; None = the suite's standard size
    seed: int = 0  # seeds the item sampling, so a run is reproducible
    config_path: Path | None = None  # a ragassist.toml for the pipeline under test
    out: Path | None = None  # output folder; default runs/<suite>-seed<S>
    questions: Path | None = None  # rag-corpus: JSONL of questions
    docs: Path | None = None  # rag-corpus: folder of documents
    file: Path | None = None  # verify-file: JSONL of {context, answer[, label]}
    progress: bool = True  # show a progress bar on stderr
    ray: str | None = None  # score items on Ray actors: "local", "auto" or a cluster address
    ray_workers: int | None = None  # Ray actors (each holds the models); None = one per CPU


@dataclass
class RunContext:
    """Everything a suite needs while it runs."""

    options: RunOptions
    config: Config
    out: Path
    n: int | None  # the resolved item count (None = all)
    extras: dict[str, Any] = field(default_factory=dict)  # injected parts, e.g. a scorer


@dataclass
class Plan:
    """The items of a run (each a JSON-able dict with a unique "id") and what defines them."""

    items: list[dict[str, Any]]
    identity: dict[str, Any]  # inputs and models that, when changed, make a new run


@dataclass
class Summary:
    """What a suite concludes from its rows: metrics, plot files, model names."""

    metrics: dict[str, Any]
    plots: list[str] = field(default_factory=list)  # file names inside the output folder
    models: dict[str, Any] = field(default_factory=dict)  # stage -> {name, sha256}
    notes: list[str] = field(default_factory=list)  # lines for report.md


ItemScorer = Callable[[dict[str, Any]], dict[str, Any]]


def scored_row(score: ItemScorer, item: dict[str, Any]) -> dict[str, Any]:
    """One result row: the item's id, what the scorer returned, and the seconds it took."""
    began = time.perf_counter()
    row = score(item)
    return {"id": item["id"], **row, "seconds": time.perf_counter() - began}


class Suite(Protocol):
    """An evaluation: plan items, open the models once, score one item, summarise rows."""

    name: str
    summary: str
    default_n: int | None

    def plan(self, ctx: RunContext) -> Plan: ...

    def open(self, ctx: RunContext) -> ItemScorer: ...

    def summarize(self, rows: list[dict[str, Any]], ctx: RunContext) -> Summary: ...


def sample_indices(total: int, n: int | None, seed: int) -> list[int]:
    """The first n of a seeded permutation of range(total): a larger n extends a smaller one."""
    order = np.random.default_rng(seed).permutation(total)
    return [int(i) for i in (order if n is None else order[:n])]


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes: inputs are part of a run's identity."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def config_identity(config: Config, sections: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The config sections a suite depends on (all when None) as JSON-able data.

    Where the index lives is left out (the run decides that), and so are sections the suite
    never reads, so a new chat or image setting does not orphan a detection run.
    """
    data = dataclasses.asdict(config)
    data.pop("index_dir", None)
    if sections is not None:
        data = {k: v for k, v in data.items() if k in sections}
    return json.loads(json.dumps(data, default=str))


def fingerprint(identity: dict[str, Any]) -> str:
    """A short hash of the canonical JSON of a run's identity."""
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out |= _flatten(v, f"{prefix}{k}.")
        return out
    return {prefix.rstrip("."): data}


def check_run_folder(out: Path, identity: dict[str, Any]) -> None:
    """Create run.json, or refuse when the folder holds results of another setup."""
    out.mkdir(parents=True, exist_ok=True)
    run_file = out / RUN_FILE
    new = fingerprint(identity)
    if run_file.exists():
        old = json.loads(run_file.read_text())
        old_identity = dict(old.get("identity", {}))
        if isinstance(old_identity.get("config"), dict) and isinstance(
            identity.get("config"), dict
        ):
            # compare only the config sections this suite depends on (older runs stored all)
            old_identity["config"] = {
                k: v for k, v in old_identity["config"].items() if k in identity["config"]
            }
        if fingerprint(old_identity) != new:
            a, b = _flatten(old_identity), _flatten(identity)
            diff = [
                f"{k}: {a.get(k)!r} -> {b.get(k)!r}"
                for k in sorted(a.keys() | b.keys())
                if a.get(k) != b.get(k)
            ]
            raise RunFolderError(
                f"{out} holds results of run {old.get('fingerprint')}, but this setup is run {new} "
                f"(changed: {'; '.join(diff[:5]) or 'unknown'}). Results are never mixed: "
                f"pass --out NEW_FOLDER for this setup, or delete {out} to start over."
            )
        return
    tmp = run_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": new, "identity": identity}, indent=2, default=str))
    os.replace(tmp, run_file)


def read_results(path: Path) -> list[dict[str, Any]]:
    """Rows written so far; a torn last line (a kill mid-write) is cut off the file."""
    if not path.exists():
        return []
    data = path.read_bytes()
    *complete, tail = data.split(b"\n")
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(complete, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise InputError(
                f"{path} line {number} is not JSON ({e}); delete the folder to start over"
            ) from e
    if tail:  # every row is written with its newline, so a line without one was torn by a kill
        log.warning("%s: dropping a torn last line left by an interrupted run", path)
        with path.open("r+b") as f:
            f.truncate(len(data) - len(tail))
    return rows


class ResultsWriter:
    """Appends one JSON row per finished item, flushed and fsynced so a kill loses none."""

    def __init__(self, path: Path) -> None:
        self._f = path.open("a", encoding="utf-8")

    def append(self, row: dict[str, Any]) -> None:
        self._f.write(json.dumps(row, ensure_ascii=False, default=float) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()


@dataclass
class RunResult:
    """Where a run wrote its files and what it measured."""

    out: Path
    metrics: dict[str, Any]
    scored_now: int  # items scored in this invocation (the rest were resumed)
